"""geocover's coverage engine against PostGIS: the benchmark entry point (``make bench``).

Run from the repository root::

    .venv/bin/python -m benchmarks.run            # everything (tens of minutes)
    .venv/bin/python -m benchmarks.run --quick    # N = 1k and 10k, small occlusion sets
    .venv/bin/python -m benchmarks.run --workloads coverage-discs,e2e --pairs 5
    .venv/bin/python -m benchmarks.run --list

It installs nothing. It needs PostgreSQL 15 with PostGIS 3 (Debian's
``postgresql-15-postgis-3``) and starts a throwaway cluster on a free port of
127.0.0.1 in a temporary directory, stopped and deleted at the end, even on
failure. For each workload the inputs are generated (synthetic, fixed seed) or
read from the offline bundle, loaded into PostGIS, then each engine runs in turn,
A B A B …, ``--pairs`` times. The geocover side runs in a fresh process per
measurement (``benchmarks/_worker.py``), timing only the engine call on
geometries already in memory; the PostGIS side times only the query on tables
already loaded. Results go to ``benchmarks/results/latest.{json,md}``, the plot
``time_vs_n.png`` and the table in ``benchmarks/README.md``.
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

from benchmarks import workloads as W  # noqa: E402
from benchmarks._worker import save_geoms  # noqa: E402
from benchmarks.pg import PostgisMissing, throwaway_cluster  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
README = Path(__file__).resolve().parent / "README.md"

#: Targets from the issue (ratio geocover/PostGIS, relative area difference).
COVERAGE_TARGET_RATIO = 0.25
COVERAGE_TARGET_NS = (10_000, 50_000)
COVERAGE_AREA_TOL = 1e-9
OCCLUSION_TARGET_RATIO = 0.5
OCCLUSION_AREA_TOL = 1e-3
MEMORY_TARGET_MB = 2048
E2E_TARGETS_S = {"e2e-report-metz": 2.0, "e2e-map-paris": 5.0}
#: PostGIS statement timeout (a stuck query must not hang the run).
STATEMENT_TIMEOUT_S = 1800


@dataclass
class Workload:
    name: str
    kind: str  # coverage | occlusion | e2e
    n: int
    quick: bool
    params: dict = field(default_factory=dict)
    pairs: int | None = None  # overrides --pairs (e.g. fewer at 200k)


def all_workloads() -> list[Workload]:
    out: list[Workload] = []
    for shape in ("wedges", "discs"):
        for n in (1_000, 10_000, 50_000, 200_000):
            out.append(Workload(f"coverage-{shape}-{n // 1000}k", "coverage", n, n <= 10_000,
                                {"shape": shape}))
    out.append(Workload("coverage-paris-pvpp", "coverage", 1389, True, {"shape": "paris"}))
    out.append(Workload("occlusion-monaco-500", "occlusion", 500, True, {"city": "monaco"}))
    out.append(Workload("occlusion-monaco-4k", "occlusion", 4_000, False, {"city": "monaco"}))
    out.append(Workload("occlusion-blocks-1k", "occlusion", 1_000, True, {"city": "blocks"}))
    out.append(Workload("occlusion-blocks-10k", "occlusion", 10_000, False, {"city": "blocks"}))
    for cmd, city in (("report", "metz"), ("report", "paris"), ("map", "paris")):
        out.append(Workload(f"e2e-{cmd}-{city}", "e2e", 0, True, {"cmd": cmd, "city": city}))
    return out


def select(workloads: list[Workload], spec: str | None, quick: bool) -> list[Workload]:
    chosen = [w for w in workloads if w.quick] if quick else list(workloads)
    if spec:
        keys = [k.strip() for k in spec.split(",") if k.strip()]
        base = workloads if not quick else chosen
        chosen = [w for w in base if any(w.name == k or w.name.startswith(k + "-")
                                         or w.name.startswith(k) or w.kind == k for k in keys)]
    return chosen


# --------------------------------------------------------------------------- PostGIS side

COVERAGE_SQL = (
    "SELECT ST_Area(ST_Intersection(ST_Union(geom), (SELECT geom FROM commune))) FROM fov"
)

#: Exact shadows, the same model as geocover.model.occlusion: every front-facing edge of
#: every building meeting the field of view hides the region behind it (a pentagon
#: p1, p2, then far points on the rays through p2, the edge's angular middle and p1,
#: at twice the farthest of the field of view's reach and the edge's ends);
#: the visible field is the field of view minus the union of its shadows (which
#: contain the buildings themselves). Buildings are stored with exterior rings
#: counter-clockwise and holes clockwise (ST_ForcePolygonCCW), so an edge is
#: front-facing when the camera is on its right.
OCCLUSION_SQL = """
WITH e AS (
  SELECT c.id, ST_X(c.v) AS vx, ST_Y(c.v) AS vy,
         ST_X(ST_StartPoint(d.geom)) AS x1, ST_Y(ST_StartPoint(d.geom)) AS y1,
         ST_X(ST_EndPoint(d.geom)) AS x2, ST_Y(ST_EndPoint(d.geom)) AS y2
  FROM occ_cam c
  JOIN occ_bld b ON ST_Intersects(c.fov, b.geom)
  CROSS JOIN LATERAL ST_DumpSegments(b.geom) AS d
), f AS (
  SELECT *, sqrt((x1 - vx) ^ 2 + (y1 - vy) ^ 2) AS d1, sqrt((x2 - vx) ^ 2 + (y2 - vy) ^ 2) AS d2
  FROM e
  -- front-facing: the camera more than 1 µm on the outer (right) side of the edge
  WHERE (x2 - x1) * (vy - y1) - (y2 - y1) * (vx - x1)
        < -1e-6 * sqrt((x2 - x1) ^ 2 + (y2 - y1) ^ 2)
), m AS (
  SELECT *, (x1 - vx) / d1 + (x2 - vx) / d2 AS mx, (y1 - vy) / d1 + (y2 - vy) / d2 AS my,
         2 * greatest(%(reach)s, d1, d2) + 1 AS far
  FROM f
), q AS (
  SELECT id, ST_MakePolygon(ST_MakeLine(ARRAY[
      ST_MakePoint(x1, y1), ST_MakePoint(x2, y2),
      ST_MakePoint(vx + (x2 - vx) * far / d2, vy + (y2 - vy) * far / d2),
      ST_MakePoint(vx + mx * far / sqrt(mx * mx + my * my),
                   vy + my * far / sqrt(mx * mx + my * my)),
      ST_MakePoint(vx + (x1 - vx) * far / d1, vy + (y1 - vy) * far / d1),
      ST_MakePoint(x1, y1)])) AS shadow
  FROM m
), h AS (
  SELECT id, ST_Union(shadow) AS hidden FROM q GROUP BY id
)
SELECT sum(ST_Area(CASE WHEN h.hidden IS NULL THEN c.fov
                        ELSE ST_Difference(c.fov, h.hidden) END))
