"""One geocover measurement, in its own process (``python -m benchmarks._worker``).

The parent writes the inputs to a folder (``save_geoms``); this process loads them,
builds whatever objects the engine takes, then times **only** the engine call with
``time.perf_counter`` and reports, as one JSON line on stdout:

* ``seconds``: wall time of the engine call;
* ``area``: the answer (m²);
* ``peak_mb``: the process's peak resident memory *during the call*: the
  high-water mark (``VmHWM``) is reset just before it (``/proc/self/clear_refs``)
  and read just after, so it counts Python, the libraries, the input geometries
  and the engine's own peak, but not the transient of loading the inputs. (Not
  ``ru_maxrss``: on Linux a freshly exec'd child inherits its parent's high-water
  mark in it, here the harness's.)
* ``before_mb``: the resident memory just before the call (so ``peak_mb -
  before_mb`` is what the call added on top of the loaded inputs).

With ``--reference`` it then also computes, untimed for the peak, the plain
``shapely.intersection(shapely.union_all(geoms), clip).area`` and its time.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import itertools
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np
import shapely


def save_geoms(path: Path, geoms: np.ndarray) -> None:
    """Write geometries as concatenated WKB plus offsets (``.npz``)."""
    wkb = shapely.to_wkb(np.asarray(geoms, dtype=object))
    lengths = np.fromiter((len(b) for b in wkb), dtype=np.int64, count=len(wkb))
    blob = np.frombuffer(b"".join(wkb), dtype=np.uint8)
    np.savez(path, blob=blob, offsets=np.r_[0, np.cumsum(lengths)])


def load_geoms(path: Path) -> np.ndarray:
    """Read what :func:`save_geoms` wrote."""
    with np.load(path) as z:
        blob, off = z["blob"].tobytes(), z["offsets"]
    parts = [blob[a:b] for a, b in itertools.pairwise(off)]
    return shapely.from_wkb(np.array(parts, dtype=object))


def _status_mb(field: str) -> float | None:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return None


def _start_peak() -> float:
    """Reset the peak-RSS mark (Linux ≥ 4.0) and return the current RSS (MB)."""
    gc.collect()
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return _status_mb("VmRSS") or _maxrss_mb()


def _maxrss_mb() -> float:
    """This process's peak resident memory since the last reset (MB)."""
    hwm = _status_mb("VmHWM")
    if hwm is not None:
        return hwm
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _cpu() -> float:
    """CPU seconds of this process (all threads) and of its reaped children."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def coverage(folder: Path, reference: bool) -> dict:
    """The engine call for the workload's output: ``dissolved`` (one MultiPolygon and its
    area: what the map and figures draw) or ``area`` (the area only: what the batch
    needs, by :func:`geocover.model.union.union_area`)."""
    from geocover.model import union as _union

    meta = json.loads((folder / "meta.json").read_text())
    output = meta.get("output", "dissolved")
    geoms = load_geoms(folder / "geoms.npz")
    clip = load_geoms(folder / "clip.npz")[0]
    warmup = 0.0
    if output == "area":
        # The area path's compiled loops are loaded (compiled once per machine, then
        # read from numba's cache) by the first call of a process, like an import:
        # on a few polygons, before the clock starts, and reported apart.
        t0 = time.perf_counter()
        _union.union_area(geoms[:64], clip, engine="boundary")
        warmup = time.perf_counter() - t0
    before = _start_peak()
    c0 = _cpu()
    t0 = time.perf_counter()
    engine = None
    if output == "dissolved":
        union, area = _union.union_area_within(geoms, clip, dissolve=True)
    else:
        area, engine = _union.union_area(geoms, clip, explain=True)
        union = None
    seconds = time.perf_counter() - t0
    cpu = _cpu() - c0
    out = {"seconds": seconds, "cpu_s": cpu, "area": area, "peak_mb": _maxrss_mb(),
           "before_mb": before, "output": output}
    if union is not None:
        out["parts"] = int(shapely.get_num_geometries(union))
    polys = _union.polygons_of(geoms)
    bounds = shapely.bounds(polys)
    density = float(shapely.area(polys).sum()) / clip.area
    out["strategy"] = (
        "plain" if len(polys) < _union.SMALL_INPUT else _union._choose(polys, bounds, clip, density)
    )
    if engine is not None and engine != "tiles":
        out["strategy"] = engine
        out["warmup_s"] = warmup
    out["density"] = density
    if reference:
        t0 = time.perf_counter()
        out["reference_area"] = float(shapely.intersection(shapely.union_all(geoms), clip).area)
        out["reference_s"] = time.perf_counter() - t0
    return out


def occlusion(folder: Path) -> dict:
    import geopandas as gpd

    from geocover.model.occlusion import visible_fields

    meta = json.loads((folder / "meta.json").read_text())
    crs = meta["crs"]
    fovs = gpd.GeoSeries(load_geoms(folder / "fovs.npz"), crs=crs)
    cameras = gpd.GeoDataFrame(geometry=gpd.GeoSeries(load_geoms(folder / "cameras.npz"), crs=crs))
    buildings = gpd.GeoSeries(load_geoms(folder / "buildings.npz"), crs=crs)
    before = _start_peak()
    c0 = _cpu()
    t0 = time.perf_counter()
    visible = visible_fields(fovs, cameras, buildings)
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "cpu_s": _cpu() - c0,
        "area": float(visible.area.sum()),
        "peak_mb": _maxrss_mb(),
        "before_mb": before,
        "fov_area": float(fovs.area.sum()),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks._worker")
    p.add_argument("kind", choices=["coverage", "occlusion"])
    p.add_argument("folder", type=Path)
    p.add_argument("--reference", action="store_true")
    a = p.parse_args(argv)
    out = coverage(a.folder, a.reference) if a.kind == "coverage" else occlusion(a.folder)
    sys.stdout.write(json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
