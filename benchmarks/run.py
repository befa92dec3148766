"""geocover against the best PostGIS query on the same output: the benchmark (``make bench``).

Run from the repository root::

    .venv/bin/python -m benchmarks.run                 # everything → results/latest.*
    .venv/bin/python -m benchmarks.run --quick         # a few workloads → results/subset-*
    .venv/bin/python -m benchmarks.run --workloads coverage-metz-148,e2e-map-paris
    .venv/bin/python -m benchmarks.run --workloads realistic --pairs 5
    .venv/bin/python -m benchmarks.run --list

Workloads are chosen by exact name, or by group (``realistic``, ``stress``, ``coverage``,
``occlusion``, ``e2e``, ``quick``). Only a run of every workload writes
``results/latest.{md,json}``, the plans in ``results/plans/`` and the README table;
any subset goes to ``results/subset-<date>.{md,json}`` (or ``--out-name``).

Each workload runs the two engines in turn, A B A B …, ``--pairs`` times, for the same
output (``dissolved``: one MultiPolygon and its area; ``area``: the area only). The
geocover side is a fresh process per measurement (``benchmarks/_worker.py``) timing the
engine call on geometries in memory; the PostGIS side is the tiled parallel query of
``benchmarks/postgis_best.sql`` (``benchmarks/pgbest.py``) on tables already loaded and
indexed, its square table built inside the timed part. Both report wall and CPU seconds;
the load average is read before and after each pair, and the CPU time other processes
used during it (the machine's, from ``/proc/stat``, minus the harness's, its children's
and PostgreSQL's): a pair where others used more than 10 % of a core is flagged busy.
A run that starts above ``--busy-load`` says so (``--refuse-busy`` stops it instead).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python benchmarks/run.py` as well as `python -m benchmarks.run`
    sys.path.insert(0, str(ROOT))

from benchmarks import e2e as E  # noqa: E402
from benchmarks import pgbest as B  # noqa: E402
from benchmarks import report as R  # noqa: E402
from benchmarks import workloads as W  # noqa: E402
from benchmarks._worker import save_geoms  # noqa: E402
from benchmarks.pg import PostgisMissing, throwaway_cluster  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
#: A pair started with a 1-minute load average above this is flagged busy (2 cores:
#: above 1.0 another process competes with the measured one for most of the time).
BUSY_LOAD = 1.0


@dataclass
class Workload:
    name: str
    kind: str  # coverage | occlusion | e2e
    n: int
    groups: tuple[str, ...]
    params: dict = field(default_factory=dict)


def all_workloads() -> list[Workload]:
    out: list[Workload] = []

    def cov(name, n, groups, **params):
        out.append(Workload(name, "coverage", n, ("coverage", *groups), params))

    # Realistic densities: Metz's claims and announced targets (148 → 1,600 cameras,
    # 3.5–38 per km²), Paris's real lists and OSM, a network as dense as the densest
    # French ones (55 per km²). The product draws the union: dissolved output.
    for n in (148, 330, 1_000, 1_600):
        cov(f"coverage-metz-{n}", n, ("realistic",) + (("quick",) if n in (148, 1_600) else ()),
            source="metz", output="dissolved")
    cov("coverage-metz-55-per-km2", 0, ("realistic",), source="metz55", output="dissolved")
    cov("coverage-paris-pvpp", 0, ("realistic", "quick"), source="pvpp", output="dissolved")
    cov("coverage-paris-police", 0, ("realistic",), source="police", output="dissolved")
    cov("coverage-paris-osm", 0, ("realistic",), source="osm", output="dissolved")
    # The batch's output on real sites (several cameras at one position): the area alone.
    cov("coverage-paris-citizen-area", 0, ("realistic",), source="citizen", output="area")
    # Stress densities (240–4,800 fields of view per km²): both outputs at 10k and 50k
    # (the batch only needs areas), the area alone at 200k.
    for shape in ("wedges", "discs"):
        for n in (10_000, 50_000):
            for output in ("dissolved", "area"):
                quick = ("quick",) if (n, output, shape) == (10_000, "dissolved", "wedges") else ()
                cov(f"coverage-{shape}-{n // 1000}k-{output}", n, ("stress",) + quick,
                    source=shape, output=output)
        cov(f"coverage-{shape}-200k-area", 200_000, ("stress",), source=shape, output="area")
    for city, n, quick in (("monaco", 500, True), ("monaco", 4_000, False),
                           ("blocks", 1_000, True), ("blocks", 10_000, False)):
        out.append(Workload(f"occlusion-{city}-{n // 1000}k" if n >= 1000 else
                            f"occlusion-{city}-{n}", "occlusion", n,
                            ("occlusion",) + (("quick",) if quick else ()), {"city": city}))
    for name in E.COMMANDS:
        out.append(Workload(f"e2e-{name}", "e2e", 0,
                            ("e2e",) + (("quick",) if name == "map-paris" else ()),
                            {"command": name}))
    return out


def select(workloads: list[Workload], spec: str | None, quick: bool) -> list[Workload]:
    """Workloads by exact name or group; unknown names are an error (ValueError)."""
    keys = [k.strip() for k in (spec or "").split(",") if k.strip()]
    if quick:
        keys.append("quick")
    if not keys:
        return list(workloads)
    names = {w.name for w in workloads}
    groups = {g for w in workloads for g in w.groups}
    unknown = [k for k in keys if k not in names and k not in groups]
    if unknown:
        raise ValueError(f"unknown workload(s) {', '.join(unknown)} (see --list)")
    return [w for w in workloads if w.name in keys or any(g in keys for g in w.groups)]


# --------------------------------------------------------------------------- loading


def _copy_geoms(conn, table: str, columns: tuple[str, ...], rows) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)


def _hex(geoms: np.ndarray, srid: int) -> np.ndarray:
    return shapely.to_wkb(shapely.set_srid(np.asarray(geoms, dtype=object), srid), hex=True,
                          include_srid=srid != 0)


def load_coverage(conn, geoms: np.ndarray, clip: shapely.Geometry, srid: int) -> None:
    conn.execute("DROP TABLE IF EXISTS fov; DROP TABLE IF EXISTS commune")
    conn.execute(f"CREATE TABLE fov (id int PRIMARY KEY, geom geometry(Polygon, {srid}))")
    conn.execute(f"CREATE TABLE commune (geom geometry(MultiPolygon, {srid}))")
    _copy_geoms(conn, "fov", ("id", "geom"),
                zip(range(len(geoms)), _hex(geoms, srid), strict=True))
    conn.execute("INSERT INTO commune VALUES (ST_Multi(ST_GeomFromEWKB(%s)))",
                 (shapely.to_wkb(shapely.set_srid(clip, srid), include_srid=True),))
    conn.execute("VACUUM ANALYZE fov")
    conn.execute("ANALYZE commune")


def load_occlusion(conn, inp: W.OcclusionInput) -> None:
    conn.execute("DROP TABLE IF EXISTS occ_cam; DROP TABLE IF EXISTS occ_bld")
    conn.execute("CREATE TABLE occ_cam "
                 "(id int PRIMARY KEY, v geometry(Point), fov geometry(Polygon))")
    conn.execute("CREATE TABLE occ_bld (id int PRIMARY KEY, geom geometry(Polygon))")
    _copy_geoms(conn, "occ_cam", ("id", "v", "fov"),
                zip(range(len(inp.fovs)), _hex(inp.cameras, 0), _hex(inp.fovs, 0), strict=False))
    parts = shapely.get_parts(inp.buildings)
    _copy_geoms(conn, "occ_bld", ("id", "geom"),
                zip(range(len(parts)), _hex(parts, 0), strict=True))
    conn.execute("UPDATE occ_bld SET geom = ST_ForcePolygonCCW(geom)")
    conn.execute("CREATE INDEX occ_bld_gix ON occ_bld USING gist (geom)")
    conn.execute("VACUUM ANALYZE occ_bld")
    sql = B.sections()
    for part in ("occlusion_setup", "occlusion_functions"):
        for stmt in B.statements(sql[part]):
            conn.execute(stmt)


# --------------------------------------------------------------------------- measuring


def geocover_measure(kind: str, folder: Path, reference: bool = False) -> dict:
    cmd = [sys.executable, "-m", "benchmarks._worker", kind, str(folder)]
    if reference:
        cmd.append("--reference")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"geocover worker failed ({r.returncode}):\n{r.stderr[-4000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def _median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


class CpuWatch:
    """Whose CPU went into a measurement: the machine's busy time (``/proc/stat``) minus
    this harness's and its children's (``getrusage``) and PostgreSQL's (``pg_cpu``, read by
    the harness). What is left ran for someone else: "foreign" CPU seconds. The load
    average cannot tell: the benchmark's own two busy cores keep it above 1."""

    def __init__(self) -> None:
        self.t0, self.busy0, self.own0 = time.perf_counter(), _machine_busy(), _own_cpu()

    def foreign(self, pg_cpu: float = 0.0) -> tuple[float, float]:
        """(foreign CPU seconds, wall seconds) since the watch started."""
        busy = _machine_busy() - self.busy0
        own = _own_cpu() - self.own0 + pg_cpu
        return max(0.0, busy - own), time.perf_counter() - self.t0