FROM occ_cam c LEFT JOIN h USING (id)
"""


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
    _copy_geoms(conn, "fov", ("id", "geom"), zip(range(len(geoms)), _hex(geoms, srid), strict=True))
    conn.execute("INSERT INTO commune VALUES (ST_Multi(ST_GeomFromEWKB(%s)))",
                 (shapely.to_wkb(shapely.set_srid(clip, srid), include_srid=True),))
    # ST_Union reads every row: an index would not be used. Statistics for the planner.
    conn.execute("VACUUM ANALYZE fov")
    conn.execute("ANALYZE commune")


def load_occlusion(conn, inp: W.OcclusionInput) -> None:
    conn.execute("DROP TABLE IF EXISTS occ_cam; DROP TABLE IF EXISTS occ_bld")
    conn.execute("CREATE TABLE occ_cam "
                 "(id int PRIMARY KEY, v geometry(Point), fov geometry(Polygon))")
    conn.execute("CREATE TABLE occ_bld (id int PRIMARY KEY, geom geometry(Polygon))")
    _copy_geoms(conn, "occ_cam", ("id", "v", "fov"),
                zip(range(len(inp.fovs)), _hex(inp.cameras, 0), _hex(inp.fovs, 0), strict=True))
    parts = shapely.get_parts(inp.buildings)
    _copy_geoms(
        conn, "occ_bld", ("id", "geom"), zip(range(len(parts)), _hex(parts, 0), strict=True)
    )
    conn.execute("UPDATE occ_bld SET geom = ST_ForcePolygonCCW(geom)")
    # A fair analyst indexes what the join probes.
    conn.execute("CREATE INDEX occ_bld_gix ON occ_bld USING gist (geom)")
    conn.execute("CREATE INDEX occ_cam_gix ON occ_cam USING gist (fov)")
    conn.execute("VACUUM ANALYZE occ_cam")
    conn.execute("VACUUM ANALYZE occ_bld")


def _backend_hwm_mb(conn) -> float | None:
    """Peak resident memory of this connection's backend process (VmHWM)."""
    try:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        return None
    return None


