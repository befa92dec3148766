"""The national batch (issue 13): wall time and peak memory of ``batch --france`` on this
machine, Dask with 1 and 2 workers against the existing single-process batch and a
process pool on the same work, and how the time grows with cameras and communes.

Run from the repository root (not part of the test suite)::

    .venv/bin/python -m benchmarks.national                 # everything (about 20 min)
    .venv/bin/python -m benchmarks.national --only engines  # France, each engine once
    .venv/bin/python -m benchmarks.national --only cameras --cameras 100000
    .venv/bin/python -m benchmarks.national --only communes
    .venv/bin/python -m benchmarks.national --only profile     # the slowest partitions
    .venv/bin/python -m benchmarks.national --summary          # national.md from the json

Every measurement runs in a fresh process (``python -m benchmarks.national --one …``);
its peak memory is the largest sum of the resident memory of that process and all its
children (the Dask workers), sampled every 0.1 s with psutil. The machine is shared:
each figure is recorded with the load average (``/proc/loadavg``) before and after it.
Synthetic cameras (``--cameras N``) are generated here with a fixed seed, uniformly at
random inside communes drawn with probability proportional to their area, and labelled
synthetic in the results; they are never presented as a city's data. With
``--one-preset`` a run computes the counts and the first preset only (for 1M cameras,
where five presets would take far longer than a quarter of an hour). The Dask runs write
their parts (``part-<code>.parquet``) into a temporary folder, as the command does.
Results are appended to ``benchmarks/results/national.json``; ``--summary`` writes
``national.md`` from the newest record of each measurement.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
BUNDLE = Path(os.environ.get("GEOCOVER_BUNDLE", ROOT.parent / "shared" / "data"))
ENGINES = ("dask2", "pool2", "single", "dask1", "threads2", "local")
#: The partitions profiled by ``--only profile`` (the slowest with the real cameras).
PROFILED = ("75", "21", "69")
GRAND_EST = ["08", "10", "51", "52", "54", "55", "57", "67", "68", "88"]


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


class PeakRSS:
    """The largest total resident memory of this process and its descendants."""

    def __init__(self, every_s: float = 0.1) -> None:
        import psutil

        self._me = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every_s,), daemon=True)

    def _total(self) -> int:
        total = 0
        for proc in [self._me, *self._me.children(recursive=True)]:
            with contextlib.suppress(Exception):  # a child that just ended
                total += proc.memory_info().rss
        return total

    def _run(self, every_s: float) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._total())
            self._stop.wait(every_s)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._total())


def synthetic_cameras(n: int, seed: int = 13):
    """``n`` synthetic cameras (generated here, labelled synthetic) inside French communes."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely

    from geocover.schema.regions import DEPARTEMENTS
    from geocover.sources.communes import load_departement

    rng = np.random.default_rng(seed)
    communes = pd.concat([load_departement(d, bundle=BUNDLE)[["code", "geometry"]]
                          for d in DEPARTEMENTS], ignore_index=True)
    communes = gpd.GeoDataFrame(communes, geometry="geometry", crs="EPSG:4326")
    area = communes.to_crs(3857).area.to_numpy()
    pick = rng.choice(len(communes), size=n, p=area / area.sum())
    xs = np.empty(n)
    ys = np.empty(n)
    geoms = communes.geometry.to_numpy()
    for k in np.unique(pick):
        rows = np.flatnonzero(pick == k)
        g = geoms[k]
        x0, y0, x1, y1 = g.bounds
        need, got_x, got_y = len(rows), [], []
        while need > 0:
            px = rng.uniform(x0, x1, 4 * need + 8)
            py = rng.uniform(y0, y1, 4 * need + 8)
            ok = shapely.contains_xy(g, px, py)
            got_x += list(px[ok][:need])
            got_y += list(py[ok][:need])
            need = len(rows) - len(got_x)
        xs[rows] = got_x[:len(rows)]
        ys[rows] = got_y[:len(rows)]
    types = rng.choice(["fixed", "dome"], size=n, p=[0.6, 0.4])
    directions = [[(float(d), float(d))] if t == "fixed" else []
                  for t, d in zip(types, rng.uniform(0, 360, n), strict=True)]
    return gpd.GeoDataFrame(
        {"id": [f"contrib:synthetic-benchmark:{i}" for i in range(n)], "camera_type": types,
         "directions": directions, "height_m": rng.uniform(3, 12, n), "tilt_deg": np.nan,
         "location_precision": "exact"},
        geometry=gpd.points_from_xy(xs, ys), crs="EPSG:4326")


