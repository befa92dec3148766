"""OpenStreetMap through the Overpass API: queries for a commune, and parsers of the answers.

Queries select a commune's area by its INSEE code (``ref:INSEE`` on the
``admin_level=8`` boundary) and go through :func:`geocover.sources.http.fetch_json` (POST,
retries, cache). An answer carrying a ``remark`` (a server-side timeout or memory
limit: the elements are then incomplete) is an error and is never cached.

The parsers (:func:`parse_buildings`, :func:`parse_highways`, and
:func:`geocover.sources.osm_elements.from_overpass` for cameras) are pure functions of the
decoded answer, so the offline bundle's ``osm/*.overpass.json`` files go through the
same code as live answers (:func:`load_osm_bundle`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geocover import settings
from geocover.errors import DataError
from geocover.schema.ids import osm_id
from geocover.schema.provenance import SourceRecord
from geocover.schema.tags import Problem
from geocover.sources.communes import check_insee
from geocover.sources.http import Answer, fetch_json
from geocover.sources.osm_elements import ATTRIBUTION, from_overpass, osm_date
from geocover.sources.records import file_source

#: Metres per storey when a building's height comes from ``building:levels``.
LEVEL_HEIGHT_M: float = 3.0



def validate_insee(insee: str) -> str:
    """Check an INSEE commune code and return it normalised (``2a004`` → ``2A004``);
    raises UsageError otherwise (see :func:`geocover.sources.communes.check_insee`)."""
    return check_insee(insee)


def _header(insee: str) -> str:
    code = validate_insee(insee)
    return (
        f"[out:json][timeout:{settings.OVERPASS_TIMEOUT}];"
        f'area["boundary"="administrative"]["admin_level"="8"]["ref:INSEE"="{code}"]->.a;'
    )


def cameras_query(insee: str) -> str:
    """The Overpass QL query for the surveillance features of a commune (``out center;``)."""
    return _header(insee) + 'nwr["man_made"="surveillance"](area.a);out center;'


def buildings_query(insee: str) -> str:
    """The Overpass QL query for the buildings of a commune: ways and multipolygon
    relations, with their geometry (``out geom;``)."""
    return (
        _header(insee)
        + '(way["building"](area.a);relation["building"]["type"="multipolygon"](area.a););'
        + "out geom;"
    )


def highways_query(insee: str) -> str:
    """The Overpass QL query for the highway ways of a commune (``out geom;``)."""
    return _header(insee) + 'way["highway"](area.a);out geom;'


def check_answer(data: Any) -> None:
    """Reject an Overpass answer that must not be used or cached.

    Raises
    ------
    ValueError
        When the answer is not a JSON object with an ``elements`` list, or carries a
        ``remark`` (``runtime error: Query timed out``, ``out of memory``…).
    """
    if not isinstance(data, Mapping):
        raise ValueError("not an Overpass JSON object")
    if "remark" in data:
        raise ValueError(
            f"the server remarked {data['remark']!r}: the answer is incomplete "
            "(retry later, or raise settings.OVERPASS_TIMEOUT)"
        )
    if not isinstance(data.get("elements"), list):
        raise ValueError("no 'elements' list in the answer")


def _fetch(query: str, what: str) -> Answer:
    return fetch_json(
        settings.OVERPASS_URL, data={"data": query}, method="POST", validate=check_answer, what=what
    )


def fetch_cameras(insee: str) -> tuple[gpd.GeoDataFrame, list[Problem], Answer]:
    """The OSM cameras of a commune.

    Parameters
    ----------
    insee : str
        The commune's INSEE code.

    Returns
    -------
    cameras : GeoDataFrame
        The camera layer (see :func:`geocover.sources.osm_elements.from_overpass`).
    problems : list of Problem
    answer : Answer
        Where and when the data came from (URL, retrieval time, cache, staleness).

    Raises
    ------
    UsageError
        A malformed INSEE code.
    SourceError
        The server failed, or answered with a ``remark`` or malformed JSON, and no
        cached copy could serve.
    """
    code = validate_insee(insee)
    answer = _fetch(cameras_query(code), what=f"Overpass cameras of commune {code}")
    cameras, problems = from_overpass(answer.data)
    return cameras, problems, answer


def departement_cameras_query(departement: str) -> str:
    """The Overpass QL query for the surveillance features of a département (its
    ``admin_level=6`` boundary, ``ref:INSEE`` = the département code)."""
    from geocover.schema.regions import check_departement

    code = check_departement(departement)
    return (f"[out:json][timeout:{settings.OVERPASS_TIMEOUT}];"
            f'area["boundary"="administrative"]["admin_level"="6"]["ref:INSEE"="{code}"]->.a;'
            'nwr["man_made"="surveillance"](area.a);out center;')


def fetch_departement_cameras(departement: str) -> tuple[gpd.GeoDataFrame, list[Problem], Answer]:
    """The OSM cameras of a whole département: one request (cached like every request)."""
    answer = _fetch(departement_cameras_query(departement),
                    what=f"Overpass cameras of département {departement}")
    cameras, problems = from_overpass(answer.data)
    return cameras, problems, answer


def fetch_buildings(insee: str) -> tuple[gpd.GeoDataFrame, Answer]:
    """The OSM buildings of a commune: ``id``, ``height_m``, ``geometry`` (see
    :func:`parse_buildings`), and the answer they came from (URL, retrieval time,
    data date through :func:`osm_date`).

    Raises
    ------
    UsageError, SourceError
        As :func:`fetch_cameras`.
    """
    code = validate_insee(insee)
    answer = _fetch(buildings_query(code), what=f"Overpass buildings of commune {code}")
    return parse_buildings(answer.data), answer


def fetch_highways(insee: str) -> tuple[gpd.GeoDataFrame, Answer]:
    """The OSM highways of a commune: ``id``, ``highway``, ``name``, ``geometry`` (see
    :func:`parse_highways`), and the answer they came from.

    Raises
    ------
    UsageError, SourceError
        As :func:`fetch_cameras`.
    """
    code = validate_insee(insee)
    answer = _fetch(highways_query(code), what=f"Overpass highways of commune {code}")
    return parse_highways(answer.data), answer


# ---------------------------------------------------------------------------- parsers


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


def _read_bundle_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError("missing file in the offline bundle", path) from None
    except (OSError, ValueError) as exc:
        raise DataError(f"not an Overpass JSON answer ({exc})", path) from None


@dataclass
class OsmBundle:
    """An offline bundle's OSM extract: the three layers, the cameras' tag problems, and
    one :class:`SourceRecord` per file (dated by its ``osm3s.timestamp_osm_base``, else
    the bundle's manifest)."""

    cameras: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    highways: gpd.GeoDataFrame
    problems: list[Problem] = field(default_factory=list)
    sources: list[SourceRecord] = field(default_factory=list)


def read_osm_bundle(bundle: str | PathLike[str], name: str = "monaco") -> OsmBundle:
    """Cameras, buildings and highways from an offline bundle's Overpass answers.

    Reads ``osm/<name>-surveillance.overpass.json``, ``osm/<name>-buildings.overpass.json``
    and ``osm/<name>-highways.overpass.json``.

    Raises
    ------
    DataError
        A missing or unreadable file, named.
    """
    folder = Path(bundle) / "osm"
    frames = []
    problems: list[Problem] = []
    sources = []
    for kind, layer in (("surveillance", "cameras"), ("buildings", "buildings"),
                        ("highways", "highways")):
        path = folder / f"{name}-{kind}.overpass.json"
        data = _read_bundle_json(path)
        try:
            if kind == "surveillance":
                cameras, problems = from_overpass(data)
                frames.append(cameras)
            elif kind == "buildings":
                frames.append(parse_buildings(data))
            else:
                frames.append(parse_highways(data))
        except DataError as exc:
            raise DataError(exc.reason, path, hint=exc.hint, hint_value=exc.hint_value) from None
        sources.append(file_source(
            layer, [path], origin=f"OpenStreetMap bundle:osm/{path.name}", bundle=bundle,
            attribution=ATTRIBUTION, count=len(frames[-1]), own=osm_date(data)))
    return OsmBundle(frames[0], frames[1], frames[2], problems, sources)


def load_osm_bundle(
    bundle: str | PathLike[str], name: str = "monaco"
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Cameras, buildings and highways of :func:`read_osm_bundle` (which also gives the
    cameras' tag problems and the sources)."""
    osm = read_osm_bundle(bundle, name)
    return osm.cameras, osm.buildings, osm.highways
