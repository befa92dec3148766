"""The figures: areas and shares, in a metric CRS, cross-checked on the ellipsoid.

Planar areas are computed in Lambert-93 (EPSG:2154) for metropolitan France, a
local UTM zone elsewhere (:func:`geocover.model.crs.metric_crs`); geodesic areas
with :class:`pyproj.Geod` on the WGS 84 ellipsoid. Unions count overlapping
areas once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from geocover import settings
from geocover.model.crs import metric_crs

if TYPE_CHECKING:  # (fov is loaded only where fields of view are drawn)
    from geocover.model.fov import Sectors

_GEOD = Geod(ellps="WGS84")
M2_PER_KM2 = 1e6


def geodesic_area_km2(geometry: BaseGeometry) -> float:
    """Area on the WGS 84 ellipsoid of a lon/lat (EPSG:4326) polygon, in km²."""
    area, _ = _GEOD.geometry_area_perimeter(geometry)
    return abs(area) / M2_PER_KM2


@dataclass(frozen=True)
class CommuneFigures:
    """A commune's area three ways: planar, geodesic, official."""

    code: str
    name: str
    crs: str
    area_km2: float
    geodesic_area_km2: float
    official_area_km2: float | None

    @property
    def planar_vs_geodesic(self) -> float:
        """Relative difference (planar - geodesic) / geodesic."""
        return (self.area_km2 - self.geodesic_area_km2) / self.geodesic_area_km2

    @property
    def computed_vs_official(self) -> float | None:
        if not self.official_area_km2:
            return None
        return (self.area_km2 - self.official_area_km2) / self.official_area_km2


def commune_figures(
    commune: gpd.GeoDataFrame, official_area_km2: float | None = None, crs: str | None = None
) -> CommuneFigures:
    """Planar and geodesic area of a one-row commune layer."""
    crs = crs or metric_crs(commune)
    planar = float(commune.to_crs(crs).geometry.area.iloc[0]) / M2_PER_KM2
    lonlat = commune.to_crs(settings.STORAGE_CRS).geometry.iloc[0]
    return CommuneFigures(
        code=str(commune["code"].iloc[0]),
        name=str(commune["name"].iloc[0]),
        crs=crs,
        area_km2=planar,
        geodesic_area_km2=geodesic_area_km2(lonlat),
        official_area_km2=official_area_km2,
    )


@dataclass(frozen=True)
class PerimeterFigures:
    """The authorized perimeters measured against the commune."""

    count: int
    crs: str
    area_km2: float
    """Union of the perimeters inside the commune (overlaps counted once)."""
    share: float | None
    """``area_km2`` over the computed commune area."""
    share_of_official: float | None
    """``area_km2`` over the official commune area."""
    sum_km2: float
    """Sum of the perimeters' own areas (overlaps counted as many times as they occur)."""
    overlap_km2: float
    """What counting overlaps once removes: sum of the parts inside minus their union."""
    outside_km2: float
    """Area of the perimeters outside the commune (clipped away, reported separately)."""
    outside_by_id: dict[str, float] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)