# ------------------------------------------------------------------ one measurement

_POOL_CAMERAS = None


def _pool_init(synthetic: int) -> None:
    global _POOL_CAMERAS
    _POOL_CAMERAS = _inputs(synthetic)


def _pool_task(dep: str, positions, presets: tuple[str, ...]):
    from geocover.pipeline.batch import run_batch

    inputs = _POOL_CAMERAS
    return run_batch(dep, bundle=BUNDLE, presets=presets, cameras=inputs.cameras.iloc[positions],
                     sources=inputs.sources, progress=None).communes.drop(columns="geometry")


def _halo_subsets(inputs, deps, presets):
    """Each département's cameras with their halo, as the national driver picks them: the
    same work for the existing one-département path as for the partitions."""
    from geocover.pipeline.partition import bounds_of, camera_subsets, largest_reach_m
    from geocover.sources.communes import load_departement

    boxes = {d: bounds_of(load_departement(d, bundle=BUNDLE)) for d in deps}
    return camera_subsets(inputs.cameras, boxes, largest_reach_m(inputs.cameras, presets))


def _inputs(synthetic: int):
    from geocover.pipeline.known import SourceInfo
    from geocover.pipeline.national_inputs import CameraInputs, national_cameras

    if synthetic:
        cams = synthetic_cameras(synthetic)
        return CameraInputs(cams, [SourceInfo("contrib", "synthetic (generated by the benchmark)")],
                            counts={"contrib": len(cams)})
    return national_cameras(bundle=BUNDLE, contributions=False)


def _outputs_and_page(result) -> dict:
    """Write the outputs (timed), then open the choropleth in headless chromium with the
    network shut (tests/browser.py) and read when it was ready."""
    import tempfile

    from geocover.outputs.batch import write_batch

    sys.path.insert(0, str(ROOT))
    from tests.browser import chromium, close_page, open_page

    folder = Path(tempfile.mkdtemp(prefix="geocover-bench-"))
    t0 = time.perf_counter()
    paths = write_batch(result, folder / "france.parquet")
    write_s = time.perf_counter() - t0
    with chromium() as browser:
        t0 = time.perf_counter()
        page, traffic = open_page(browser, paths["map"], tile_hosts=("tile.openstreetmap.org",),
                                  timeout_ms=120_000)
        opened_s = time.perf_counter() - t0
        ready_ms = page.evaluate("window.geocover.readyAt")
        shapes = page.evaluate("geocover.layers.communes.getLayers().length")
        close_page(page)
    sizes = {k: round(v.stat().st_size / 2**20, 2) for k, v in paths.items()}
    checks = _checks(paths["parquet"])
    return {"write_s": round(write_s, 2), "page_mb": sizes["map"], "files_mb": sizes,
            "page_ready_s": round(ready_ms / 1000, 2), "page_opened_s": round(opened_s, 2),
            "page_shapes": shapes, "page_problems": traffic.problems()[:3], **checks}


