"""Fields of view: what a camera could see on the ground, as a wedge or a disc.

A camera's field of view is modelled in plan, in a metric CRS, from its type, its
directions, its height and tilt, and a named range :class:`Preset`:

* a **fixed** camera (or one of unknown type) with a direction sees a *wedge*
  (a circular sector) of the preset's angle, centred on that direction; a mapped
  range ``a-b`` widens it to ``[a - angle/2, b + angle/2]``; several directions
  give the union of their wedges;
* a **dome** or **panning** camera sees a *disc* (it turns), and so does any camera
  without a direction (where it looks is unknown) or with ``0-360``;
* the radius is the preset's range at the camera's height (``height_m``, else
  ``settings.DEFAULT_HEIGHT_M``), shortened for a fixed camera tilted further down
  than the preset's reference tilt (see :meth:`Preset.range_at`).

Bearings are compass bearings: degrees clockwise from north. In a projected CRS
``x`` is east and ``y`` is north, so a bearing ``b`` points along ``(sin b, cos b)``.

Arcs are drawn as polygons whose radius is enlarged by ``sqrt(d / sin d)`` (``d``
the angle of one segment) so that each polygon has exactly the area of the sector
or disc it stands for (an inscribed polygon would under-estimate it). The presets,
their sources and the model's limits are documented in ``docs/fov.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geocover.errors import UsageError
from geocover.model.pieces import _union_groups  # (occlusion takes it from here too)
from geocover.model.presets import (  # noqa: F401 - re-exported: the presets lived here
    _ROUND_TYPES,
    DEFAULT_PRESETS,
    PRESETS,
    Preset,
    capacity_km2,
    disc_area,
    get_preset,
    wedge_area,
)

#: Fewest segments drawn for one arc, however narrow the wedge.
_MIN_ARC_SEGMENTS = 4


def _check_metric(frame: gpd.GeoDataFrame | gpd.GeoSeries, what: str) -> None:
    crs = frame.crs
    if crs is not None and not (crs.is_projected and crs.axis_info
                                and crs.axis_info[0].unit_name in ("metre", "meter")):
        raise UsageError(
            f"{what} must be in a metric CRS, not {crs.to_string()}: "
            f"call .to_crs(settings.METRIC_CRS) (Lambert-93) or a local UTM zone first"
        )


def _float_column(cameras: gpd.GeoDataFrame, column: str) -> np.ndarray:
    if column not in cameras.columns:
        return np.full(len(cameras), np.nan)
    return pd.to_numeric(cameras[column], errors="coerce").to_numpy(dtype=float)


def _direction_parts(
    directions: Sequence[Any] | np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flatten the ``directions`` column: per range its camera, start and clockwise span.

    A camera without a direction gets one range of span 360 (all round).
    """
    counts = np.fromiter(
        (len(d) if isinstance(d, (list, tuple, np.ndarray)) else 0 for d in directions),
        dtype=np.int64, count=len(directions),
    )
    flat = [pair for d, c in zip(directions, counts, strict=True) if c for pair in d]
    try:
        pairs = np.asarray(flat, dtype=float).reshape(-1, 2)
    except (TypeError, ValueError):
        raise UsageError(
            "the 'directions' column must hold lists of (start, end) degree pairs "
            "(use geocover.schema.vocab to build the camera layer)"
        ) from None
    parts_per_camera = np.maximum(counts, 1)
    camera = np.repeat(np.arange(len(directions)), parts_per_camera)
    start = np.zeros(len(camera))
    span = np.full(len(camera), 360.0)
    has = np.repeat(counts > 0, parts_per_camera)
    start[has] = pairs[:, 0]
    end = pairs[:, 1]
    raw = end - pairs[:, 0]
    span[has] = np.where(raw >= 0, raw, raw + 360.0)
    return camera, start, span