def perimeter_figures(
    perimeters: gpd.GeoDataFrame,
    commune: gpd.GeoDataFrame,
    *,
    official_area_km2: float | None = None,
    crs: str | None = None,
) -> PerimeterFigures:
    """Union of the perimeters clipped to the commune, its area and shares.

    Parts outside the commune are clipped away and reported in ``outside_km2`` and
    ``outside_by_id``.
    """
    crs = crs or metric_crs(commune)
    commune_m = commune.to_crs(crs).geometry.iloc[0]
    commune_area = commune_m.area
    if perimeters.empty:
        return PerimeterFigures(0, crs, 0.0, 0.0 if commune_area else None,
                                0.0 if official_area_km2 else None, 0.0, 0.0, 0.0)
    geoms = perimeters.to_crs(crs).geometry.to_numpy()
    shapely.prepare(commune_m)
    inside = shapely.intersection(geoms, commune_m)
    outside = shapely.difference(geoms, commune_m)
    union_inside = shapely.union_all(inside)
    area = union_inside.area / M2_PER_KM2
    sum_inside = float(np.sum(shapely.area(inside))) / M2_PER_KM2
    outside_areas = shapely.area(outside) / M2_PER_KM2
    outside_union = shapely.union_all(outside).area / M2_PER_KM2
    ids = perimeters["id"].astype(str).tolist()
    statuses = perimeters["status"].value_counts().to_dict() if "status" in perimeters else {}
    return PerimeterFigures(
        count=len(perimeters),
        crs=crs,
        area_km2=area,
        share=area / (commune_area / M2_PER_KM2) if commune_area else None,
        share_of_official=area / official_area_km2 if official_area_km2 else None,
        sum_km2=float(np.sum(shapely.area(geoms))) / M2_PER_KM2,
        overlap_km2=sum_inside - area,
        outside_km2=outside_union,
        outside_by_id={i: float(a) for i, a in zip(ids, outside_areas, strict=True) if a > 0},
        by_status={str(k): int(v) for k, v in statuses.items()},
    )


# ------------------------------------------------------------------ what cameras see


@dataclass(frozen=True)
class CameraCoverage:
    """What the mapped cameras see under one field-of-view preset (a lower bound:
    only mapped cameras count)."""

    preset: str
    label: str
    cameras: int
    area_km2: float
    """Union of the fields of view inside the commune, overlaps counted once."""
    share_of_commune: float | None
    occluded: bool
    """Whether the fields of view were clipped by building footprints."""
    unoccluded_area_km2: float
    """The same union without occlusion (equal to ``area_km2`` when not occluded)."""
    share_of_perimeters: float | None = None
    """Part of the authorized perimeters (inside the commune) that is seen."""
    streets_km: float | None = None
    streets_seen_km: float | None = None
    geometry: BaseGeometry | None = field(default=None, repr=False, compare=False)
    """The area seen inside the commune, in the metric CRS of the computation (pieces of a
    tiled union: overlay-ready, not dissolved)."""
    pieces: Any = field(default=None, repr=False, compare=False)
    """The engine's :class:`~geocover.model.union.UnionPieces` behind ``geometry``, which
    dissolves it once for everyone (see :meth:`dissolved`)."""

    def dissolved(self) -> BaseGeometry | None:
        """The area seen as one Polygon or MultiPolygon (for drawing: no tile seams),
        dissolved on the first call and kept, so the map and the figures reuse the
        report's union instead of recomputing it."""
        if self.pieces is not None:
            return self.pieces.dissolved()
        if self.geometry is None:
            return None
        return shapely.union_all(shapely.get_parts(self.geometry))

    @property
    def street_share(self) -> float | None:
        if not self.streets_km:
            return None
        return (self.streets_seen_km or 0.0) / self.streets_km


