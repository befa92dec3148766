"""Cameras read straight from an OpenStreetMap extract (``.osm.pbf``, ``.osm``, ``.osc``)
with pyosmium, without Overpass: what a user with a national extract (France is about
4 GB) needs.

Two passes over the file, each keeping only what it needs in memory: the first collects
every ``man_made=surveillance`` node (with its location) and way (with its node ids),
the second, only when there are ways, reads the locations of those ways' nodes. A way
is placed at the centre of its nodes' bounding box, as Overpass's ``out center;`` does.
The elements then go through the same normalisation as an Overpass answer
(:func:`geocover.sources.osm_elements.from_overpass`): ``guard`` and other non-camera
``surveillance:type`` values are skipped and reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import geopandas as gpd

from geocover.errors import DataError
from geocover.schema.tags import Problem
from geocover.sources.osm_elements import from_overpass

_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz", ".osc", ".osc.gz", ".o5m")


@dataclass
class Extract:
    """The ``man_made=surveillance`` elements of an extract, shaped like an Overpass answer."""

    path: Path
    elements: list[dict[str, Any]]
    nodes: int
    """``man_made=surveillance`` nodes in the file."""
    ways: int
    """``man_made=surveillance`` ways in the file."""
    timestamp: str | None
    """The extract's replication timestamp (its header), when it has one."""
    bounds: tuple[float, float, float, float] | None
    """(west, south, east, north) from the header, when it has a box."""
    problems: list[Problem] = field(default_factory=list)

    def as_overpass(self) -> dict[str, Any]:
        return {"elements": self.elements, "osm3s": {"timestamp_osm_base": self.timestamp}}


def is_osm_extract(path: str | PathLike[str]) -> bool:
    """Whether ``path`` is named like an OSM extract (``.osm.pbf``, ``.osm``…)."""
    name = Path(path).name.lower()
    return any(name.endswith(s) for s in _SUFFIXES)


def _header(path: Path) -> tuple[str | None, tuple[float, float, float, float] | None]:
    import osmium

    reader = osmium.io.Reader(str(path), osmium.osm.NOTHING)
    try:
        header = reader.header()
        stamp = header.get("osmosis_replication_timestamp") or header.get("timestamp") or None
        box = header.box()
        bounds = None
        if box.valid():
            bounds = (box.bottom_left.lon, box.bottom_left.lat,
                      box.top_right.lon, box.top_right.lat)
    finally:
        reader.close()
    return stamp, bounds


def read_extract(path: str | PathLike[str]) -> Extract:
    """Every ``man_made=surveillance`` node and way of an OSM extract.

    Raises
    ------
    DataError
        The file is missing or not an OSM file pyosmium can read.
    """
    import osmium

    path = Path(path)
    if not path.is_file():
        raise DataError("no such file (an OSM extract, .osm.pbf, was expected)", path)
    wanted = osmium.filter.TagFilter(("man_made", "surveillance"))
    elements: list[dict[str, Any]] = []
    way_refs: dict[int, list[int]] = {}
    way_tags: dict[int, dict[str, str]] = {}
    nodes = 0
    try:
        stamp, bounds = _header(path)
        processor = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        for obj in processor.with_filter(wanted):
            if isinstance(obj, osmium.osm.Node):
                nodes += 1
                loc = obj.location
                if not loc.valid():
                    continue
                elements.append({"type": "node", "id": obj.id, "lat": loc.lat, "lon": loc.lon,
                                 "tags": {t.k: t.v for t in obj.tags}})
            elif isinstance(obj, osmium.osm.Way):
                way_refs[obj.id] = [n.ref for n in obj.nodes]
                way_tags[obj.id] = {t.k: t.v for t in obj.tags}
        if way_refs:
            needed = {ref for refs in way_refs.values() for ref in refs}
            where: dict[int, tuple[float, float]] = {}
            second = osmium.FileProcessor(str(path), osmium.osm.NODE)
            for node in second.with_filter(osmium.filter.IdFilter(needed)):
                if isinstance(node, osmium.osm.Node) and node.location.valid():
                    where[node.id] = (node.location.lon, node.location.lat)
            for wid, refs in way_refs.items():
                points = [where[r] for r in refs if r in where]
                element: dict[str, Any] = {"type": "way", "id": wid, "tags": way_tags[wid]}
                if points:
                    xs, ys = [p[0] for p in points], [p[1] for p in points]
                    element["center"] = {"lat": (min(ys) + max(ys)) / 2,
                                         "lon": (min(xs) + max(xs)) / 2}
                elements.append(element)
    except RuntimeError as exc:  # libosmium's errors (format, truncated file…)
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"not a readable OSM file ({first})", path) from None
    return Extract(path, elements, nodes, len(way_refs), stamp, bounds)


def cameras_from_extract(
    path: str | PathLike[str],
) -> tuple[gpd.GeoDataFrame, list[Problem], Extract]:
    """The camera layer of an OSM extract (see :func:`read_extract`), the problems met
    normalising it, and the extract's summary (counts, timestamp, header box)."""
    extract = read_extract(path)
    cameras, problems = from_overpass(extract.as_overpass())
    return cameras, problems, extract
