"""Cameras from an Overpass ``[out:json]`` answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd

from geocover.errors import DataError
from geocover.schema.blank import text_or_none
from geocover.schema.frames import _frame, _row
from geocover.schema.ids import OSM, osm_id
from geocover.schema.provenance import DATE_UNKNOWN, DataDate
from geocover.schema.tags import Problem, is_camera_surveillance_type, parse_tags

# ------------------------------------------------------------------------ Overpass


def from_overpass(data: Mapping[str, Any]) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Normalize an Overpass ``[out:json]`` answer (``out center;``) into the camera layer.

    Only ``man_made=surveillance`` elements whose ``surveillance:type`` is ``camera``
    or ``ALPR`` are kept; one without ``surveillance:type`` is kept as a camera and
    reported; other elements (``guard``, ``outpost``…) are skipped and reported.
    Nodes are placed at their ``lat``/``lon``, ways and relations at their ``center``.

    Parameters
    ----------
    data : mapping
        The decoded answer, with an ``elements`` list.

    Returns
    -------
    cameras : GeoDataFrame
        Ids ``osm:node/…``, ``osm:way/…``, ``osm:relation/…``; source ``osm``;
        location precision ``exact``; the raw tags in ``tags``.
    problems : list of Problem
        Skipped elements and unreadable tag values.

    Raises
    ------
    DataError
        When ``data`` is not an Overpass JSON answer.
    """
    elements = data.get("elements") if isinstance(data, Mapping) else None
    if not isinstance(elements, list):
        raise DataError("not an Overpass [out:json] answer: no 'elements' list")
    rows: list[dict[str, Any]] = []
    lons: list[float] = []
    lats: list[float] = []
    problems: list[Problem] = []
    for element in elements:
        if not isinstance(element, Mapping):
            continue
        cid = osm_id(element.get("type"), element.get("id"))
        tags = element.get("tags") or {}
        if tags.get("man_made") != "surveillance":
            problems.append(
                Problem(cid, "man_made", tags.get("man_made"), "not man_made=surveillance: skipped")
            )
            continue
        kind = text_or_none(tags.get("surveillance:type"))
        if kind is not None and not is_camera_surveillance_type(kind):
            problems.append(
                Problem(cid, "surveillance:type", kind, "not a camera (camera or ALPR): skipped")
            )
            continue
        where = element if element.get("type") == "node" else element.get("center") or {}
        lat, lon = where.get("lat"), where.get("lon")
        if not isinstance(lat, (int, float)) or not isinstance(lon, (int, float)):
            problems.append(
                Problem(cid, "center", None, "no coordinates (query with 'out center;'): skipped")
            )
            continue
        fields, tag_problems = parse_tags(tags, cid)
        problems.extend(tag_problems)
        if kind is None:
            problems.append(
                Problem(cid, "surveillance:type", None, "missing: kept as a camera; please tag it")
            )
        rows.append(_row(cid, OSM, "exact", tags, fields))
        lons.append(float(lon))
        lats.append(float(lat))
    return _frame(rows, lons, lats), problems


#: Licence and attribution of OpenStreetMap data.
LICENCE = "ODbL"
ATTRIBUTION = "© OpenStreetMap contributors, ODbL"


def osm_date(data: Any) -> DataDate:
    """The date of an Overpass answer's data: its ``osm3s.timestamp_osm_base`` (the
    moment of the OSM database it was answered from), or unknown."""
    base = (data.get("osm3s") or {}).get("timestamp_osm_base") if isinstance(data, Mapping) \
        else None
    if base:
        return DataDate(str(base), "osm3s.timestamp_osm_base", LICENCE, ATTRIBUTION)
    return DataDate(None, f"{DATE_UNKNOWN}: no osm3s.timestamp_osm_base in the answer",
                    LICENCE, ATTRIBUTION)