def postgis_measure(cluster, sql: str, params: dict | None = None) -> dict:
    """Time one query on a fresh connection (so VmHWM is this query's)."""
    with cluster.connect() as conn:
        conn.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT_S}s'")
        t0 = time.perf_counter()
        value = conn.execute(sql, params).fetchone()[0]
        seconds = time.perf_counter() - t0
        return {"seconds": seconds, "area": float(value or 0.0), "peak_mb": _backend_hwm_mb(conn)}


# --------------------------------------------------------------------------- geocover side


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


# --------------------------------------------------------------------------- runners


def _median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def _pairs(n_pairs: int, run_a, run_b, log) -> tuple[list[dict], list[dict]]:
    a, b = [], []
    for i in range(n_pairs):
        a.append(run_a(i))
        b.append(run_b(i))
        log(f"  pair {i + 1}/{n_pairs}: geocover {a[-1]['seconds']:.3f} s, "
            f"PostGIS {b[-1]['seconds']:.3f} s, ratio {a[-1]['seconds'] / b[-1]['seconds']:.3f}")
    return a, b


def _row(w: Workload, label: str, description: str, a: list[dict], b: list[dict]) -> dict:
    ratios = [x["seconds"] / y["seconds"] for x, y in zip(a, b, strict=True)]
    ga, pa = a[-1]["area"], b[-1]["area"]
    return {
        "workload": w.name,
        "kind": w.kind,
        "n": w.n,
        "label": label,
        "description": description,
        "pairs": len(a),
        "geocover_s": _median([x["seconds"] for x in a]),
        "postgis_s": _median([y["seconds"] for y in b]),
        "geocover_s_all": [round(x["seconds"], 4) for x in a],
        "postgis_s_all": [round(y["seconds"], 4) for y in b],
        "ratio_per_pair": [round(r, 4) for r in ratios],
        "ratio_median": _median(ratios),
        "area_geocover_m2": ga,
        "area_postgis_m2": pa,
        "area_rel_diff": abs(ga - pa) / abs(pa) if pa else (0.0 if ga == 0 else float("inf")),
        "geocover_peak_mb": max(x["peak_mb"] for x in a),
        "geocover_inputs_mb": _median([x["before_mb"] for x in a]),
        "postgis_backend_peak_mb": _median([y.get("peak_mb") for y in b]),
    }


def run_coverage(w: Workload, cluster, tmp: Path, n_pairs: int, log) -> dict:
    shape = w.params["shape"]
    inp = W.paris_coverage_input() if shape == "paris" else W.coverage_input(shape, w.n)
    w.n = len(inp.geoms)
    folder = tmp / w.name
    folder.mkdir()
    save_geoms(folder / "geoms.npz", inp.geoms)
    save_geoms(folder / "clip.npz", np.array([inp.clip], dtype=object))
    t0 = time.perf_counter()
    with cluster.connect() as conn:
        load_coverage(conn, inp.geoms, inp.clip, 2154)
    log(f"  loaded {len(inp.geoms):,} geometries into PostGIS in {time.perf_counter() - t0:.1f} s")
    a, b = _pairs(n_pairs,
                  lambda i: geocover_measure("coverage", folder, reference=(i == 0)),
                  lambda i: postgis_measure(cluster, COVERAGE_SQL), log)
    row = _row(w, inp.label, inp.description, a, b)
    ref = a[0].get("reference_area")
    row["strategy"] = a[0].get("strategy")
    row["density"] = a[0].get("density")
    row["shapely_plain_s"] = a[0].get("reference_s")
    row["area_rel_diff_vs_plain_shapely"] = abs(a[-1]["area"] - ref) / ref if ref else None
    row["commune_area_m2"] = float(inp.clip.area)
    row["share"] = a[-1]["area"] / inp.clip.area
    return row