def drawn_radius(radius: np.ndarray, sweep: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """The radius an arc of ``sweep`` degrees in ``segments`` is drawn at: ``radius``
    scaled by ``sqrt(d / sin d)`` (``d`` one segment's angle) so that the polygon has the
    exact area of the sector or disc."""
    step = np.radians(sweep) / segments
    return radius * np.sqrt(step / np.sin(step))


def _ring_polygons(x: np.ndarray, y: np.ndarray, radius: np.ndarray, start: np.ndarray,
                   sweep: np.ndarray, segments: np.ndarray, apex: bool) -> np.ndarray:
    """Sectors (``apex=True``: centre, arc, centre) or full discs, one per row, vectorized.

    The radius is scaled by ``sqrt(d / sin d)`` so each polygon has the exact area.
    """
    if len(x) == 0:
        return np.empty(0, dtype=object)
    step = np.radians(sweep) / segments
    scaled = drawn_radius(radius, sweep, segments)
    # A ring's closing vertex is its first: a wedge's apex, a disc's first arc point
    # again (the index modulo the segments gives the same bearing, the same numbers).
    per_ring = segments + (3 if apex else 1)
    first = np.cumsum(per_ring) - per_ring
    local = np.arange(per_ring.sum()) - np.repeat(first, per_ring)
    # Bearings turn clockwise (x from the sine, y from the cosine): the arc is walked
    # backwards so that each ring comes out counter-clockwise, as shapely.orient_polygons
    # would turn it (the same vertices from the same first one), without its pass.
    arc_index = np.repeat(segments, per_ring) - (local - 1 if apex else local)
    if not apex:
        arc_index %= np.repeat(segments, per_ring)
    bearing = np.radians(np.repeat(start, per_ring)) + arc_index * np.repeat(step, per_ring)
    r = np.repeat(scaled, per_ring)
    px = np.repeat(x, per_ring) + r * np.sin(bearing)
    py = np.repeat(y, per_ring) + r * np.cos(bearing)
    if apex:
        centre = (local == 0) | (local == np.repeat(per_ring, per_ring) - 1)
        px[centre] = np.repeat(x, per_ring)[centre]
        py[centre] = np.repeat(y, per_ring)[centre]
    # The polygons straight from the coordinates and each ring's offset (half the time of
    # shapely.linearrings then shapely.polygons, the same geometries).
    offsets = np.concatenate([[0], np.cumsum(per_ring)])
    return shapely.from_ragged_array(shapely.GeometryType.POLYGON, np.column_stack([px, py]),
                                     (offsets, np.arange(len(x) + 1)))


def camera_ranges_m(cameras_metric: gpd.GeoDataFrame, preset: str | Preset) -> pd.Series:
    """Range in metres of each camera's field of view under ``preset`` (index preserved).

    Height from ``height_m`` (NaN → ``settings.DEFAULT_HEIGHT_M``); the tilt rule of the
    preset applies to fixed cameras and cameras of unknown type only (a dome or
    panning camera turns and tilts, so a tilt tag describes one moment of it).
    """
    preset = get_preset(preset)
    types = _camera_types(cameras_metric)
    height = _float_column(cameras_metric, "height_m")
    tilt = _float_column(cameras_metric, "tilt_deg")
    reach = preset.range_at(height)
    turning = np.isin(types, _ROUND_TYPES)
    reach = np.where(turning, reach, reach * preset.tilt_factor(tilt))
    return pd.Series(reach, index=cameras_metric.index, name="range_m")


def _camera_types(cameras: gpd.GeoDataFrame) -> np.ndarray:
    if "camera_type" not in cameras.columns:
        raise UsageError("the cameras have no 'camera_type' column (fixed, dome, panning or "
                         "unknown): build them with geocover.schema.vocab")
    return cameras["camera_type"].fillna("unknown").astype(str).str.lower().to_numpy()


def _current_headings(cameras: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Each camera's one heading at one moment: the middle of its first direction range
    (north when it has none)."""
    _, start, span = _direction_parts(cameras["directions"].to_numpy(dtype=object))
    first = np.unique(_direction_parts(cameras["directions"].to_numpy(dtype=object))[0],
                      return_index=True)[1]
    heading = np.where(span[first] >= 360.0, 0.0, (start[first] + span[first] / 2.0) % 360.0)
    out = cameras.copy()
    out["directions"] = pd.Series([[(float(h), float(h))] for h in heading], index=out.index,
                                  dtype=object)
    return out


@dataclass(frozen=True)
class Sectors:
    """The arcs :func:`fields_of_view` draws, as numbers: one row per wedge or disc, in
    the cameras' metric CRS. A camera's field of view is its row's polygon where
    ``single``, else the union of its rows (several directions). Every polygon of
    :func:`fields_of_view` is built from these numbers, and so can a map in the browser
    (a dozen numbers instead of 50 vertices)."""

    camera: np.ndarray
    """Each row's camera, by position in the layer."""
    x: np.ndarray
    y: np.ndarray
    """The apex of a wedge, the centre of a disc."""
    radius: np.ndarray
    """The model's radius (m); arcs are drawn at :func:`drawn_radius` of it."""
    start: np.ndarray
    """Bearing (degrees clockwise from the CRS's north) where the arc starts."""
    sweep: np.ndarray
    """The arc's angle, degrees clockwise (360 for a disc)."""
    segments: np.ndarray
    """Segments the arc is drawn in."""
    apex: np.ndarray
    """A wedge (its ring goes through the apex), else a disc."""
    single: np.ndarray
    """The camera's only row."""


def sectors(cameras_metric: gpd.GeoDataFrame, preset: str | Preset, *,
            arc_segments: int = 64) -> Sectors:
    """The wedges and discs of :func:`fields_of_view` (same arguments, same checks) as
    numbers, without building a polygon."""
    preset = get_preset(preset)
    _check_metric(cameras_metric, "the cameras")
    if not isinstance(arc_segments, (int, np.integer)) or arc_segments < _MIN_ARC_SEGMENTS:
        raise UsageError(f"arc_segments must be an integer >= {_MIN_ARC_SEGMENTS}, "
                         f"not {arc_segments!r}")
    if "directions" not in cameras_metric.columns:
        raise UsageError("the cameras have no 'directions' column (lists of (start, end) "
                         "degrees, [] when unknown): build them with geocover.schema.vocab")
    if cameras_metric.empty:  # no camera, no field of view (a report of Metz, six presets)
        _camera_types(cameras_metric)  # a layer without camera_type is refused all the same
        no = np.empty(0)
        return Sectors(no.astype(np.int64), no, no, no, no, no, no.astype(np.int64),
                       no.astype(bool), no.astype(bool))
    if preset.moment:
        cameras_metric = _current_headings(cameras_metric)
    n = len(cameras_metric)
    types = _camera_types(cameras_metric)
    points = cameras_metric.geometry.to_numpy()
    is_point = shapely.get_type_id(points) == 0
    only_points = np.where(is_point, points, np.array(None, dtype=object))
    x = np.where(is_point, shapely.get_x(only_points), np.nan)
    y = np.where(is_point, shapely.get_y(only_points), np.nan)
    reach = camera_ranges_m(cameras_metric, preset).to_numpy()
    angle = np.where(np.isin(types, _ROUND_TYPES), preset.dome_angle_deg,
                     preset.fixed_angle_deg)
    usable = np.isfinite(x) & np.isfinite(y) & (reach > 0)

    camera, start, span = _direction_parts(cameras_metric["directions"].to_numpy(dtype=object))
    sweep = span + angle[camera]
    round_camera = np.zeros(n, dtype=bool)
    round_camera[camera[sweep >= 360.0]] = True
    wedge = ~round_camera[camera] & usable[camera]
    discs = np.flatnonzero(round_camera & usable)
    wc = camera[wedge]
    w_sweep = sweep[wedge]
    segments = np.maximum(_MIN_ARC_SEGMENTS,
                          np.ceil(arc_segments * w_sweep / 360.0)).astype(np.int64)
    parts = np.bincount(wc, minlength=n)
    nd = len(discs)
    return Sectors(
        camera=np.concatenate([discs, wc]),
        x=np.concatenate([x[discs], x[wc]]),
        y=np.concatenate([y[discs], y[wc]]),
        radius=np.concatenate([reach[discs], reach[wc]]),
        start=np.concatenate([np.zeros(nd), start[wedge] - angle[wc] / 2.0]),
        sweep=np.concatenate([np.full(nd, 360.0), w_sweep]),
        segments=np.concatenate([np.full(nd, int(arc_segments), dtype=np.int64), segments]),
        apex=np.concatenate([np.zeros(nd, dtype=bool), np.ones(len(wc), dtype=bool)]),
        single=np.concatenate([np.ones(nd, dtype=bool), parts[wc] == 1]),
    )


def union_cost(table: Sectors, clip_area: float) -> float:
    """A guess at what the union of these fields of view inside an area of ``clip_area``
    costs, to start the costliest of several first (no result depends on it): their
    outlines' total length, divided by how many times they cover the area where they
    pile up (deep piles bury their outlines early: 300 m discs over Paris are cheap,
    3° wedges crossing each other are not)."""
    rad = np.radians(table.sweep)
    disc = ~table.apex
    perimeter = float(np.sum(np.where(disc, 2 * np.pi * table.radius,
                                      table.radius * (2 + rad))))
    area = float(np.sum(table.radius ** 2 * rad / 2))
    return perimeter / max(1.0, area / clip_area) if clip_area > 0 else perimeter


def fields_of_view(cameras_metric: gpd.GeoDataFrame, preset: str | Preset, *,
                   arc_segments: int = 64, table: Sectors | None = None) -> gpd.GeoSeries:
    """Each camera's field of view under a preset, ignoring obstacles.

    Parameters
    ----------
    cameras_metric : GeoDataFrame
        The camera layer (columns ``camera_type``, ``directions``, optional
        ``height_m`` and ``tilt_deg``, Point geometries) in a metric CRS.
    preset : str or Preset
        A name from :data:`PRESETS` or a :class:`Preset`.
    arc_segments : int
        Segments of a full circle; an arc of angle ``a`` gets
        ``max(4, ceil(arc_segments * a / 360))``. Areas are exact whatever the count
        (the arc's radius is scaled); more segments follow the circle more closely
        (the outline strays from it by at most ``r * d² / 12``, ``d`` one segment's
        angle: 0.08 % of the radius at 64).
    table : Sectors, optional
        What :func:`sectors` gave for these cameras, this preset and ``arc_segments``,
        when the caller has it already (it is not computed again).

    Returns
    -------
    GeoSeries
        Polygons (a MultiPolygon where wedges do not overlap), same index and CRS
        as ``cameras_metric``; an empty Polygon for a camera without a location.

    Raises
    ------
    UsageError
        If the CRS is geographic, a column is missing or ``arc_segments`` < 4.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> cams = gpd.GeoDataFrame(
    ...     {"camera_type": ["fixed", "dome"], "directions": [[(90.0, 90.0)], []]},
    ...     geometry=[shapely.Point(0, 0), shapely.Point(100, 0)], crs="EPSG:2154")
    >>> fovs = fields_of_view(cams, "sunders")
    >>> [round(a, 1) for a in fovs.area]
    [609.3, 3848.5]
    """
    if table is None:
        table = sectors(cameras_metric, preset, arc_segments=arc_segments)
    elif len(table.camera) and int(table.camera.max()) >= len(cameras_metric):
        raise UsageError("the sectors table is not these cameras' (a row's camera is "
                         "beyond the layer)")
    n = len(cameras_metric)
    result = np.full(n, shapely.Polygon(), dtype=object)
    if not len(table.camera):
        return gpd.GeoSeries(result, index=cameras_metric.index, crs=cameras_metric.crs,
                             name="fov")
    disc = ~table.apex
    result[table.camera[disc]] = _ring_polygons(
        table.x[disc], table.y[disc], table.radius[disc], table.start[disc],
        table.sweep[disc], table.segments[disc], apex=False,
    )
    w = np.flatnonzero(table.apex)
    wedges = _ring_polygons(table.x[w], table.y[w], table.radius[w], table.start[w],
                            table.sweep[w], table.segments[w], apex=True)
    wc = table.camera[w]
    single = table.single[w]
    result[wc[single]] = wedges[single]
    if (~single).any():
        parts = np.bincount(wc, minlength=n)
        multi = np.flatnonzero(parts > 1)
        local = np.searchsorted(multi, wc[~single])
        result[multi] = _union_groups(wedges[~single], local, len(multi))
    return gpd.GeoSeries(result, index=cameras_metric.index, crs=cameras_metric.crs,
                         name="fov")