def _machine_busy() -> float:
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _own_cpu() -> float:
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


#: A pair is flagged busy when other processes used more than this share of one core
#: during it (and more than FOREIGN_MIN_S CPU seconds).
FOREIGN_SHARE = 0.10
FOREIGN_MIN_S = 0.05


def is_busy(foreign_s: float, wall_s: float) -> bool:
    return foreign_s > FOREIGN_MIN_S and foreign_s > FOREIGN_SHARE * wall_s


def _pairs(n_pairs: int, run_a, run_b, log, busy_load: float) -> tuple[list, list, list]:
    a, b, loads = [], [], []
    for i in range(n_pairs):
        before = os.getloadavg()[0]
        watch = CpuWatch()
        a.append(run_a(i))
        b.append(run_b(i))
        foreign, wall = watch.foreign(pg_cpu=b[-1]["cpu_s"])
        after = os.getloadavg()[0]
        busy = is_busy(foreign, wall)
        loads.append({"before": round(before, 2), "after": round(after, 2),
                      "foreign_cpu_s": round(foreign, 3), "wall_s": round(wall, 3),
                      "busy": busy})
        log(f"  pair {i + 1}/{n_pairs}: geocover {a[-1]['seconds']:.3f} s "
            f"(cpu {a[-1]['cpu_s']:.2f}), PostGIS {b[-1]['seconds']:.3f} s "
            f"(cpu {b[-1]['cpu_s']:.2f}), ratio {a[-1]['seconds'] / b[-1]['seconds']:.3f}, "
            f"load {before:.2f} → {after:.2f}, others' cpu {foreign:.2f} s"
            f"{' BUSY' if busy else ''}")
    return a, b, loads


