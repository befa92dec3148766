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

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geocover import settings
from geocover.errors import UsageError
from geocover.i18n import N_
from geocover.schema.vocab import CAMERA_TYPES

#: Dome and panning cameras turn: they get discs (:data:`CAMERA_TYPES`, the camera
#: layer's types, is defined once in :mod:`geocover.schema.vocab`).
_ROUND_TYPES = ("dome", "panning")

#: Metres per degree of latitude, the conversion both OSM tools use for their ranges.
_METRES_PER_DEGREE = 111_320.0
#: Fewest segments drawn for one arc, however narrow the wedge.
_MIN_ARC_SEGMENTS = 4


@dataclass(frozen=True)
class Preset:
    """A named field-of-view model: the wedge angle and the range rule, with their source.

    The range at a camera height ``h`` is ``range_m + range_per_height_m * h``,
    with ``h`` first clamped to ``height_bounds_m`` when the source clamps it.

    Parameters
    ----------
    name : str
        Identifier used on the command line and in reports (``sunders``…).
    label : str
        Short human-readable label for tables and maps.
    source : str
        Where the numbers come from (citation text).
    fixed_angle_deg : float
        Horizontal angle of a fixed camera's wedge, in degrees (0 < angle ≤ 360).
    range_m : float
        Constant part of the range, in metres.
    range_per_height_m : float
        Metres of range per metre of camera height.
    dome_angle_deg : float
        Angle drawn for dome and panning cameras: 360 (the default) draws a disc;
        less draws a wedge centred on the camera's direction (a disc if it has none).
    height_bounds_m : (float, float) or None
        The source's bounds on the height used in the range rule, or None.
    tilt_reference_deg : float or None
        A fixed camera tilted down by ``t`` degrees more than this reference has its
        range multiplied by ``cos(t - reference)`` (the rule of both OSM tools); None
        ignores the tilt.
    moment : bool
        True: what is seen *at one moment*. Every camera, dome and panning included,
        gets one wedge (a dome its ``dome_angle_deg``) centred on its current heading:
        the middle of its first mapped direction range; a camera without a direction
        gets the wedge at an arbitrary heading (north): its area is right, its place is
        not. False (the default): a dome or panning camera gets what it can reach by
        turning.
    """

    name: str
    label: str
    source: str
    fixed_angle_deg: float
    range_m: float = 0.0
    range_per_height_m: float = 0.0
    dome_angle_deg: float = 360.0
    height_bounds_m: tuple[float, float] | None = None
    tilt_reference_deg: float | None = None
    moment: bool = False

    def __post_init__(self) -> None:
        for what, angle in (("fixed_angle_deg", self.fixed_angle_deg),
                            ("dome_angle_deg", self.dome_angle_deg)):
            if not 0 < angle <= 360:
                raise UsageError(f"preset {self.name!r}: {what} must be in (0, 360], not {angle}")
        if self.range_m < 0 or self.range_per_height_m < 0:
            raise UsageError(f"preset {self.name!r}: ranges must not be negative")
        if self.range_m == 0 and self.range_per_height_m == 0:
            raise UsageError(f"preset {self.name!r}: give range_m or range_per_height_m")
        if self.height_bounds_m is not None:
            low, high = self.height_bounds_m
            if not 0 <= low <= high:
                raise UsageError(f"preset {self.name!r}: height_bounds_m must be (low, high), "
                                 f"0 <= low <= high, not {self.height_bounds_m}")

    def range_at(self, height_m: Any = settings.DEFAULT_HEIGHT_M,
                 tilt_deg: Any = None) -> Any:
        """Range in metres at a camera height (NaN → the default height) and tilt.

        Parameters
        ----------
        height_m : float or array-like
            Camera height in metres; NaN means unknown (``settings.DEFAULT_HEIGHT_M``).
        tilt_deg : float, array-like or None
            Downward tilt in degrees (NaN → ``settings.DEFAULT_TILT_DEG``); None
            ignores the tilt. Only meaningful for fixed cameras.

        Returns
        -------
        float or numpy.ndarray
            A float for scalar input, else an array.

        Examples
        --------
        >>> PRESETS["sunders"].range_at(5.0)
        35.0
        >>> PRESETS["sunders"].range_at([5.0, float("nan"), 20.0]).tolist()
        [35.0, 35.0, 84.0]
        """
        scalar = np.ndim(height_m) == 0 and np.ndim(tilt_deg) == 0
        height = np.asarray(height_m, dtype=float)
        height = np.where(np.isfinite(height), height, settings.DEFAULT_HEIGHT_M)
        height = np.maximum(height, 0.0)
        if self.height_bounds_m is not None:
            height = np.clip(height, *self.height_bounds_m)
        reach = self.range_m + self.range_per_height_m * height
        if tilt_deg is not None and self.tilt_reference_deg is not None:
            reach = reach * self.tilt_factor(tilt_deg)
        return float(reach) if scalar else reach

    def tilt_factor(self, tilt_deg: Any) -> Any:
        """``cos(tilt - reference)`` for a tilt beyond the reference, else 1 (NaN → default)."""
        tilt = np.abs(np.asarray(tilt_deg, dtype=float))
        tilt = np.where(np.isfinite(tilt), tilt, settings.DEFAULT_TILT_DEG)
        if self.tilt_reference_deg is None:
            return np.ones_like(tilt)
        beyond = np.clip(tilt - self.tilt_reference_deg, 0.0, 90.0)
        return np.cos(np.radians(beyond))