def run_occlusion(w: Workload, cluster, tmp: Path, n_pairs: int, log) -> dict:
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
    # Far points at twice the farthest of the field of view's reach and the edge's ends.
    corners = shapely.bounds(inp.fovs)[:, [[0, 1], [0, 3], [2, 1], [2, 3]]]
    reach = float(np.max(np.linalg.norm(corners - shapely.get_coordinates(inp.cameras)[:, None, :],
                                        axis=2)))
    params = {"reach": reach}
    a, b = _pairs(n_pairs, lambda i: geocover_measure("occlusion", folder),
                  lambda i: postgis_measure(cluster, OCCLUSION_SQL, params), log)
    row = _row(w, inp.label, inp.description, a, b)
    row["buildings"] = len(inp.buildings)
    row["fov_area_m2"] = a[-1]["fov_area"]
    row["visible_share"] = a[-1]["area"] / a[-1]["fov_area"] if a[-1]["fov_area"] else None
    return row


#: Runs a command and reports its wall time and peak RSS as JSON. It is a small
#: intermediate process on purpose: on Linux a child's ru_maxrss starts at its
#: parent's resident size at exec time, so measured straight from the harness
#: (which holds the benchmark's geometries) it would be inflated.
_LAUNCHER = r"""
import json, os, subprocess, sys, time
cmd, out, err = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
with open(out, "wb") as o, open(err, "wb") as e:
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=o, stderr=e)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
print(json.dumps({"rc": os.waitstatus_to_exitcode(status), "wall": wall,
                  "maxrss_mb": usage.ru_maxrss / 1024.0}))
"""


def _run_child(cmd: list[str], env: dict, cwd: Path, tmp: Path) -> tuple[int, float, float, str]:
    """Run a command: exit code, wall time, peak RSS of that very process (MB), message."""
    out, err = tmp / "stdout.txt", tmp / "stderr.txt"
    r = subprocess.run([sys.executable, "-c", _LAUNCHER, json.dumps(cmd), str(out), str(err)],
                       cwd=cwd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        return r.returncode, float("nan"), float("nan"), r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    msg = (err.read_bytes() or out.read_bytes()).decode(errors="replace")
    return res["rc"], res["wall"], res["maxrss_mb"], msg


def _import_seconds(cmd_args: list[str], env: dict, cwd: Path, tmp: Path) -> float | None:
    """Total import time of a real run, from ``python -X importtime`` (sum of self times)."""
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "geocover", *cmd_args],
                       cwd=cwd, env=env, capture_output=True, text=True)
    total = 0
    for line in r.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            try:
                total += int(line.split(":", 1)[1].split("|")[0])
            except ValueError:
                continue
    return total / 1e6 if total else None


def _category(filename: str, func: str) -> str:
    f = filename.replace("\\", "/")
    if ("importlib" in f or "marshal.loads" in func or "builtins.compile" in func
            or "_imp." in func or "__build_class__" in func):
        return "import"
    if "shapely" in f or "shapely" in func or "pyproj" in f or "_thread.lock" in func \
            or "/geocover/_union.py" in f or "/geocover/occlusion.py" in f:
        return "geometry"
    if any(k in f for k in ("pyogrio", "/json/", "/csv", "tomllib", "/gzip", "/shutil")) \
            or any(k in func for k in ("'read'", "'write'", "io.open", "'readinto'", "os.replace",
                                       "posix.stat", "_io.", "fsync")):
        return "io"
    return "other"