def _checks(table_path: Path, sample: int = 200, seed: int = 7) -> dict:
    """The written table against independent computations: communes counted, a sample's
    geodesic areas with pyproj.Geod, camera counts per source by a point-in-polygon test
    of the bundle's files read with json (every commune with a camera, plus a sample)."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import shapely
    from pyproj import Geod

    table = gpd.read_parquet(table_path).set_index("code")
    communes = {}
    for path in sorted((BUNDLE / "communes" / "france").glob("communes-*.geojson")):
        for f in json.loads(path.read_text(encoding="utf-8"))["features"]:
            communes[f["properties"]["code"]] = shapely.geometry.shape(f["geometry"])
    rng = np.random.default_rng(seed)
    codes = sorted(communes)
    picked = [codes[i] for i in rng.choice(len(codes), sample, replace=False)]
    geod = Geod(ellps="WGS84")
    area_diff = max(abs(abs(geod.geometry_area_perimeter(communes[c])[0]) / 1e6
                        - table.loc[c, "geodesic_area_km2"]) for c in picked)

    def points(path, keep=lambda p: True):
        data = json.loads(path.read_text(encoding="utf-8"))
        return np.array([f["geometry"]["coordinates"][:2] for f in data["features"]
                         if keep(f["properties"])])

    osm = json.loads((BUNDLE / "osm" / "paris-20250208-surveillance.overpass.json").read_text())
    layers = {
        "cameras_paris_police_2025": points(BUNDLE / "cameras" / "paris-police-2025-06-01.geojson"),
        "cameras_sous_surveillance_net": points(
            BUNDLE / "cameras" / "sous-surveillance-net-2025-06-01.geojson"),
        "cameras_osm": np.array([
            (e["lon"], e["lat"]) for e in osm["elements"]
            if e.get("tags", {}).get("man_made") == "surveillance"
            and str(e["tags"].get("surveillance:type", "camera")).lower() in ("camera", "alpr")]),
    }
    with_cameras = table.index[table["cameras"] > 0].tolist()
    mismatches, checked = 0, 0
    for code in sorted(set(with_cameras) | set(picked)):
        for column, xy in layers.items():
            inside = int(shapely.contains_xy(communes[code], xy[:, 0], xy[:, 1]).sum())
            got = table.loc[code, column]
            got = 0 if pd.isna(got) else int(got)
            mismatches += got != inside
            checked += 1
    return {"check_communes": len(table), "check_bundle_communes": len(communes),
            "check_area_sample": sample, "check_area_max_abs_km2": float(area_diff),
            "check_count_cells": checked, "check_count_mismatches": int(mismatches)}


def one(engine: str, deps: list[str], synthetic: int, presets: tuple[str, ...],
        page_check: bool = False) -> dict:
    from geocover.pipeline.batch import run_batch
    from geocover.pipeline.national import dask_client, run_national

    load_before = _load()
    start = time.perf_counter()
    with PeakRSS() as peak:
        t0 = time.perf_counter()
        inputs = _inputs(synthetic)
        t_inputs = time.perf_counter() - t0
        timings: dict = {}
        if engine in ("single", "threads2", "pool2"):
            subsets = _halo_subsets(inputs, deps, presets)
            timings["halo_s"] = time.perf_counter() - t0 - t_inputs
        if engine in ("single", "threads2"):
            rows = 0
            for dep in deps:
                rows += len(run_batch(dep, bundle=BUNDLE, presets=presets,
                                      cameras=inputs.cameras.iloc[subsets[dep]],
                                      sources=inputs.sources, progress=None,
                                      workers=2 if engine == "threads2" else 1).communes)
        elif engine == "pool2":
            from concurrent.futures import ProcessPoolExecutor

            order = sorted(deps, key=lambda d: -len(subsets[d]))  # Paris first, as Dask does
            with ProcessPoolExecutor(2, initializer=_pool_init, initargs=(synthetic,)) as pool:
                rows = sum(len(f) for f in pool.map(_pool_task, order,
                                                    [subsets[d] for d in order],
                                                    [presets] * len(order)))
        elif engine == "local":
            result = run_national(deps, inputs, bundle=BUNDLE, presets=presets)
            rows, timings = len(result.communes), result.timings
        else:
            import tempfile

            workers = int(engine[-1])
            t1 = time.perf_counter()
            parts = Path(tempfile.mkdtemp(prefix="geocover-bench-parts-"))
            with dask_client(workers=workers, memory_limit="3GB") as client:
                timings["cluster_start_s"] = time.perf_counter() - t1
                result = run_national(deps, inputs, bundle=BUNDLE, presets=presets,
                                      client=client, parts=parts)
            rows, timings = len(result.communes), {**timings, **result.timings}
            slowest = sorted(result.partition_seconds.items(), key=lambda kv: -kv[1])[:5]
            timings.update({f"partition_{d}_s": v for d, v in slowest})
            timings.update({f"partition_{d}_{k}_s": v for d, _ in slowest[:3]
                            for k, v in result.partition_steps.get(d, {}).items()})
            timings["parts_mb"] = sum(f.stat().st_size for f in parts.iterdir()) / 2**20
    wall = time.perf_counter() - start  # the run, before the outputs and the page check
    page = {}
    if engine == "dask2" and page_check:
        page = _outputs_and_page(result)
    return {**page, "engine": engine, "departements": len(deps), "communes": rows,
            "cameras": len(inputs.cameras),
            "cameras_kind": f"synthetic ({synthetic}, generated by the benchmark)" if synthetic
            else "real (bundle: Paris police 2025, sous-surveillance.net, OSM Paris)",
            "presets": len(presets), "wall_s": round(wall, 2),
            "inputs_s": round(t_inputs, 2), "peak_mb": round(peak.peak / 2**20),
            "timings": {k: round(v, 2) for k, v in timings.items()},
            "load_before": load_before, "load_after": _load()}


def _spawn(engine: str, deps: list[str], synthetic: int, presets: tuple[str, ...],
           page: bool = False) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.national", "--one", engine,
           "--deps", ",".join(deps), "--cameras", str(synthetic), "--presets", ",".join(presets)]
    cmd += ["--page"] if page else []
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=7200,
                         check=False)
    if out.returncode != 0:
        raise SystemExit(f"{engine} failed:\n{out.stderr[-3000:]}")
    record = json.loads(out.stdout.strip().splitlines()[-1])
    print(json.dumps(record), flush=True)
    return record


def main(argv: list[str] | None = None) -> int:
    from geocover.model.presets import DEFAULT_PRESETS
    from geocover.schema.regions import DEPARTEMENTS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("engines", "cameras", "communes", "profile"))
    parser.add_argument("--one-preset", action="store_true",
                        help="the counts and the first preset only")
    parser.add_argument("--summary", action="store_true", help="write national.md and stop")
    parser.add_argument("--since", default="", help="the summary keeps records made since "
                        "this ISO time (e.g. 2026-12-02T01:50)")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--cameras", type=int, default=0, help="synthetic cameras (0: real)")
    parser.add_argument("--deps", default="")
    parser.add_argument("--presets", default=",".join(DEFAULT_PRESETS))
    parser.add_argument("--one", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--page", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    presets = tuple(p for p in args.presets.split(",") if p)
    if args.one_preset:
        presets = presets[:1]
    deps = [d for d in args.deps.split(",") if d] or list(DEPARTEMENTS)
    if args.summary:
        write_summary(args.since)
        return 0
    if args.one:
        print(json.dumps(one(args.one, deps, args.cameras, presets, page_check=args.page)))
        return 0
    results: list[dict] = []
    if args.only == "profile":
        from benchmarks.national_profile import profile_partitions

        results.append({"study": "profile", **profile_partitions(
            [d for d in args.deps.split(",") if d] or list(PROFILED), presets, BUNDLE)})
    if args.only in (None, "engines"):
        for engine in args.engines.split(","):
            results.append({"study": "engines", **_spawn(engine, deps, 0, presets,
                                                         page=len(deps) == 101)})
    if args.only in (None, "cameras"):
        for n in ([args.cameras] if args.cameras else [100_000, 1_000_000]):
            results.append({"study": "cameras", **_spawn("dask2", deps, n, presets)})
    if args.only in (None, "communes"):
        for subset in (["57"], GRAND_EST):
            results.append({"study": "communes", **_spawn("dask2", subset, 0, presets)})
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "national.json"
    old = json.loads(path.read_text()) if path.is_file() else []
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    for r in results:
        r["when"] = stamp
    path.write_text(json.dumps(old + results, indent=1) + "\n")
    write_summary()
    return 0


def write_summary(since: str = "") -> Path:
    """``national.md`` from ``national.json`` (see :mod:`benchmarks.national_profile`)."""
    from benchmarks.national_profile import summary

    path = RESULTS / "national.md"
    path.write_text(summary(json.loads((RESULTS / "national.json").read_text()), since))
    return path


if __name__ == "__main__":
    raise SystemExit(main())
