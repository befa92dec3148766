"""A whole département at once: every commune's area, known cameras and modelled coverage.

:func:`run_batch` loads the communes of a département (the bundle's
``geo-api/departements-DD-communes-contour.json`` offline, geo.api.gouv.fr live),
assigns the known cameras to communes with **one** spatial join
(``geopandas.sjoin(cameras, communes, predicate="within")``), and runs
:func:`commune_task` on each commune independently: the unit of work a distributed
engine would schedule. :func:`write_batch` writes a GeoPackage (layer ``communes``
and a ``provenance`` table), a CSV and a ``.provenance.json`` beside it, and a
choropleth map (folium HTML), each atomically.

Per commune: the area in the metric CRS (Lambert-93 in metropolitan France) and on
the WGS 84 ellipsoid (:class:`pyproj.Geod`); the cameras known inside it, by
source; and, per field-of-view preset, the union of the fields of view inside the
commune and its share of the commune (0 when no camera). A field of view may reach
into a neighbouring commune: each commune's task also receives the cameras of its
neighbours whose range reaches it (a second join, ``predicate="dwithin"``). Fields
are not occluded (the département has no building layer): coverage is an upper
bound for the cameras known, and the cameras known are a lower bound of what exists.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Geod

from geocover import settings
from geocover.errors import UsageError
from geocover.log import log
from geocover.model.crs import metric_crs
from geocover.pipeline.batch_cameras import (  # departement_cameras, assign_cameras re-exported
    _nearby,
    assign_cameras,
    departement_cameras,
)
from geocover.pipeline.known import (
    SourceInfo,
    annotate,
    coverage_columns,
    site_labels,
    sources_of,
)
from geocover.pipeline.provenance import build, content_sha256, file_record, files_of
from geocover.schema.ids import camera_source
from geocover.schema.provenance import SourceRecord
from geocover.sources.communes import read_departement

_GEOD = Geod(ellps="WGS84")
#: A progress line is printed every this many communes (and at the end).
PROGRESS_EVERY: int = 50
#: Communes sent to a worker process at once.
CHUNK_SIZE: int = 16


@dataclass
class BatchResult:
    """The figures of every commune of a département, and how they were obtained."""

    departement: str
    communes: gpd.GeoDataFrame
    """One row per commune (EPSG:4326): see :func:`commune_task` for the columns."""
    presets: tuple[str, ...]
    provenance: dict[str, Any]
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- the task


def commune_task(
    row: dict[str, Any], cameras_in_commune: gpd.GeoDataFrame | None, presets: Sequence[str]
) -> dict[str, Any]:
    """The figures of one commune, independent of every other commune.

    Parameters
    ----------
    row : dict
        ``code``, ``name``, ``geometry`` (shapely, EPSG:4326) and ``crs`` (the metric
        CRS to measure in); optionally ``geometry_metric``, the geometry already in ``crs``.
    cameras_in_commune : GeoDataFrame or None
        The cameras (camera layer, any CRS) inside the commune, plus any neighbour's
        camera whose field of view may reach it, flagged by a boolean ``in_commune``
        column (all are inside when the column is absent). Fields of view are computed
        here unless a ``_fov_<preset>`` column (metric CRS) already holds them.
    presets : names
        Field-of-view presets (:data:`geocover.model.fov.PRESETS`).

    Returns
    -------
    dict
        ``code, name, crs, area_km2`` (planar), ``geodesic_area_km2``,
        ``planar_vs_geodesic``, ``cameras`` (known inside), ``camera_sites`` (the
        distinct sites among them, by the cameras' ``site`` label when given),
        ``cameras_by_source``
        (JSON object), and per preset ``covered_km2_<p>`` and ``share_<p>``
        (:func:`coverage_columns`), plus ``geometry``.
    """
    geom = row["geometry"]
    crs = row["crs"]
    metric = row.get("geometry_metric")
    if metric is None:
        metric = gpd.GeoSeries([geom], crs=settings.STORAGE_CRS).to_crs(crs).iloc[0]
    planar_km2 = float(metric.area) / 1e6
    geodesic_km2 = abs(_GEOD.geometry_area_perimeter(geom)[0]) / 1e6
    cams = cameras_in_commune
    if cams is None or cams.empty:
        inside = pd.Series([], dtype=object)
        cams = None
    else:
        flag = cams["in_commune"] if "in_commune" in cams else pd.Series(True, index=cams.index)
        inside = cams.loc[flag.astype(bool), "id"]
    sites = len(inside)
    if cams is not None and "site" in cams:  # matched across sources: each site once
        sites = int(pd.unique(cams.loc[inside.index, "site"]).size)
    by_source: dict[str, int] = {}
    for cid in inside:
        key = camera_source(cid)
        by_source[key] = by_source.get(key, 0) + 1
    out: dict[str, Any] = {
        "code": str(row["code"]),
        "name": str(row["name"]),
        "crs": crs,
        "area_km2": planar_km2,
        "geodesic_area_km2": geodesic_km2,
        "planar_vs_geodesic": (planar_km2 - geodesic_km2) / geodesic_km2 if geodesic_km2 else None,
        "cameras": len(inside),
        "camera_sites": sites,
        "cameras_by_source": json.dumps(dict(sorted(by_source.items()))),
    }
    cams_m = None
    if cams is not None:
        cams_m = cams if cams.crs is not None and cams.crs == crs else cams.to_crs(crs)
    for preset in presets:
        km2_col, share_col = coverage_columns(preset)
        covered = 0.0
        if cams_m is not None:
            from geocover.model import fov
            from geocover.model.union import union_area

            column = _field_column(preset)
            if column in cams_m:  # computed once for every camera by the driver
                fields = cams_m[column].to_numpy()
            else:
                fields = fov.fields_of_view(cams_m, preset).to_numpy()
            area_m2 = union_area(fields, metric, workers=1)
            covered = area_m2 / 1e6
        out[km2_col] = covered
        out[share_col] = covered / planar_km2 if planar_km2 else None
    out["geometry"] = geom
    return out


def _field_column(preset: str) -> str:
    return f"_fov_{preset}"


def _run_chunk(
    items: list[tuple[dict[str, Any], gpd.GeoDataFrame | None]], presets: Sequence[str],
    failures: list[tuple[str, str, str]] | None = None,
) -> list[dict[str, Any]]:
    return [_safe_task(row, cams, presets, failures) for row, cams in items]


# ----------------------------------------------------------------------------- the run


def progress_line(done: int, total: int, seconds: float) -> str:
    """``12/727 communes (2 %), 3.4 s``."""
    return f"{done}/{total} communes ({100 * done / total:.0f} %), {seconds:.1f} s"


def log_progress(done: int, total: int, seconds: float) -> None:
    """The default progress: a line on the ``geocover.batch`` logger (INFO)."""
    log(progress_line(done, total, seconds), name="batch")


def run_batch(
    departement: str,
    *,
    bundle: str | Path | None = None,
    presets: Sequence[str] | None = None,
    cameras: gpd.GeoDataFrame | None = None,
    camera_files: Iterable[str | Path] = (),
    data_dir: Path | None = None,
    workers: int = 1,
    progress: Callable[[int, int, float], None] | None = log_progress,
    progress_every: int = PROGRESS_EVERY,
    sources: Sequence[SourceInfo] = (),
) -> BatchResult:
    """Figures for every commune of ``departement``.

    Parameters
    ----------
    departement : str
        Département code (``"57"``).
    bundle : path, optional
        Offline bundle (default ``$GEOCOVER_BUNDLE``); without one, geo.api.gouv.fr.
    presets : names, optional
        Field-of-view presets (default :data:`geocover.model.fov.DEFAULT_PRESETS`).
    cameras : GeoDataFrame, optional
        The cameras to use; default :func:`departement_cameras` (contributions of the
        configured cities and ``camera_files``).
    workers : int
        Threads running the tasks (chunks of :data:`CHUNK_SIZE` communes); 1 runs them
        one after the other.
    progress : callable, optional
        ``progress(done, total, seconds)`` every ``progress_every`` communes and at the
        end; default a line on the ``geocover.batch`` logger; None for silence.
    sources : SourceInfo, optional
        Where camera sources looked (see :mod:`geocover.pipeline.known`); a source not
        described covers the communes where it has cameras.

    Examples
    --------
    >>> result = run_batch("57", bundle="../shared/data", progress=None)
    >>> len(result.communes)
    727
    """
    from geocover.model import fov

    start = time.perf_counter()
    if workers < 1:
        raise UsageError(f"workers must be at least 1, not {workers}", hint="option",
                         hint_value="workers")
    presets = tuple(fov.DEFAULT_PRESETS if presets is None else presets)
    for name in presets:
        fov.get_preset(name)
    bundle_path = Path(bundle) if bundle is not None else settings.bundle_from_env()
    communes, communes_source = read_departement(departement, bundle=bundle_path)
    communes = communes.reset_index(drop=True)
    departement = str(departement).strip().upper()
    crs = metric_crs(communes)

    files_read: list[Path] = []
    warnings: list[str] = []
    if cameras is None:
        cameras, files_read, warnings = departement_cameras(departement, camera_files,
                                                            data_dir=data_dir)
    cameras = cameras.to_crs(settings.STORAGE_CRS).reset_index(drop=True)
    frame, outside, _ = compute_communes(
        communes, cameras, presets, crs, workers=workers, progress=progress,
        progress_every=progress_every, start=start, strict=True)
    frame = annotate(frame, sources_of(cameras["id"] if len(cameras) else [], sources),
                     departement, frame.geometry.to_numpy())
    if outside:
        warnings.append(f"{outside} camera(s) lie within no commune of département "
                        f"{departement} (or exactly on a border): not counted")

    files = files_of([communes_source])
    files += [file_record(p, "city" if p.name == "city.toml" else "cameras",
                          bundle=bundle_path) for p in files_read if p.is_file()]
    record = build(
        files,
        presets=presets,
        sources=[communes_source,
                 SourceRecord("cameras", "contributions of the configured cities; "
                              + (", ".join(map(str, camera_files)) or "no camera file"),
                              "", "as stated by each file", len(cameras),
                              vintage_basis="each file's own")],
        layers={"communes": content_sha256(communes),
                "cameras": content_sha256(cameras)},
        bundle=bundle_path,
        departement=departement,
        crs=crs,
        occlusion=False,
        notes=[
            "coverage: union of the fields of view inside each commune, not occluded by "
            "buildings (an upper bound for the cameras known)",
            "cameras known are a lower bound of the cameras that exist",
        ],
    )
    return BatchResult(departement, frame, presets, record, time.perf_counter() - start,
                       warnings)


def compute_communes(
    communes: gpd.GeoDataFrame,
    cameras: gpd.GeoDataFrame,
    presets: Sequence[str],
    crs: str,
    *,
    workers: int = 1,
    progress: Callable[[int, int, float], None] | None = None,
    progress_every: int = PROGRESS_EVERY,
    start: float | None = None,
    strict: bool = True,
) -> tuple[gpd.GeoDataFrame, int, list[tuple[str, str, str]]]:
    """The figures of every commune of ``communes`` with the cameras ``cameras``: the
    per-commune work of a département, shared by :func:`run_batch` and the national run.

    Parameters
    ----------
    communes : GeoDataFrame
        ``code``, ``name``, geometry (EPSG:4326).
    cameras : GeoDataFrame
        Camera layer (EPSG:4326, index 0..n-1): those inside the communes, plus any
        others whose field of view may reach them (the halo of a partition); those
        outside every commune are not counted but their fields of view are. They are
        matched across sources into sites here (``location_precision`` sets the distance).
    presets : names
    crs : str
        The metric CRS to measure in.
    strict : bool
        Raise a commune's error (True) or record it and go on (False): the row then
        holds the commune with NaN figures.

    Returns
    -------
    frame : GeoDataFrame
        One row per commune, in ``communes``' order (see :func:`commune_task`).
    outside : int
        Cameras within no commune of ``communes``.
    failures : list of (code, name, reason)
    """
    from geocover.model import fov

    start = time.perf_counter() if start is None else start
    cameras = cameras.reset_index(drop=True)
    cameras["site"] = site_labels(cameras, crs)  # cross-source matching, before any split
    cameras["code"] = assign_cameras(cameras, communes)
    cameras["in_commune"] = False
    near = pd.DataFrame({"camera": [], "code": []})
    if len(cameras) and presets:
        communes_m = communes[["code", "geometry"]].to_crs(crs)
        near = _nearby(cameras.to_crs(crs), communes_m, presets)
    by_code: dict[str, list[int]] = {}
    known = cameras["code"].dropna()
    for label, code in zip(known.index.tolist(), known.tolist(), strict=True):
        by_code.setdefault(str(code), []).append(int(label))
    member_sets = {code: set(members) for code, members in by_code.items()}
    for idx, code in zip(near["camera"], near["code"], strict=True):
        key = str(code)
        members = by_code.setdefault(key, [])
        seen = member_sets.setdefault(key, set())
        if int(idx) not in seen:
            members.append(int(idx))
            seen.add(int(idx))

    # Project once, keep the columns the task reads: each task then only slices.
    metric_geoms = communes.geometry.to_crs(crs).to_numpy()
    wanted = [c for c in ("id", "camera_type", "directions", "height_m", "tilt_deg", "code",
                          "site")
              if c in cameras.columns]
    cameras_m = cameras[wanted + ["geometry"]].to_crs(crs)
    if len(cameras_m):
        # Fields of view depend on the camera only: one vectorized call per preset for
        # the whole département instead of one per commune (tasks still accept bare
        # cameras and compute their fields themselves).
        for preset in presets:
            cameras_m[_field_column(preset)] = fov.fields_of_view(cameras_m, preset).to_numpy()
    items = []
    for i, (code, name, geom) in enumerate(zip(communes["code"].astype(str), communes["name"],
                                               communes.geometry, strict=True)):
        row = {"code": code, "name": name, "geometry": geom, "crs": crs,
               "geometry_metric": metric_geoms[i]}
        idx = by_code.get(code)
        cams = None
        if idx:
            cams = cameras_m.loc[idx].copy()
            cams["in_commune"] = cams["code"].astype(str) == code
        items.append((row, cams))

    failures: list[tuple[str, str, str]] = []
    results = _execute(items, presets, workers, progress, progress_every, start,
                       None if strict else failures)
    frame = gpd.GeoDataFrame(results, geometry="geometry", crs=settings.STORAGE_CRS)
    frame = frame.set_index(frame["code"].map({c: i for i, c in enumerate(communes["code"])}))
    frame = frame.sort_index().reset_index(drop=True)
    outside = int(cameras["code"].isna().sum())
    return frame, outside, failures


def _safe_task(row, cams, presets, failures):
    """:func:`commune_task`, or with ``failures`` a row of NaN figures and the reason."""
    if failures is None:
        return commune_task(row, cams, presets)
    try:
        return commune_task(row, cams, presets)
    except Exception as exc:
        failures.append((str(row["code"]), str(row["name"]), f"{type(exc).__name__}: {exc}"))
        out = {"code": str(row["code"]), "name": str(row["name"]), "crs": row["crs"],
               "area_km2": np.nan, "geodesic_area_km2": np.nan, "planar_vs_geodesic": np.nan,
               "cameras": 0, "camera_sites": 0, "cameras_by_source": "{}"}
        for preset in presets:
            km2_col, share_col = coverage_columns(preset)
            out[km2_col] = np.nan
            out[share_col] = np.nan
        out["geometry"] = row["geometry"]
        return out


def _execute(items, presets, workers, progress, every, start, failures=None
             ) -> list[dict[str, Any]]:
    total = len(items)
    done = 0
    results: list[dict[str, Any]] = []

    def tick(n: int) -> None:
        nonlocal done
        before, done = done, done + n
        if progress is not None and (done // every > before // every or done == total):
            progress(done, total, time.perf_counter() - start)

    if workers == 1 or total <= CHUNK_SIZE:
        for row, cams in items:
            results.append(_safe_task(row, cams, presets, failures))
            tick(1)
        return results
    chunks = [items[i:i + CHUNK_SIZE] for i in range(0, total, CHUNK_SIZE)]
    # Threads, not processes: the tasks spend their time in GEOS and PROJ, which release
    # the GIL, and threads need no importable __main__ (scripts, notebooks). The task's
    # inputs and outputs are plain picklable values, so a process pool or a distributed
    # engine can run commune_task unchanged.
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_run_chunk, chunk, presets, failures) for chunk in chunks]
        for future in as_completed(futures):
            part = future.result()
            results.extend(part)
            tick(len(part))
    return results
