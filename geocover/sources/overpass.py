"""OpenStreetMap through the Overpass API: queries for a commune, and their answers.

Queries select a commune's area by its INSEE code (``ref:INSEE`` on the
``admin_level=8`` boundary) and go through :func:`geocover.sources.http.fetch_json` (POST,
retries, cache). An answer carrying a ``remark`` (a server-side timeout or memory
limit: the elements are then incomplete) is an error and is never cached.

The parsers (:func:`~geocover.sources.osm_ways.parse_buildings`,
:func:`~geocover.sources.osm_ways.parse_highways`, re-exported here, and
:func:`geocover.sources.osm_elements.from_overpass` for cameras) are pure functions of the
decoded answer, so the offline bundle's ``osm/*.overpass.json`` files go through the
same code as live answers (:func:`load_osm_bundle`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from geocover import settings
from geocover.errors import DataError
from geocover.io.collector import loads as json_loads
from geocover.io.guard import read_input_bytes
from geocover.schema.provenance import SourceRecord
from geocover.schema.tags import Problem
from geocover.sources.communes import check_insee
from geocover.sources.osm_elements import ATTRIBUTION, from_overpass, osm_date
from geocover.sources.osm_ways import (  # noqa: F401  (parsers, re-exported)
    ParseCounts,
    building_height,
    check_answer,
    is_obstacle,
    parse_buildings,
    parse_highways,
    read_buildings,
    read_highways,
)
from geocover.sources.records import file_source

if TYPE_CHECKING:
    from geocover.sources.http import Answer


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




def _fetch(query: str, what: str) -> Answer:
    from geocover.sources.http import fetch_json  # live only: the bundle's copies need no client

    return fetch_json(
        settings.OVERPASS_URL, data={"data": query}, method="POST", validate=check_answer,
        what=what, source="overpass",
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


def _read_bundle_json(path: Path) -> Any:
    if not path.exists():
        raise DataError("missing file in the offline bundle", path)
    try:
        return json_loads(read_input_bytes(path).decode("utf-8"))
    except RecursionError:
        raise DataError("nested too deeply to be an Overpass answer", path) from None
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