_FACTSHEET_SOURCE = (
    "Metz fact sheet 'Le point sur la vidéo surveillance à METZ': faces can be identified "
    "'avec un zoom à 300m'. Wedge angle: identification needs 250 px/m (EN 62676-4; "
    "PanoptiCity's identification level); a 3840-px-wide (4K) image at 250 px/m spans "
    "15.4 m at 300 m, i.e. 2 atan(7.68/300) = 2.9°, rounded to 3°."
)
_PANOPTICITY_SOURCE = (
    "PanoptiCity (panopticity.fr; github.com/babastienne/PanoptiCity), "
    "back-end/cameras/constants.py and models.py: range = 0.00026° x (1 + h/10) x level x "
    "scenario, with the 'mean' scenario 0.3621 (6.8 mm focal, 2556x1440, fixed cameras; "
    "dome/PTZ also 0.3621) and the level 1 (identification, 250 px/m), 3.84615 "
    "(recognition) or 10 (observation); 1° = 111,320 m. Height clamped to 1.5-20 m. "
    "Fixed cameras: rays from -0.7 to +0.7 rad around the direction "
    "(services/fov_calculator.py), i.e. 80.2°; domes and panning cameras all round."
)
# PanoptiCity's range in metres per unit of its (1 + h/10) height factor, mean scenario.
_PANOPTICITY_BASE_M = 0.00026 * 0.3621 * _METRES_PER_DEGREE


def _panopticity(level: str, label: str, factor: float) -> Preset:
    base = _PANOPTICITY_BASE_M * factor
    return Preset(
        name=f"panopticity-{level}",
        label=label,
        source=_PANOPTICITY_SOURCE,
        fixed_angle_deg=80.0,
        range_m=base,
        range_per_height_m=base / 10.0,
        height_bounds_m=(1.5, 20.0),
        tilt_reference_deg=17.0,
    )


#: The named presets. See ``docs/fov.md`` for each one's source and reasoning.
PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            name="sunders",
            label=N_("SunderS (57°, 7 m x height)"),
            source=(
                "Surveillance under Surveillance (sunders.uber.space; github.com/kamba4/sunders), "
                "whose map code comes from osmcamera (github.com/khris78/osmcamera, "
                "www/leafletembed.js): fixed cameras get rays from -0.5 to +0.5 rad around "
                "the direction (57.3°) out to 0.000063° x height (7.0 m x height); domes a "
                "circle of 7 m x height; height default 5 m, clamped to 3-12 m; tilt beyond "
                "15° shortens the range by cos(tilt - 15°)."
            ),
            fixed_angle_deg=57.0,
            range_per_height_m=7.0,
            height_bounds_m=(3.0, 12.0),
            tilt_reference_deg=15.0,
        ),
        _panopticity("identification", N_("PanoptiCity identification (80°, 15.7 m at 5 m)"), 1.0),
        _panopticity("recognition", N_("PanoptiCity recognition (80°, 60.5 m at 5 m)"), 3.84615),
        _panopticity("observation", N_("PanoptiCity observation (80°, 157 m at 5 m)"), 10.0),
        Preset(
            name="factsheet-300m",
            label=N_("Fact sheet's 300 m, seen at one moment (a zoomed 3° wedge, domes too)"),
            source=_FACTSHEET_SOURCE + (
                " Seen at one moment: a zoomed camera, dome or not, looks in one direction "
                "at a time, so every camera gets one 3° wedge along its current heading."
            ),
            fixed_angle_deg=3.0,
            dome_angle_deg=3.0,
            range_m=300.0,
            moment=True,
        ),
        Preset(
            name="factsheet-300m-reach",
            label=N_("Fact sheet's 300 m, reach by turning (a dome's disc, never seen at once)"),
            source=_FACTSHEET_SOURCE + (
                " Reach by turning: the disc a dome or panning camera can point into, one "
                "3° wedge of it at a time; a fixed camera does not turn (its 3° wedge)."
            ),
            fixed_angle_deg=3.0,
            range_m=300.0,
        ),
    )
}

