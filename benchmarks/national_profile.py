"""Where the national run's time goes, and the markdown summary of its benchmark.

:func:`profile_partitions` runs the slowest partitions of ``batch --france`` (real
cameras) in this process under :mod:`cProfile`, exactly as a worker runs them
(:func:`geocover.pipeline.partition.run_partition`, the same halo), and keeps each one's
steps and its most expensive functions. :func:`summary` turns
``benchmarks/results/national.json`` into ``national.md``: the newest record of each
measurement. Used by :mod:`benchmarks.national`.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from pathlib import Path
from typing import Any


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def profile_partitions(deps: list[str], presets: tuple[str, ...], bundle: Path,
                       top: int = 12) -> dict[str, Any]:
    """Profile the partitions of ``deps`` with the bundle's real cameras."""
    from geocover.pipeline.national_inputs import national_cameras
    from geocover.pipeline.partition import (
        MATCH_HALO_M,
        bounds_of,
        camera_subsets,
        largest_reach_m,
        load_communes,
        run_partition,
    )

    load_before = _load()
    inputs = national_cameras(bundle=bundle, contributions=False)
    cameras = inputs.cameras.reset_index(drop=True)
    halo = max(largest_reach_m(cameras, presets), MATCH_HALO_M)
    out: dict[str, Any] = {"presets": len(presets), "cameras_kind": "real (bundle)",
                           "partitions": {}}
    for dep in deps:
        communes = load_communes(dep, str(bundle))
        subset = camera_subsets(cameras, {dep: bounds_of(communes)}, halo)[dep]
        profiler = cProfile.Profile()
        t0 = time.perf_counter()
        profiler.enable()
        part = run_partition(dep, communes, cameras.iloc[subset], presets, inputs.sources)
        profiler.disable()
        wall = time.perf_counter() - t0
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        rows = []
        for (path, line, name), (_, calls, tottime, cumtime, _) in sorted(
                stats.stats.items(), key=lambda kv: -kv[1][2])[:top]:  # type: ignore[attr-defined]
            where = "/".join(Path(path).parts[-2:]) if path != "~" else "builtin"
            rows.append({"function": f"{where}:{line}({name})", "calls": calls,
                         "tottime_s": round(tottime, 3), "cumtime_s": round(cumtime, 3)})
        out["partitions"][dep] = {
            "communes": len(communes), "cameras_with_halo": len(subset),
            "wall_profiled_s": round(wall, 2),
            "steps_s": {k: round(v, 2) for k, v in part.steps.items()},
            "top_by_own_time": rows,
        }
    out["load_before"] = load_before
    out["load_after"] = _load()
    return out


# ------------------------------------------------------------------ the summary


def _newest(records: list[dict], study: str) -> list[dict]:
    seen: dict[tuple, dict] = {}
    for r in records:
        if r.get("study") != study:
            continue
        key = (r.get("engine"), r.get("departements"), r.get("cameras"), r.get("presets"))
        seen[key] = r  # later records win
    return list(seen.values())


def _mb(r: dict) -> str:
    return f"{r['peak_mb']:,}" if r.get("peak_mb") is not None else "—"