def _profile_breakdown(cmd_args: list[str], env: dict, cwd: Path, tmp: Path) -> dict:
    """Two extra runs: where the time goes (imports; then, profiled, I/O, geometry, other)."""
    out: dict = {"import_s": _import_seconds(cmd_args, env, cwd, tmp)}
    prof = tmp / "e2e.prof"
    code = (
        "import cProfile, sys, runpy; sys.argv = ['geocover'] + sys.argv[1:];"
        f"cProfile.run(\"runpy.run_module('geocover', run_name='__main__')\", {str(prof)!r})"
    )
    subprocess.run([sys.executable, "-c", code, *cmd_args], cwd=cwd, env=env,
                   capture_output=True, text=True)
    if not prof.exists():
        return out
    import pstats

    st = pstats.Stats(str(prof))
    cats = {"import": 0.0, "io": 0.0, "geometry": 0.0, "other": 0.0}
    for (filename, _line, func), (_cc, _nc, tt, _ct, _callers) in st.stats.items():
        cats[_category(filename, func)] += tt
    total = sum(cats.values())
    # The profiler slows Python code down more than C code: report shares of the
    # profiled time, scaled to the unprofiled wall time minus the measured imports.
    out["profile_total_s"] = round(total, 3)
    for k in ("io", "geometry", "other"):
        out[f"profile_{k}_share"] = round(cats[k] / total, 3) if total else None
    top = sorted(st.stats.items(), key=lambda kv: -kv[1][3])
    out["top_geocover_cumulative"] = [
        (f"{Path(k[0]).name}:{k[2]}", round(v[3], 3)) for k, v in top
        if "/geocover/" in k[0].replace("\\", "/") and "__main__" not in k[0]
        and k[2] not in ("main", "<module>", "run")
    ][:6]
    return out


def run_e2e(w: Workload, tmp: Path, n_runs: int, log) -> dict:
    cmd, city = w.params["cmd"], w.params["city"]
    folder = tmp / w.name
    folder.mkdir()
    env = dict(os.environ)
    env["GEOCOVER_BUNDLE"] = str(W.bundle_dir())
    env["GEOCOVER_CACHE_DIR"] = str(folder / "cache")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    outfile = folder / (f"{city}.html" if cmd == "map" else f"{city}-report.txt")
    args = [cmd, city, "-o", str(outfile)]
    full = [sys.executable, "-m", "geocover", *args]
    row = {"workload": w.name, "kind": "e2e", "n": 0, "label": "real",
           "description": f"`geocover {cmd} {city}` offline (GEOCOVER_BUNDLE), whole process",
           "command": " ".join(["geocover", *args[:2]])}
    walls, peaks = [], []
    for i in range(n_runs):
        rc, wall, peak, msg = _run_child(full, env, ROOT, folder)
        if rc != 0:
            line = msg.strip().splitlines()[-1] if msg.strip() else f"exit code {rc}"
            log(f"  not available yet: `geocover {cmd} {city}` failed: {line}")
            row.update({"status": "not available yet", "error": line[:500]})
            return row
        walls.append(wall)
        peaks.append(peak)
        log(f"  run {i + 1}/{n_runs}: {wall:.2f} s, peak {peak:.0f} MB")
    row.update({"status": "ok", "wall_s": _median(walls),
                "wall_s_all": [round(x, 3) for x in walls], "peak_mb": max(peaks)})
    row.update(_profile_breakdown(args, env, ROOT, folder))
    # Split the wall time: imports (measured), the rest by the profile's shares.
    rest = max(row["wall_s"] - (row.get("import_s") or 0.0), 0.0)
    parts = {"import": row.get("import_s") or 0.0}
    non_import = sum(row.get(f"profile_{k}_share") or 0.0 for k in ("io", "geometry", "other"))
    for k in ("io", "geometry", "other"):
        share = row.get(f"profile_{k}_share")
        parts[k] = rest * share / non_import if share is not None and non_import else None
        row[f"{k}_s_est"] = None if parts[k] is None else round(parts[k], 3)
    row["dominant"] = max((k for k in parts if parts[k] is not None), key=lambda k: parts[k])
    return row


# --------------------------------------------------------------------------- reporting


def _fmt(x, spec=".3f"):
    if x is None:
        return "–"
    if isinstance(x, float) and (x != x):
        return "–"
    return format(x, spec)


def _verdict(row: dict) -> str:
    if row["kind"] == "coverage":
        ok_area = (row.get("area_rel_diff") or 0) <= COVERAGE_AREA_TOL
        if row["n"] in COVERAGE_TARGET_NS and row["label"] == "synthetic":
            ok = ok_area and row["ratio_median"] <= COVERAGE_TARGET_RATIO
            return "✅" if ok else "❌"
        if row["n"] >= 200_000:
            return "✅" if ok_area and row["geocover_peak_mb"] <= MEMORY_TARGET_MB else "❌"
        return "✅" if ok_area and row["ratio_median"] < 1 else "❌"
    if row["kind"] == "occlusion":
        ok = (row["ratio_median"] <= OCCLUSION_TARGET_RATIO
              and (row.get("area_rel_diff") or 0) <= OCCLUSION_AREA_TOL)
        return "✅" if ok else "❌"
    target = E2E_TARGETS_S.get(row["workload"])
    if row.get("status") != "ok":
        return "–"
    if target is None:
        return ""
    return "✅" if row["wall_s"] <= target else "❌"