def _row(w: Workload, label: str, description: str, a, b, loads) -> dict:
    ratios = [x["seconds"] / y["seconds"] for x, y in zip(a, b, strict=False)]
    cpu_ratios = [x["cpu_s"] / y["cpu_s"] if y["cpu_s"] else None
                  for x, y in zip(a, b, strict=True)]
    ga, pa = a[-1]["area"], b[-1]["area"]
    return {
        "workload": w.name, "kind": w.kind, "n": w.n, "label": label,
        "description": description, "output": w.params.get("output", "area"),
        "pairs": len(a),
        "geocover_s": _median([x["seconds"] for x in a]),
        "postgis_s": _median([y["seconds"] for y in b]),
        "geocover_cpu_s": _median([x["cpu_s"] for x in a]),
        "postgis_cpu_s": _median([y["cpu_s"] for y in b]),
        "geocover_s_all": [round(x["seconds"], 4) for x in a],
        "postgis_s_all": [round(y["seconds"], 4) for y in b],
        "ratio_per_pair": [round(r, 4) for r in ratios],
        "ratio_median": _median(ratios),
        "cpu_ratio_median": _median(cpu_ratios),
        "area_geocover_m2": ga, "area_postgis_m2": pa,
        "area_rel_diff": abs(ga - pa) / abs(pa) if pa else (0.0 if ga == 0 else float("inf")),
        "geocover_peak_mb": max(x["peak_mb"] for x in a),
        "load": loads,
        "busy": any(x["busy"] for x in loads),
    }