def camera_coverage(
    cameras_m: gpd.GeoDataFrame,
    commune_m: BaseGeometry,
    preset: str,
    *,
    buildings_m: gpd.GeoDataFrame | None = None,
    highways_m: gpd.GeoDataFrame | None = None,
    perimeters_m: BaseGeometry | None = None,
    workers: int | None = None,
    sectors: Sectors | None = None,
) -> tuple[CameraCoverage, gpd.GeoSeries]:
    """Coverage of ``cameras_m`` (metric CRS) under ``preset``, inside ``commune_m``.

    Returns the figures and each camera's field of view (occluded when buildings are
    given), in the cameras' CRS. ``workers``: the union engine's threads (default: one
    per core; 1 where the caller already runs several presets side by side).
    ``sectors``: :func:`~geocover.model.fov.sectors` of these cameras and preset, when
    the caller computed it already.
    """
    from geocover.model import fov
    from geocover.model.pieces import UnionPieces

    p = fov.get_preset(preset)
    fields = fov.fields_of_view(cameras_m, p, table=sectors)
    if len(fields):
        from geocover.model.union import union_pieces_within

        pieces = union_pieces_within(fields.to_numpy(), commune_m, workers=workers)
    else:
        # No camera, no union: the engine's own answer to nothing, without loading the
        # engine (union, tiling, forked: ~35 kB to compile on a report of Metz).
        pieces = UnionPieces(np.empty(0, dtype=object), None)
    raw_area = pieces.area
    occluded = buildings_m is not None and not buildings_m.empty and not cameras_m.empty
    if occluded:
        assert buildings_m is not None
        from geocover.model import occlusion  # only with buildings and cameras

        fields = occlusion.visible_fields(fields, cameras_m, buildings_m, workers=workers)
        pieces = union_pieces_within(fields.to_numpy(), commune_m, workers=workers)
    seen, area = pieces.collection(), pieces.area
    commune_area = commune_m.area
    share_perimeters = None
    if perimeters_m is not None and not perimeters_m.is_empty and perimeters_m.area > 0:
        share_perimeters = shapely.intersection(seen, perimeters_m).area / perimeters_m.area
    streets_km = streets_seen = None
    if highways_m is not None and not highways_m.empty:
        streets = _clip_lines(highways_m.geometry.to_numpy(), commune_m)
        streets_km = float(np.sum(shapely.length(streets))) / 1000
        streets_seen = float(np.sum(shapely.length(_clip_lines(streets, seen)))) / 1000
    return (
        CameraCoverage(
            preset=p.name,
            label=p.label,
            cameras=len(cameras_m),
            area_km2=area / M2_PER_KM2,
            share_of_commune=area / commune_area if commune_area else None,
            occluded=occluded,
            unoccluded_area_km2=raw_area / M2_PER_KM2,
            share_of_perimeters=share_perimeters,
            streets_km=streets_km,
            streets_seen_km=streets_seen,
            geometry=seen,
            pieces=pieces,
        ),
        fields,
    )


def _clip_lines(lines: np.ndarray, area: BaseGeometry) -> np.ndarray:
    """The parts of ``lines`` inside ``area``. Intersecting thousands of streets with one
    large, detailed polygon is slow (each call walks the whole polygon), so each line is
    intersected only with the parts of ``area`` its bounding box meets; a union's parts
    are disjoint, so the pieces add up exactly."""
    parts = shapely.get_parts(area)
    if len(parts) == 0 or len(lines) == 0:
        return np.array([], dtype=object)
    tree = shapely.STRtree(parts)
    line_idx, part_idx = tree.query(lines, predicate="intersects")
    return shapely.intersection(lines[line_idx], parts[part_idx])


@dataclass(frozen=True)
class Capacity:
    """The most ``n_cameras`` could see under a preset: no overlap, no occlusion."""

    preset: str
    label: str
    n_cameras: int
    fixed_km2: float
    """If every camera were fixed (a wedge)."""
    dome_km2: float
    """If every camera were a dome or panning camera (the preset's dome angle)."""
    authorized_km2: float | None
    commune_km2: float

    @property
    def fixed_share_of_authorized(self) -> float | None:
        return self.fixed_km2 / self.authorized_km2 if self.authorized_km2 else None

    @property
    def dome_share_of_authorized(self) -> float | None:
        return self.dome_km2 / self.authorized_km2 if self.authorized_km2 else None


def capacity(
    n_cameras: int, presets: tuple[str, ...] | list[str], *, authorized_km2: float | None,
    commune_km2: float,
) -> list[Capacity]:
    """The sensitivity band: for each preset, what ``n_cameras`` could see at most."""
    from geocover.model import fov

    out = []
    for name in presets:
        p = fov.get_preset(name)
        out.append(Capacity(
            preset=p.name, label=p.label, n_cameras=n_cameras,
            fixed_km2=fov.capacity_km2(n_cameras, p, camera_type="fixed"),
            dome_km2=fov.capacity_km2(n_cameras, p, camera_type="dome"),
            authorized_km2=authorized_km2, commune_km2=commune_km2,
        ))
    return out