#: The presets a report shows side by side (a sensitivity band, never one number alone).
DEFAULT_PRESETS: tuple[str, ...] = (
    "sunders",
    "panopticity-identification",
    "panopticity-recognition",
    "panopticity-observation",
    "factsheet-300m",
    "factsheet-300m-reach",
)


def get_preset(name: str | Preset) -> Preset:
    """The preset called ``name`` (a :class:`Preset` is returned as is).

    Raises
    ------
    UsageError
        For an unknown name; the message lists the valid ones.

    Examples
    --------
    >>> get_preset("sunders").fixed_angle_deg
    57.0
    """
    if isinstance(name, Preset):
        return name
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise UsageError(
            f"unknown field-of-view preset {name!r}; valid presets: {', '.join(PRESETS)}"
        ) from None


def wedge_area(radius: Any, angle_deg: Any) -> Any:
    """Area of a circular sector, ``pi r² angle / 360`` (square units of ``radius``).

    Examples
    --------
    >>> round(wedge_area(35.0, 57.0), 1)
    609.3
    """
    area = math.pi * np.square(np.asarray(radius, dtype=float)) \
        * np.asarray(angle_deg, dtype=float) / 360.0
    return float(area) if np.ndim(area) == 0 else area


def disc_area(radius: Any) -> Any:
    """Area of a disc, ``pi r²``."""
    return wedge_area(radius, 360.0)


def capacity_km2(n_cameras: int, preset: str | Preset, *, camera_type: str = "fixed",
                 height_m: float = settings.DEFAULT_HEIGHT_M) -> float:
    """The most ``n_cameras`` cameras could see, in km²: no overlap and no occlusion.

    ``n_cameras`` times the area of one field of view at ``height_m`` and the default
    tilt: a wedge of the preset's angle for a fixed camera, the preset's dome angle
    (a disc) for a dome or panning camera, a disc for a camera of unknown type
    (without a direction, where it looks is unknown).

    Examples
    --------
    >>> round(capacity_km2(148, "sunders"), 4)
    0.0902
    >>> round(capacity_km2(148, "sunders", camera_type="dome"), 4)
    0.5696
    """
    preset = get_preset(preset)
    if camera_type not in CAMERA_TYPES:
        raise UsageError(f"camera_type must be one of {', '.join(CAMERA_TYPES)}, "
                         f"not {camera_type!r}")
    if not (isinstance(n_cameras, (int, np.integer)) and n_cameras >= 0):
        raise UsageError(f"n_cameras must be a whole number >= 0, not {n_cameras!r}")
    if camera_type == "fixed":
        angle = preset.fixed_angle_deg
        reach = preset.range_at(height_m, settings.DEFAULT_TILT_DEG)
    else:
        angle = (preset.dome_angle_deg if camera_type in _ROUND_TYPES
                 else preset.fixed_angle_deg if preset.moment else 360.0)
        reach = preset.range_at(height_m)
    return float(n_cameras) * wedge_area(reach, angle) / 1e6


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