def _coverage_input(w: Workload) -> W.CoverageInput:
    src = w.params["source"]
    if src == "metz":
        return W.metz_cameras_input(w.n)
    if src == "metz55":
        return W.metz_cameras_input(0, per_km2=55)
    if src in ("pvpp", "police"):
        return W.paris_list_input(src)
    if src == "osm":
        return W.paris_osm_input()
    if src == "citizen":
        return W.paris_citizen_input()
    return W.coverage_input(src, w.n)


def run_coverage(w: Workload, cluster, tmp: Path, a, log, plans: Path | None) -> dict:
    inp = _coverage_input(w)
    w.n = len(inp.geoms)
    folder = tmp / w.name
    folder.mkdir()
    output = w.params["output"]
    save_geoms(folder / "geoms.npz", inp.geoms)
    save_geoms(folder / "clip.npz", np.array([inp.clip], dtype=object))
    (folder / "meta.json").write_text(json.dumps({"output": output}))
    t0 = time.perf_counter()
    with cluster.connect() as conn:
        load_coverage(conn, inp.geoms, inp.clip, 2154)
    B.prepare_coverage(cluster)
    log(f"  loaded {len(inp.geoms):,} geometries into PostGIS in {time.perf_counter() - t0:.1f} s")
    bounds = shapely.bounds(inp.geoms)
    extent = float(np.median(np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])))
    density = float(shapely.area(inp.geoms).sum()) / inp.clip.area
    # PostGIS's best for this input: every candidate once (squares of 32, 128 or 512
    # fields of view, and the plain ST_Union below 20k), the fastest is the one timed.
    candidates = []
    for per in (32, 128, 512):
        side = B.square_side(len(inp.geoms), inp.clip.bounds, extent, per)
        candidates.append((B.coverage_plan(output, density), side))
    if len(inp.geoms) <= 20_000:
        candidates.append(("naive_" + output, 0.0))
    trials = []
    for section, side in candidates:
        pre = B.squares_pre(side) if side else []
        r = B.measure(cluster, B.sections()[section], {}, pre)
        trials.append({"query": section, "square_m": round(side, 1),
                       "seconds": round(r["seconds"], 4), "cpu_s": round(r["cpu_s"], 3)})
        log(f"  PostGIS candidate {section} squares {side:.0f} m: {r['seconds']:.3f} s")
    best = min(trials, key=lambda t: t["seconds"])
    section, side = best["query"], best["square_m"]
    query, pre = B.sections()[section], (B.squares_pre(side) if side else [])

    def pg(_i):
        r = B.measure(cluster, query, {}, pre)
        r["area"] = float(r["row"][0] or 0.0)
        return r

    ga, pb, loads = _pairs(a.pairs, lambda i: geocover_measure("coverage", folder, i == 0),
                           pg, log, a.busy_load)
    row = _row(w, inp.label, inp.description, ga, pb, loads)
    ref = ga[0].get("reference_area")
    row.update({
        "strategy": ga[0].get("strategy"), "density": density,
        "postgis_query": section, "postgis_square_m": side, "postgis_candidates": trials,
        "postgis_squares_s": _median([y["pre_s"] for y in pb]),
        "shapely_plain_s": ga[0].get("reference_s"),
        "area_rel_diff_vs_plain_shapely": abs(ga[-1]["area"] - ref) / ref if ref else None,
        "parts_geocover": ga[-1].get("parts"),
        "parts_postgis": pb[-1]["row"][1] if len(pb[-1]["row"]) > 1 else None,
        "share": ga[-1]["area"] / inp.clip.area,
    })
    if plans is not None:
        (plans / f"{w.name}.txt").write_text(
            f"-- {w.name}: {inp.description}\n-- query {section}, squares of {side:.1f} m\n"
            + B.explain(cluster, query, {}, pre) + "\n")
    return row


