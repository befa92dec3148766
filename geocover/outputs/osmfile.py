"""Contributed cameras as OSM XML for JOSM: new nodes a mapper reviews and uploads
(geocover uploads nothing).

:func:`osm_export` picks the contributed cameras OSM lacks and tags them
(:func:`osm_tags`); :func:`to_josm_xml` writes them.

The file follows the OSM XML format 0.6 as JOSM opens it: new objects have negative
ids and no version; coordinates have seven decimals (OSM's own precision, about 1 cm).
The XML is built with :mod:`xml.etree.ElementTree`, which escapes every value.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import shapely

from geocover import settings
from geocover.model.crs import metric_crs
from geocover.pipeline.contribute.policy import DUPLICATE_DISTANCE_M
from geocover.schema.contrib_tags import schema_tags
from geocover.schema.contrib_vocab import PROVENANCE_KEYS
from geocover.schema.ids import OSM, camera_family
from geocover.schema.text import tag_text
from geocover.schema.vocab import DIRECTION_KEYS

#: OSM's limit on the length of a key and of a value (characters).
MAX_TAG_LENGTH = 255
#: Keys that OSM would accept as ordinary tags: lower-case words joined by ``:`` ``_`` ``-`` ``.``.
OSM_KEY = re.compile(r"^[a-z][a-z0-9_]*(?:[:.\-][a-z0-9_]+)*$")


@dataclass(frozen=True)
class OsmNode:
    """A new node: position in WGS84 degrees and its tags."""

    lon: float
    lat: float
    tags: Mapping[str, str] = field(default_factory=dict)


def check_tags(tags: Mapping[str, str]) -> str | None:
    """Why ``tags`` cannot be uploaded to OSM as they are, or None when they can."""
    for key, value in tags.items():
        if not OSM_KEY.match(key):
            return f"key {key!r} is not an OSM key (lower-case words joined by ':' or '_')"
        if len(key) > MAX_TAG_LENGTH or len(value) > MAX_TAG_LENGTH:
            return f"tag {key} is longer than OSM's {MAX_TAG_LENGTH} characters"
        if not value.strip():
            return f"tag {key} is empty"
    return None


def to_josm_xml(nodes: Iterable[OsmNode], *, generator: str = "geocover") -> bytes:
    """OSM XML (``<osm version="0.6">``) of new nodes, ids -1, -2, …, tags sorted by key.

    Examples
    --------
    >>> xml = to_josm_xml([OsmNode(6.17, 49.12, {"man_made": "surveillance"})])
    >>> b'<node id="-1" lat="49.1200000" lon="6.1700000"' in xml
    True
    """
    root = ET.Element("osm", {"version": "0.6", "generator": generator})
    for number, node in enumerate(nodes, start=1):
        element = ET.SubElement(
            root,
            "node",
            {"id": str(-number), "lat": f"{node.lat:.7f}", "lon": f"{node.lon:.7f}",
             "visible": "true"},
        )
        for key in sorted(node.tags):
            ET.SubElement(element, "tag", {"k": key, "v": str(node.tags[key])})
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def osm_tags(record: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The OSM tags of a camera record: its contributed tags, completed from its schema
    fields, with ``man_made=surveillance`` and ``surveillance:type=camera`` when absent.

    Returns (tags, left_out): keys that are not OSM keys (list columns, provenance,
    ``geocode:*``, ``geocover:*`` such as the map's position precision) are left out and
    named.
    """
    raw = record.get("tags") or {}
    tags: dict[str, str] = {}
    left_out: list[str] = []
    for key, value in raw.items():
        text = tag_text(value)
        if text is None:
            continue
        if key in PROVENANCE_KEYS:
            continue  # who added it and when: geocover's record, not a tag
        if key.startswith(("geocode:", "geocover:")) or not OSM_KEY.match(key):
            left_out.append(key)
            continue
        tags[key] = text
    fill = schema_tags(record)
    if any(k in tags for k in DIRECTION_KEYS):
        fill.pop("camera:direction", None)
    for key, value in fill.items():
        tags.setdefault(key, value)
    tags.setdefault("man_made", "surveillance")
    tags.setdefault("surveillance:type", "camera")
    return tags, left_out


@dataclass
class OsmExport:
    """New nodes for OSM, and why each other camera was left out."""

    nodes: list[OsmNode] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    left_out_keys: set[str] = field(default_factory=set)

    def xml(self) -> bytes:
        return to_josm_xml(self.nodes)


def osm_export(
    contributions: gpd.GeoDataFrame, osm_cameras: gpd.GeoDataFrame | None = None
) -> OsmExport:
    """Select the contributed cameras not yet in OSM and tag them for JOSM.

    Left out: cameras with an ``osm:`` id, those within :data:`DUPLICATE_DISTANCE_M`
    of a camera of ``osm_cameras`` (when given), those whose location precision is not
    ``exact`` (a street-level guess must not be uploaded as a position), and those whose
    tags OSM would refuse.
    """
    export = OsmExport()
    if contributions.empty:
        return export
    frame = contributions.to_crs(settings.STORAGE_CRS)
    crs = metric_crs(frame)
    tree = None
    osm_ids: list[str] = []
    if osm_cameras is not None and not osm_cameras.empty:
        osm_metric = osm_cameras.to_crs(crs)
        tree = shapely.STRtree(osm_metric.geometry.values)
        osm_ids = list(osm_cameras["id"])
    metric = frame.to_crs(crs).geometry.values
    for index, record in enumerate(frame.to_dict("records")):
        cid = str(record["id"])
        if camera_family(cid) == OSM:
            export.skipped.append((cid, "already in OSM (osm: id)"))
            continue
        if (record.get("location_precision") or "exact") != "exact":
            export.skipped.append(
                (cid, f"location precision {record['location_precision']}: place it exactly first")
            )
            continue
        if tree is not None:
            hits = tree.query(metric[index], predicate="dwithin", distance=DUPLICATE_DISTANCE_M)
            if len(hits):
                here = metric[index]
                nearest = min(hits, key=lambda h: shapely.distance(tree.geometries[h], here))
                distance = float(shapely.distance(tree.geometries[nearest], here))
                export.skipped.append(
                    (cid, f"{distance:.1f} m from OSM camera {osm_ids[nearest]}")
                )
                continue
        tags, left_out = osm_tags({str(k): v for k, v in record.items()})
        export.left_out_keys.update(left_out)
        problem = check_tags(tags)
        if problem:
            export.skipped.append((cid, problem))
            continue
        point = record["geometry"]
        export.nodes.append(OsmNode(float(point.x), float(point.y), tags))
        export.ids.append(cid)
    return export