def _ring_polygons(x: np.ndarray, y: np.ndarray, radius: np.ndarray, start: np.ndarray,
                   sweep: np.ndarray, segments: np.ndarray, apex: bool) -> np.ndarray:
    """Sectors (``apex=True``: centre, arc, centre) or full discs, one per row, vectorized.

    The radius is scaled by ``sqrt(d / sin d)`` so each polygon has the exact area.
    """
    if len(x) == 0:
        return np.empty(0, dtype=object)
    step = np.radians(sweep) / segments
    scaled = radius * np.sqrt(step / np.sin(step))
    arc_points = segments + 1 if apex else segments  # a disc's ring closes on its own
    per_ring = arc_points + (2 if apex else 0)
    ring = np.repeat(np.arange(len(x)), per_ring)
    first = np.cumsum(per_ring) - per_ring
    local = np.arange(per_ring.sum()) - np.repeat(first, per_ring)
    arc_index = local - 1 if apex else local
    bearing = np.radians(np.repeat(start, per_ring)) + arc_index * np.repeat(step, per_ring)
    r = np.repeat(scaled, per_ring)
    px = np.repeat(x, per_ring) + r * np.sin(bearing)
    py = np.repeat(y, per_ring) + r * np.cos(bearing)
    if apex:
        centre = (local == 0) | (local == np.repeat(per_ring, per_ring) - 1)
        px[centre] = np.repeat(x, per_ring)[centre]
        py[centre] = np.repeat(y, per_ring)[centre]
    rings = shapely.linearrings(np.column_stack([px, py]), indices=ring)
    # types-shapely: an array of rings in gives an array of polygons out
    return shapely.orient_polygons(shapely.polygons(rings))  # type: ignore[return-value]


def _union_groups(geoms: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Union of ``geoms`` per ``group`` id (0..n_groups-1); empty Polygon for no member.

    Vectorized: members are laid out in a padded 2-D array (``None`` where a group has
    fewer members) and reduced with ``shapely.union_all(axis=1)``, in row batches that
    bound the padding.
    """
    out = np.full(n_groups, shapely.Polygon(), dtype=object)
    if len(geoms) == 0:
        return out
    order = np.argsort(group, kind="stable")
    geoms, group = geoms[order], group[order]
    counts = np.bincount(group, minlength=n_groups)
    first = np.cumsum(counts) - counts
    rank = np.arange(len(group)) - first[group]
    present = np.flatnonzero(counts)
    present = present[np.argsort(counts[present], kind="stable")]
    budget = 4_000_000  # cells of the padded array per batch
    i = 0
    while i < len(present):
        j = i + 1
        while j < len(present) and counts[present[j]] * (j + 1 - i) <= budget:
            j += 1
        batch = present[i:j]
        width = counts[batch].max()
        row_of = np.full(n_groups, -1)
        row_of[batch] = np.arange(len(batch))
        take = np.isin(group, batch)
        table = np.full((len(batch), width), None, dtype=object)
        table[row_of[group[take]], rank[take]] = geoms[take]
        out[batch] = shapely.union_all(table, axis=1)
        i = j
    return out


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


def fields_of_view(cameras_metric: gpd.GeoDataFrame, preset: str | Preset, *,
                   arc_segments: int = 64) -> gpd.GeoSeries:
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
        return gpd.GeoSeries(np.empty(0, dtype=object), index=cameras_metric.index,
                             crs=cameras_metric.crs, name="fov")
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

    result = np.full(n, shapely.Polygon(), dtype=object)
    result[discs] = _ring_polygons(
        x[discs], y[discs], reach[discs], np.zeros(len(discs)), np.full(len(discs), 360.0),
        np.full(len(discs), int(arc_segments)), apex=False,
    )
    wc = camera[wedge]
    w_sweep = sweep[wedge]
    segments = np.maximum(_MIN_ARC_SEGMENTS,
                          np.ceil(arc_segments * w_sweep / 360.0)).astype(np.int64)
    wedges = _ring_polygons(x[wc], y[wc], reach[wc], start[wedge] - angle[wc] / 2.0,
                            w_sweep, segments, apex=True)
    parts = np.bincount(wc, minlength=n)
    single = parts[wc] == 1
    result[wc[single]] = wedges[single]
    if (~single).any():
        multi = np.flatnonzero(parts > 1)
        local = np.searchsorted(multi, wc[~single])
        result[multi] = _union_groups(wedges[~single], local, len(multi))
    return gpd.GeoSeries(result, index=cameras_metric.index, crs=cameras_metric.crs,
                         name="fov")