def markdown(rows: list[dict], meta: dict) -> str:
    lines = [
        f"Run {meta['date']} on {meta['machine']}; {meta['pairs_note']}.",
        f"geocover: Python {meta['python']}, shapely {meta['shapely']} (GEOS {meta['geos']}), "
        f"{meta['workers']} worker threads. PostGIS: {meta['postgis']}.",
        "",
        "| workload | data | N | geocover (s) | PostGIS (s) | ratio per pair | ratio (median) "
        "| area rel. diff | geocover peak (MB) | plan | target |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|---|:-:|",
    ]
    for r in rows:
        if r["kind"] == "e2e":
            continue
        lines.append(
            f"| {r['workload']} | {r['label']} | {r['n']:,} | {_fmt(r['geocover_s'])} | "
            f"{_fmt(r['postgis_s'])} | {', '.join(f'{x:.3f}' for x in r['ratio_per_pair'])} | "
            f"**{_fmt(r['ratio_median'])}** | {_fmt(r['area_rel_diff'], '.1e')} | "
            f"{_fmt(r['geocover_peak_mb'], '.0f')} | {r.get('strategy') or 'occlusion'} | "
            f"{_verdict(r)} |"
        )
    e2e = [r for r in rows if r["kind"] == "e2e"]
    if e2e:
        lines += [
            "",
            "| end to end (offline) | wall (s, median) | peak RSS (MB) | imports (s) "
            "| rest: I/O / geometry / other (s, est.) | dominant | target |",
            "|---|---:|---:|---:|---|---|:-:|",
        ]
        for r in e2e:
            if r.get("status") != "ok":
                lines.append(f"| `{r['command']}` | not available yet: {r.get('error', '')[:80]} "
                             "| | | | | – |")
                continue
            prof = " / ".join(_fmt(r.get(f"{k}_s_est"), ".2f") for k in ("io", "geometry", "other"))
            lines.append(
                f"| `{r['command']}` | {_fmt(r['wall_s'], '.2f')} | {_fmt(r['peak_mb'], '.0f')} | "
                f"{_fmt(r.get('import_s'), '.2f')} | {prof} | "
                f"{r.get('dominant', '')} | {_verdict(r)} |"
            )
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is missing: no plot (pip install matplotlib)", file=sys.stderr)
        return False
    fig, ax = plt.subplots(figsize=(7, 5), dpi=120)
    styles = {"wedges": ("tab:blue", "o"), "discs": ("tab:orange", "s")}
    drawn = False
    for shape, (color, marker) in styles.items():
        pts = sorted((r["n"], r["geocover_s"], r["postgis_s"]) for r in rows
                     if r["kind"] == "coverage" and r["workload"].startswith(f"coverage-{shape}-"))
        if len(pts) < 2:
            continue
        n, g, p = map(np.asarray, zip(*pts, strict=True))

        def slope(t, n=n):  # least-squares exponent: time ∝ N^slope
            return float(np.polyfit(np.log(n), np.log(t), 1)[0])

        ax.loglog(n, p, color=color, marker=marker, linestyle="--",
                  label=f"PostGIS, {shape} (∝ N^{slope(p):.2f})")
        ax.loglog(n, g, color=color, marker=marker, linestyle="-",
                  label=f"geocover, {shape} (∝ N^{slope(g):.2f})")
        drawn = True
    if not drawn:
        plt.close(fig)
        return False
    ax.set_xlabel("N geometries (synthetic, in Metz)")
    ax.set_ylabel("median time (s)")
    ax.set_title("union ∩ commune → area: time against N (log-log)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def update_readme(table_md: str) -> None:
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    if not README.exists():
        return
    text = README.read_text()
    if start not in text or end not in text:
        return
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    README.write_text(before + start + "\n" + table_md + end + after)


def _meta(n_pairs: int, postgis: str) -> dict:
    from geocover.model.union import default_workers

    return {
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                   f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB",
        "python": platform.python_version(),
        "shapely": shapely.__version__,
        "geos": shapely.geos_version_string,
        "workers": default_workers(),
        "postgis": postgis,
        "pairs_note": f"{n_pairs} A/B pairs per workload unless noted",
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small N only (1k, 10k), small occlusion")
    ap.add_argument("--workloads", metavar="NAMES",
                    help="comma-separated names, prefixes or kinds (coverage, occlusion, e2e)")
    ap.add_argument("--pairs", type=int, default=3, help="A/B pairs per workload (default 3)")
    ap.add_argument("--pairs-200k", type=int, default=None,
                    help="A/B pairs for N = 200k (default: --pairs)")
    ap.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    ap.add_argument("--no-readme", action="store_true", help="do not update benchmarks/README.md")
    ap.add_argument("--list", action="store_true", help="list the workloads and exit")
    a = ap.parse_args(argv)
    wl = select(all_workloads(), a.workloads, a.quick)
    if a.list:
        for w in all_workloads():
            print(f"{w.name:28s} {w.kind:10s} quick={w.quick}")
        return 0
    if not wl:
        print("no workload selected (see --list)", file=sys.stderr)
        return 2
    a.pairs = max(1, a.pairs)

    def log(msg: str) -> None:
        print(msg, flush=True)

    load = os.getloadavg()[0]
    if load > 0.5:
        log(f"note: load average {load:.2f} on {os.cpu_count()} cores: other processes will "
            "slow both sides, geocover's threads most; prefer an idle machine")
    rows: list[dict] = []
    needs_pg = any(w.kind != "e2e" for w in wl)
    postgis = "not used"
    try:
        with tempfile.TemporaryDirectory(prefix="geocover-bench-") as tmpdir:
            tmp = Path(tmpdir)
            if needs_pg:
                ctx = throwaway_cluster()
            else:
                from contextlib import nullcontext

                ctx = nullcontext()
            with ctx as cluster:
                if cluster is not None:
                    with cluster.connect() as conn:
                        postgis = conn.execute(
                            "SELECT 'PostgreSQL ' || current_setting('server_version') || ', ' "
                            "|| postgis_full_version()").fetchone()[0]
                        postgis = postgis.split(" PROJ=")[0]
                    log(f"throwaway PostgreSQL on 127.0.0.1:{cluster.port} ({cluster.root})")
                for w in wl:
                    log(f"[{w.name}]")
                    n_pairs = a.pairs
                    if w.n >= 200_000 and a.pairs_200k:
                        n_pairs = a.pairs_200k
                    t0 = time.perf_counter()
                    if w.kind == "coverage":
                        row = run_coverage(w, cluster, tmp, n_pairs, log)
                    elif w.kind == "occlusion":
                        try:
                            row = run_occlusion(w, cluster, tmp, n_pairs, log)
                        except ImportError as exc:
                            log(f"  not available yet: {exc}")
                            continue
                    else:
                        row = run_e2e(w, tmp, a.pairs, log)
                    row["bench_wall_s"] = round(time.perf_counter() - t0, 1)
                    row["load_average"] = [round(x, 2) for x in os.getloadavg()]
                    rows.append(row)
                    if row["kind"] != "e2e":
                        log(f"  → ratio median {row['ratio_median']:.3f}, area rel. diff "
                            f"{row['area_rel_diff']:.1e}, "
                            f"geocover peak {row['geocover_peak_mb']:.0f} MB")
    except PostgisMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    meta = _meta(a.pairs, postgis)
    if a.pairs_200k:
        meta["pairs_note"] += f" ({a.pairs_200k} at N = 200k)"
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "latest.json").write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
    (a.out / "latest.meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    table = markdown(rows, meta)
    (a.out / "latest.md").write_text("# Latest benchmark results\n\n" + table)
    if plot(rows, a.out / "time_vs_n.png"):
        log(f"plot: {a.out / 'time_vs_n.png'}")
    if not a.no_readme and a.out.resolve() == RESULTS.resolve():
        update_readme(table)
    print()
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
