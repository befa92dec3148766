"""Buildings and streets from an Overpass answer (or the bundle's copy of one): the
obstacles that hide what cameras see, and the streets whose seen share is reported.
Pure functions of the decoded JSON, used by :mod:`geocover.sources.overpass` for live
answers and the bundle alike.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geocover import settings
from geocover.errors import DataError
from geocover.schema.ids import osm_id
from geocover.sources.checks import check_elements

#: Metres per storey when a building's height comes from ``building:levels``.
LEVEL_HEIGHT_M: float = 3.0


def check_answer(data: Any) -> None:
    """Reject an Overpass answer that must not be used or cached.

    Raises
    ------
    ValueError
        When the answer is not a JSON object with an ``elements`` list, carries a
        ``remark`` (``runtime error: Query timed out``, ``out of memory``…), or holds a
        malformed element (:func:`geocover.sources.checks.check_elements`).
    """
    if not isinstance(data, Mapping):
        raise ValueError("not an Overpass JSON object")
    if "remark" in data:
        raise ValueError(
            f"the server remarked {data['remark']!r}: the answer is incomplete "
            "(retry later, or raise settings.OVERPASS_TIMEOUT)"
        )
    check_elements(data.get("elements"))


def _elements(data: Any) -> list[Mapping[str, Any]]:
    try:
        check_answer(data)
    except ValueError as exc:
        raise DataError(f"unusable Overpass answer: {exc}") from None
    return [e for e in data["elements"] if isinstance(e, Mapping)]


def _coords(points: Any) -> list[tuple[float, float]] | None:
    """``[{lat, lon}, …]`` → ``[(lon, lat), …]``; None if any point is missing."""
    if not isinstance(points, list):
        return None
    out = []
    for point in points:
        if not isinstance(point, Mapping) or "lat" not in point or "lon" not in point:
            return None
        out.append((float(point["lon"]), float(point["lat"])))
    return out


def _metres(value: Any) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*m?\s*", str(value))
    return float(match.group(1)) if match else math.nan


def building_height(tags: Mapping[str, Any]) -> float:
    """A building's height in metres: ``height`` (``12``, ``12.5 m``), else
    ``building:levels`` × :data:`LEVEL_HEIGHT_M`, else NaN."""
    height = _metres(tags.get("height", ""))
    if not math.isnan(height):
        return height
    levels = _metres(tags.get("building:levels", ""))
    return levels * LEVEL_HEIGHT_M if not math.isnan(levels) else math.nan


def _ragged(
    sequences: list[list[tuple[float, float]]],
) -> tuple[np.ndarray, np.ndarray]:
    """Flat coordinates and the index of the sequence each belongs to."""
    if not sequences:
        return np.empty((0, 2)), np.empty(0, dtype=np.intp)
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.intp, count=len(sequences))
    coords = np.asarray([c for s in sequences for c in s], dtype=float).reshape(-1, 2)
    return coords, np.repeat(np.arange(len(sequences)), lengths)


def _empty(columns: dict[str, str]) -> gpd.GeoDataFrame:
    frame = {name: pd.Series(dtype=dtype) for name, dtype in columns.items()}
    return gpd.GeoDataFrame(
        frame, geometry=gpd.GeoSeries([], crs=settings.STORAGE_CRS), crs=settings.STORAGE_CRS
    )


def is_obstacle(tags: Mapping[str, Any]) -> bool:
    """Whether a building hides what lies behind it at street level. A roof
    (``building=roof``: a canopy, a petrol station's roof) stands on pillars, and an
    underground structure (``layer`` below 0, ``location=underground``,
    ``underground=yes``, ``building=underground``) is under the street: neither blocks
    a camera's view."""
    building = str(tags.get("building", "")).strip().lower()
    if building in ("roof", "underground", "canopy", "carport"):
        return False
    if str(tags.get("location", "")).strip().lower() in ("underground", "underwater"):
        return False
    if str(tags.get("underground", "")).strip().lower() == "yes":
        return False
    try:
        if int(str(tags.get("layer", "0")).strip()) < 0:
            return False
    except ValueError:
        pass
    return True


@dataclass(frozen=True)
class ParseCounts:
    """What a parser left out or repaired.

    Parameters
    ----------
    repaired : int
        Polygons made valid.
    skipped : int
        Elements left out as unusable (unclosed ways, too few points, relations without
        usable members, nothing polygonal left; for highways: not ways, or under two points).
    not_obstacles : int
        Buildings left out because they hide nothing (roofs, underground: :func:`is_obstacle`).
    """

    repaired: int = 0
    skipped: int = 0
    not_obstacles: int = 0


def parse_buildings(data: Mapping[str, Any]) -> gpd.GeoDataFrame:
    """The buildings of :func:`read_buildings`."""
    return read_buildings(data)[0]


def parse_highways(data: Mapping[str, Any]) -> gpd.GeoDataFrame:
    """The highways of :func:`read_highways`."""
    return read_highways(data)[0]


def read_buildings(data: Mapping[str, Any]) -> tuple[gpd.GeoDataFrame, ParseCounts]:
    """Buildings from an Overpass ``out geom;`` answer.

    Closed ways become polygons; multipolygon relations are assembled from their
    members' geometry (outer and inner rings, split rings joined). Invalid polygons
    are repaired with :func:`shapely.make_valid` (keeping their polygonal parts).

    Returns
    -------
    buildings : GeoDataFrame
        ``id`` (``osm:way/…``, ``osm:relation/…``), ``height_m`` (see
        :func:`building_height`), ``geometry`` (Polygon or MultiPolygon), EPSG:4326.
    counts : ParseCounts
        Polygons repaired, elements skipped, roofs and underground structures left out.
        The data's date is :func:`osm_date` of the answer.

    Raises
    ------
    DataError
        When ``data`` is not a usable Overpass answer.
    """
    elements = _elements(data)
    way_ids: list[str] = []
    way_heights: list[float] = []
    rings: list[list[tuple[float, float]]] = []
    rel_ids: list[str] = []
    rel_heights: list[float] = []
    rel_lines: list[list[tuple[float, float]]] = []
    rel_of_line: list[int] = []
    skipped = 0
    not_obstacles = 0
    for element in elements:
        tags = element.get("tags") or {}
        kind = element.get("type")
        if not is_obstacle(tags):
            not_obstacles += 1
            continue
        if kind == "way":
            coords = _coords(element.get("geometry"))
            if not coords or len(coords) < 4 or coords[0] != coords[-1]:
                skipped += 1
                continue
            way_ids.append(osm_id("way", element.get("id")))
            way_heights.append(building_height(tags))
            rings.append(coords)
        elif kind == "relation":
            lines = [
                coords
                for member in element.get("members") or []
                if isinstance(member, Mapping)
                and member.get("type") == "way"
                and member.get("role", "") in ("outer", "inner", "")
                and (coords := _coords(member.get("geometry")))
                and len(coords) >= 2
            ]
            if not lines:
                skipped += 1
                continue
            rel_of_line.extend([len(rel_ids)] * len(lines))
            rel_lines.extend(lines)
            rel_ids.append(osm_id("relation", element.get("id")))
            rel_heights.append(building_height(tags))
        else:
            skipped += 1

    ring_coords, index = _ragged(rings)
    polygons = (
        shapely.polygons(shapely.linearrings(ring_coords, indices=index))
        if rings
        else np.empty(0, dtype=object)
    )
    if rel_lines:
        line_coords, line_index = _ragged(rel_lines)
        # types-shapely: with indices, an array of lines out, not one line
        line_geoms: np.ndarray = shapely.linestrings(  # type: ignore[assignment]
            line_coords, indices=line_index
        )
        multilines = shapely.multilinestrings(line_geoms, indices=np.asarray(rel_of_line))
        # build_area nests the rings itself: holes come from the inner rings.
        areas = shapely.build_area(shapely.line_merge(multilines))
    else:
        areas = np.empty(0, dtype=object)

    geometry = np.concatenate([polygons, areas])
    ids = np.asarray(way_ids + rel_ids, dtype=object)
    heights = np.asarray(way_heights + rel_heights, dtype=float)

    invalid = ~shapely.is_valid(geometry)
    repaired = int(invalid.sum())
    if repaired:
        geometry[invalid] = _polygonal(shapely.make_valid(geometry[invalid]))
    keep = ~(shapely.is_missing(geometry) | shapely.is_empty(geometry))
    skipped += int((~keep).sum())

    if not keep.any():
        buildings = _empty({"id": "object", "height_m": "float64"})
    else:
        buildings = gpd.GeoDataFrame(
            {"id": ids[keep], "height_m": heights[keep]},
            geometry=geometry[keep],
            crs=settings.STORAGE_CRS,
        )
    return buildings, ParseCounts(repaired, skipped, not_obstacles)


def _polygonal(geometries: np.ndarray) -> np.ndarray:
    """The polygonal parts of each geometry (None when there are none)."""
    parts, owner = shapely.get_parts(geometries, return_index=True)
    polygonal = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    parts, owner = parts[polygonal], owner[polygonal]
    out = np.full(len(geometries), None, dtype=object)
    if len(parts):
        owners, compact = np.unique(owner, return_inverse=True)
        merged = shapely.multipolygons(parts, indices=compact)
        single = shapely.get_num_geometries(merged) == 1
        merged[single] = shapely.get_geometry(merged[single], 0)
        out[owners] = merged
    return out


def read_highways(data: Mapping[str, Any]) -> tuple[gpd.GeoDataFrame, ParseCounts]:
    """Highways from an Overpass ``out geom;`` answer.

    Returns
    -------
    highways : GeoDataFrame
        ``id`` (``osm:way/…``), ``highway``, ``name`` (None when absent), ``geometry``
        (LineString; a closed pedestrian area stays its outline), EPSG:4326.
    counts : ParseCounts
        ``skipped``: elements that are not ways, or have fewer than two points.

    Raises
    ------
    DataError
        When ``data`` is not a usable Overpass answer.
    """
    elements = _elements(data)
    ids: list[str] = []
    kinds: list[str | None] = []
    names: list[str | None] = []
    lines: list[list[tuple[float, float]]] = []
    skipped = 0
    for element in elements:
        coords = _coords(element.get("geometry"))
        if element.get("type") != "way" or not coords or len(coords) < 2:
            skipped += 1
            continue
        tags = element.get("tags") or {}
        ids.append(osm_id("way", element.get("id")))
        kinds.append(tags.get("highway"))
        names.append(tags.get("name"))
        lines.append(coords)
    if not lines:
        highways = _empty({"id": "object", "highway": "object", "name": "object"})
    else:
        coords_array, index = _ragged(lines)
        highways = gpd.GeoDataFrame(
            {
                "id": pd.Series(ids, dtype=object),
                "highway": pd.Series(kinds, dtype=object),
                "name": pd.Series(names, dtype=object),
            },
            geometry=shapely.linestrings(coords_array, indices=index),
            crs=settings.STORAGE_CRS,
        )
    return highways, ParseCounts(skipped=skipped)


# ---------------------------------------------------------------------------- bundle