def run_occlusion(w: Workload, cluster, tmp: Path, a, log, plans: Path | None) -> dict:
    inp = W.occlusion_input(w.params["city"], w.n)
    folder = tmp / w.name
    folder.mkdir()
    save_geoms(folder / "fovs.npz", inp.fovs)
    save_geoms(folder / "cameras.npz", inp.cameras)
    save_geoms(folder / "buildings.npz", inp.buildings)
    (folder / "meta.json").write_text(json.dumps({"crs": inp.crs}))
    t0 = time.perf_counter()
    with cluster.connect() as conn:
        load_occlusion(conn, inp)
    log(f"  loaded {len(inp.fovs):,} fields of view and {len(inp.buildings):,} buildings into "
        f"PostGIS in {time.perf_counter() - t0:.1f} s")
    corners = shapely.bounds(inp.fovs)[:, [[0, 1], [0, 3], [2, 1], [2, 3]]]
    reach = float(np.max(np.linalg.norm(corners - shapely.get_coordinates(inp.cameras)[:, None, :],
                                        axis=2)))
    query = B.sections()["occlusion"]

    def pg(_i):
        r = B.measure(cluster, query, {"reach": reach})
        r["area"] = float(r["row"][0] or 0.0)
        return r

    ga, pb, loads = _pairs(a.pairs, lambda i: geocover_measure("occlusion", folder), pg, log,
                           a.busy_load)
    row = _row(w, inp.label, inp.description, ga, pb, loads)
    row.update({"buildings": len(inp.buildings), "postgis_query": "occlusion",
                "visible_share": ga[-1]["area"] / ga[-1]["fov_area"] if ga[-1]["fov_area"]
                else None})
    if plans is not None:
        (plans / f"{w.name}.txt").write_text(
            f"-- {w.name}: {inp.description}\n" + B.explain(cluster, query, {"reach": reach})
            + "\n")
    return row


def run_e2e(w: Workload, a, log) -> dict:
    watch = CpuWatch()
    [row] = E.measure([w.params["command"]], a.pairs, ROOT, log=lambda m: log("  " + m.strip()))
    foreign, wall = watch.foreign()
    row["foreign_cpu_s"], row["watch_wall_s"] = round(foreign, 3), round(wall, 3)
    row["busy"] = is_busy(foreign, wall)
    return row