def summary(records: list[dict], since: str = "") -> str:
    """The markdown summary (see the module docstring) of the records made at ``since``
    (an ISO time) or later."""
    records = [r for r in records if str(r.get("when", "")) >= since]
    lines = ["# National run (`batch --france`): benchmark", "",
             "Written by `python -m benchmarks.national --summary` from `national.json` "
             f"(the newest record of each measurement{' made since ' + since if since else ''}"
             "). The machine has 2 cores and is "
             "**shared with other work**: each figure carries the load average (1, 5, 15 "
             "min) before and after it; a load above 2 means other processes took CPU "
             "during the run, so the times are upper bounds for a quiet machine.", ""]
    engines = [r for r in _newest(records, "engines") if r.get("departements") == 101]
    if engines:
        single = next((r for r in engines if r["engine"] == "single"), None)
        lines += [f"## Engines: France, real cameras, {engines[0]['presets']} presets (the "
                  "default ones)", "",
                  "| engine | communes | cameras | wall (s) | vs single process | peak memory "
                  "(MB) | load before | load after | when |",
                  "|---|---:|---:|---:|---:|---:|---|---|---|"]
        for r in sorted(engines, key=lambda r: r["wall_s"]):
            ratio = f"{single['wall_s'] / r['wall_s']:.2f}×" if single else "—"
            lines.append(f"| {r['engine']} | {r['communes']:,} | {r['cameras']:,} | "
                         f"{r['wall_s']:.1f} | {ratio} | {_mb(r)} | {r['load_before']} | "
                         f"{r['load_after']} | {r.get('when', '')} |")
        lines += ["", "`dask2`/`dask1`: a LocalCluster of 2 / 1 worker processes (one thread "
                  "each), parts written by the workers; `single`: the existing one-département "
                  "path (`run_batch`) for each département in turn, in one process, with the "
                  "same cameras and halo; `pool2`: that path on a process pool of 2. The "
                  "ratio is single's wall time over the engine's (above 1: faster).", ""]
        lines += [f"{r['engine']}: wall time = {r['wall_s_basis']}." for r in engines
                  if r.get("wall_s_basis")] + [""]
        page = next((r for r in engines if "page_mb" in r), None)
        if page:
            lines += [f"Outputs of the dask2 run: written in {page['write_s']} s; the page "
                      f"{page['page_mb']} MB, ready in {page['page_ready_s']} s in headless "
                      f"Chromium ({page['page_shapes']:,} shapes). Checks: "
                      f"{page['check_communes']:,} communes; geodesic areas of "
                      f"{page['check_area_sample']} random communes against pyproj.Geod: max "
                      f"difference {page['check_area_max_abs_km2']} km²; "
                      f"{page['check_count_cells']:,} commune × source counts against a raw "
                      f"point-in-polygon count: {page['check_count_mismatches']} mismatches.",
                      ""]
    cams = sorted(_newest(records, "cameras") + [r for r in engines if r["engine"] == "dask2"],
                  key=lambda r: (r["cameras"], -r["presets"]))
    if cams:
        lines += ["## Time against cameras (France, Dask with 2 workers)", "",
                  "| cameras | kind | presets | wall (s) | partitions, sum over workers (s) | "
                  "peak memory (MB) | load before | load after |",
                  "|---:|---|---:|---:|---:|---:|---|---|"]
        for r in cams:
            wall = (f"{r['wall_s']:.1f}" if r.get("wall_s") is not None else
                    f"stopped after {r.get('stopped_after_s')} s: not measured")
            lines.append(f"| {r['cameras']:,} | {r['cameras_kind']} | {r['presets']} | "
                         f"{wall} | {r['timings'].get('partitions_s', '—')} | "
                         f"{_mb(r)} | {r['load_before']} | {r['load_after']} |")
        lines.append("")
        lines += [f"{r['cameras']:,} cameras: {r['note']}." for r in cams if r.get("note")]
        lines.append("")
    communes = sorted(_newest(records, "communes") + [r for r in engines
                                                      if r["engine"] == "dask2"],
                      key=lambda r: r["communes"])
    if communes:
        lines += [f"## Time against communes (real cameras, {communes[0]['presets']} presets, "
                  "Dask with 2 workers)", "",
                  "| départements | communes | cameras | wall (s) | peak memory (MB) | "
                  "load before | load after |", "|---:|---:|---:|---:|---:|---|---|"]
        for r in communes:
            lines.append(f"| {r['departements']} | {r['communes']:,} | {r['cameras']:,} | "
                         f"{r['wall_s']:.1f} | {_mb(r)} | {r['load_before']} | "
                         f"{r['load_after']} |")
        lines.append("")
    dask2 = next((r for r in engines if r["engine"] == "dask2"), None)
    profiles = _newest(records, "profile")
    if dask2 or profiles:
        lines += ["## Where the time goes", ""]
    if dask2:
        t = dask2["timings"]
        lines += [f"France, dask2: inputs read by the driver {dask2['inputs_s']} s; cluster "
                  f"start {t.get('cluster_start_s')} s; communes loaded by the workers "
                  f"{t.get('communes_s')} s; partitions {t.get('partitions_s')} worker-seconds "
                  f"in all (on 2 workers)"
                  + (f", {t['partitions_wall_s']} s of wall time; the parts read back into "
                     f"the table {t['assemble_s']} s" if "assemble_s" in t else "")
                  + f"; the run {t.get('total_s')} s in all.", "",
                  "Slowest partitions (s on their worker): " + ", ".join(
                      f"{k.split('_')[1]} {v}" for k, v in t.items()
                      if k.startswith("partition_") and k.count("_") == 2) + ".", ""]
    for prof in profiles[-1:]:
        lines += [f"Profiled in one process (cProfile; load {prof['load_before']} → "
                  f"{prof['load_after']}):", ""]
        for dep, p in prof["partitions"].items():
            steps = ", ".join(f"{k} {v} s" for k, v in p["steps_s"].items())
            lines += [f"**{dep}**: {p['communes']} communes, {p['cameras_with_halo']:,} cameras "
                      f"with the halo, {p['wall_profiled_s']} s profiled ({steps}).", "",
                      "| function | calls | own time (s) | with callees (s) |",
                      "|---|---:|---:|---:|"]
            lines += [f"| `{row['function']}` | {row['calls']:,} | {row['tottime_s']} | "
                      f"{row['cumtime_s']} |" for row in p["top_by_own_time"][:8]]
            lines.append("")
    return "\n".join(lines) + "\n"
