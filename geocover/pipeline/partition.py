"""One partition of a national run: the communes of one département, with the cameras
inside it and those of its halo (within the largest camera reach of its bounding box:
cameras near a border count for the coverage of both sides).

The functions here are what the Dask workers run (:mod:`geocover.pipeline.national`).
They take and return plain picklable values; a partition is sent once, does its
per-commune work inside (the cross-source matching of the cameras into sites, the
camera-to-commune join with a distance predicate and a left join, which
dask-geopandas's ``sjoin`` does not offer), and either returns its table or, given a
folder of parts, writes it there as ``part-<département>.parquet`` (GeoParquet, written
atomically: a reader sees the whole part or none) and returns only a small summary.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geocover.model.crs import metric_crs
from geocover.pipeline.known import SourceInfo, annotate

#: The halo is at least this wide (m) whatever the presets: the cross-source matching
#: of a camera inside the département looks at cameras up to a few matching distances
#: (30 m at most, :data:`geocover.model.matching.DISTANCE_BY_PRECISION`) away.
MATCH_HALO_M: float = 200.0

#: Outlines for display only are simplified with this tolerance in metres (figures use
#: the full geometry), as a coverage: neighbours keep their shared edges, no sliver opens.
DISPLAY_TOLERANCE_M: float = 250.0


@dataclass
class Partition:
    """What a partition returns."""

    departement: str
    frame: gpd.GeoDataFrame | None
    """One row per commune: the figures, ``departement``, ``geometry`` (full) and
    ``display_wkb`` (simplified, EPSG:4326, for the choropleth); None when the partition
    wrote it to :attr:`path`."""
    failures: list[tuple[str, str, str]]
    counted: int
    """Cameras counted inside a commune of the partition."""
    seconds: float
    source: str
    retrieved: str
    rows: int = 0
    """Communes in the table."""
    path: str | None = None
    """The part file written (GeoParquet), when the partition was given a folder of parts."""
    steps: dict[str, float] = field(default_factory=dict)
    """Seconds per step on the worker: ``figures`` (matching, joins, fields of view and
    coverage), ``outlines`` (display outlines) and ``write`` (the part file)."""
    worker: str = ""
    """Host and process id of the worker that ran it."""


def part_path(parts: str | Path, departement: str) -> Path:
    """The part file of a département in the folder of parts: ``part-<code>.parquet``."""
    return Path(parts) / f"part-{departement}.parquet"


def load_communes(departement: str, bundle: str | Path | None) -> gpd.GeoDataFrame:
    """The communes of a département (bundle, else geo.api.gouv.fr): run on a worker."""
    from geocover.sources.communes import load_departement

    return load_departement(departement, bundle=bundle).reset_index(drop=True)


def bounds_of(communes: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """The communes' bounding box (EPSG:4326), small enough to gather."""
    return tuple(float(v) for v in communes.total_bounds)  # type: ignore[return-value]


def run_partition(
    departement: str,
    communes: gpd.GeoDataFrame,
    cameras: gpd.GeoDataFrame,
    presets: tuple[str, ...],
    sources: list[SourceInfo],
    display_tolerance_m: float = DISPLAY_TOLERANCE_M,
    parts: str | None = None,
) -> Partition:
    """The figures of every commune of one département (see the module docstring).

    With ``parts`` (a folder this process can write, e.g. shared by every worker and the
    driver) the table is written to :func:`part_path` atomically and left out of the
    returned :class:`Partition`, which then holds only the summary."""
    from geocover.pipeline.batch import compute_communes

    start = time.perf_counter()
    crs = metric_crs(communes)
    frame, _, failures = compute_communes(communes, cameras, presets, crs, strict=False)
    frame = annotate(frame, sources, departement, frame.geometry.to_numpy())
    frame.insert(2, "departement", departement)
    t_figures = time.perf_counter()
    frame["display_wkb"] = display_outlines(frame.geometry, crs, display_tolerance_m)
    t_outlines = time.perf_counter()
    counted = int(frame["cameras"].sum())
    steps = {"figures": t_figures - start, "outlines": t_outlines - t_figures}
    path = None
    if parts is not None:
        path = write_part(frame, part_path(parts, departement))
        steps["write"] = time.perf_counter() - t_outlines
    return Partition(departement, None if path else frame, failures, counted,
                     time.perf_counter() - start, str(communes["source"].iloc[0]),
                     str(communes["retrieved"].iloc[0]), len(frame),
                     str(path) if path else None, steps,
                     f"{socket.gethostname()}:{os.getpid()}")