def _meta(a, postgis: str, load_start) -> dict:
    from geocover.model.threads import default_workers

    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                   f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB",
        "python": platform.python_version(),
        "shapely": shapely.__version__,
        "geos": shapely.geos_version_string,
        "workers": default_workers(),
        "postgis": postgis,
        "postgis_settings": B.PARALLEL_SETTINGS,
        "pairs": a.pairs,
        "busy_load": a.busy_load,
        "foreign_share": FOREIGN_SHARE,
        "load_average_at_start": [round(x, 2) for x in load_start],
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "imports": E.import_times(ROOT, pairs=max(3, a.pairs)),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="the 'quick' group only")
    ap.add_argument("--workloads", metavar="NAMES",
                    help="comma-separated exact names or groups (see --list)")
    ap.add_argument("--pairs", type=int, default=3, help="A/B pairs per workload (default 3)")
    ap.add_argument("--busy-load", type=float, default=BUSY_LOAD,
                    help=f"flag pairs started above this load average (default {BUSY_LOAD})")
    ap.add_argument("--refuse-busy", action="store_true",
                    help="stop (exit 3) when the load average is above --busy-load at start")
    ap.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    ap.add_argument("--out-name", help="base name of a subset's result files")
    ap.add_argument("--list", action="store_true", help="list the workloads and exit")
    a = ap.parse_args(argv)
    every = all_workloads()
    if a.list:
        for w in every:
            print(f"{w.name:34s} {w.kind:10s} {','.join(w.groups)}")
        return 0
    try:
        wl = select(every, a.workloads, a.quick)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    a.pairs = max(1, a.pairs)
    full = len(wl) == len(every)

    def log(msg: str) -> None:
        print(msg, flush=True)

    load_start = os.getloadavg()
    if load_start[0] > a.busy_load:
        msg = (f"load average {load_start[0]:.2f} on {os.cpu_count()} cores (above "
               f"{a.busy_load:g}): the machine is busy, results will be flagged")
        if a.refuse_busy:
            print(f"error: {msg}; refusing (--refuse-busy)", file=sys.stderr)
            return 3
        log("note: " + msg)
    a.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    base = "latest" if full else (a.out_name or f"subset-{stamp}")
    plans = a.out / ("plans" if full else f"{base}-plans")
    rows: list[dict] = []
    postgis = "not used"
    try:
        with tempfile.TemporaryDirectory(prefix="geocover-bench-") as tmpdir:
            tmp = Path(tmpdir)
            needs_pg = any(w.kind != "e2e" for w in wl)
            if needs_pg:
                plans.mkdir(parents=True, exist_ok=True)
            from contextlib import nullcontext

            with (throwaway_cluster() if needs_pg else nullcontext()) as cluster:
                if cluster is not None:
                    with cluster.connect() as conn:
                        postgis = conn.execute(
                            "SELECT 'PostgreSQL ' || current_setting('server_version') || ', ' "
                            "|| postgis_full_version()").fetchone()[0].split(" PROJ=")[0]
                    log(f"throwaway PostgreSQL on 127.0.0.1:{cluster.port} ({cluster.root})")
                for w in wl:
                    log(f"[{w.name}]")
                    t0 = time.perf_counter()
                    if w.kind == "coverage":
                        row = run_coverage(w, cluster, tmp, a, log, plans)
                    elif w.kind == "occlusion":
                        row = run_occlusion(w, cluster, tmp, a, log, plans)
                    else:
                        row = run_e2e(w, a, log)
                    row["bench_wall_s"] = round(time.perf_counter() - t0, 1)
                    rows.append(row)
                    if row["kind"] != "e2e":
                        log(f"  → ratio {row['ratio_median']:.3f} (cpu ratio "
                            f"{row['cpu_ratio_median'] or float('nan'):.3f}), area rel. diff "
                            f"{row['area_rel_diff']:.1e}")
                    # Written after every workload: a long run interrupted keeps what it did.
                    (a.out / f"{base}.json").write_text(
                        json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
    except PostgisMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    meta = _meta(a, postgis, load_start)
    meta["selection"] = "all" if full else [w.name for w in wl]
    (a.out / f"{base}.json").write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
    (a.out / f"{base}.meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    table = R.markdown(rows, meta)
    (a.out / f"{base}.md").write_text("# Benchmark results\n\n" + table)
    if full:
        if R.plot(rows, a.out / "time_vs_n.png"):
            log(f"plot: {a.out / 'time_vs_n.png'}")
        R.update_readme(table)
    log(f"\nwrote {a.out / (base + '.md')}\n")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