def write_part(frame: gpd.GeoDataFrame, path: Path) -> Path:
    """Write one partition's table as GeoParquet at ``path``, atomically (a temporary
    file in the same folder, fsynced, then renamed over ``path``)."""
    from geocover.io.atomic import atomic_path

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, create=False) as tmp:
        frame.to_parquet(tmp, index=False)
    return path


def read_part(path: str | Path) -> gpd.GeoDataFrame:
    """A part file written by :func:`write_part`."""
    return gpd.read_parquet(path)


def display_outlines(geometries: gpd.GeoSeries, crs: str, tolerance_m: float) -> np.ndarray:
    """The outlines simplified for display (WKB, EPSG:4326): as a coverage
    (:func:`shapely.coverage_simplify`, shared edges simplified once), or one by one when
    the communes do not form a valid coverage."""
    metric = geometries.to_crs(crs).to_numpy()
    try:
        simple = shapely.coverage_simplify(metric, tolerance_m)
        if not shapely.is_valid(simple).all() or shapely.is_empty(simple).any():
            raise ValueError("invalid result")
    except (shapely.errors.GEOSException, ValueError):
        simple = shapely.simplify(metric, tolerance_m / 2, preserve_topology=True)
    back = gpd.GeoSeries(simple, crs=crs).to_crs(geometries.crs or "EPSG:4326").to_numpy()
    return shapely.to_wkb(back, output_dimension=2)


def halo_degrees(bounds: tuple[float, float, float, float], reach_m: float
                 ) -> tuple[float, float, float, float]:
    """``bounds`` grown by ``reach_m`` metres, in degrees, generously (10 % more, at the
    box's highest latitude): a superset of the cameras within ``reach_m`` of the box."""
    west, south, east, north = bounds
    margin = 1.1 * reach_m
    dlat = margin / 110_574.0
    lat = min(89.0, max(abs(south), abs(north)) + dlat)
    dlon = margin / (111_320.0 * np.cos(np.radians(lat)))
    return west - dlon, south - dlat, east + dlon, north + dlat


def largest_reach_m(cameras: gpd.GeoDataFrame, presets: tuple[str, ...]) -> float:
    """The largest range of any camera under any preset (0 without cameras): the halo."""
    from geocover.model import fov

    if cameras.empty or not presets:
        return 0.0
    reach = 0.0
    for preset in presets:
        # Ranges depend on type, height and tilt, not on the CRS: any metric one will do.
        reach = max(reach, float(np.nanmax(fov.camera_ranges_m(cameras, preset).to_numpy())))
    return reach


def camera_subsets(cameras: gpd.GeoDataFrame, boxes: dict[str, tuple[float, float, float, float]],
                   reach_m: float) -> dict[str, np.ndarray]:
    """For each département, the positions of the cameras inside its bounding box grown
    by the halo: one spatial index query for all of them."""
    if cameras.empty:
        return {dep: np.empty(0, dtype=np.int64) for dep in boxes}
    deps = list(boxes)
    grown = shapely.box(*np.array([halo_degrees(boxes[d], reach_m) for d in deps]).T)
    tree = shapely.STRtree(cameras.geometry.to_numpy())
    box_i, cam_i = tree.query(grown, predicate="intersects")
    out: dict[str, Any] = {}
    order = np.argsort(box_i, kind="stable")
    box_i, cam_i = box_i[order], cam_i[order]
    cuts = np.searchsorted(box_i, np.arange(len(deps) + 1))
    for k, dep in enumerate(deps):
        out[dep] = np.sort(cam_i[cuts[k]:cuts[k + 1]])
    return out
