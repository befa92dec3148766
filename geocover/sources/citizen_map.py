"""Cameras mapped by citizens on sous-surveillance.net, as the bundle keeps them.

The bundle's ``cameras/sous-surveillance-net-2025-06-01.geojson`` holds the site's
points with its own properties: ``zone`` (the site's city slug, not an INSEE code),
``apparence`` (``dome``, ``boite`` a box housing, ``nue`` a bare camera, ``encastre``
recessed, ``radar`` a speed or plate radar, or empty), ``direction`` (degrees; 0 is the
site's default and is read as *unknown*: 4,710 of the 25,219 points carry it), ``angle``,
``op_type`` (``public``, ``private`` or empty) and ``id_camera``.

They become the camera layer with ids ``list:sous-surveillance-net:<id_camera>``, source
``sous-surveillance.net``, location precision ``exact`` (each point was placed on the map
by a person, like an OpenStreetMap node), every original property kept in ``tags``.
"""

from __future__ import annotations

import math
from os import PathLike
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geocover.errors import DataError
from geocover.io.records import _read_records
from geocover.schema.frames import _frame, _row
from geocover.schema.ids import list_camera_id
from geocover.schema.tags import Problem, _default_fields

#: Where the bundle keeps the layer.
SOUS_SURVEILLANCE_PATH = "cameras/sous-surveillance-net-2025-06-01.geojson"
#: The list id used in camera ids.
LIST_ID = "sous-surveillance-net"
SOURCE = "sous-surveillance.net citizen map"
#: ``apparence`` → ``camera_type``: a dome turns; the other housings point one way.
APPARENCE_TYPES: dict[str, str] = {
    "dome": "dome",
    "boite": "fixed",
    "nue": "fixed",
    "encastre": "fixed",
    "radar": "fixed",
}


def _direction(value: Any) -> list[tuple[float, float]]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return []
    degrees = float(value)
    if not math.isfinite(degrees) or degrees == 0.0:
        return []
    degrees %= 360.0
    return [(degrees, degrees)]


def from_sous_surveillance(
    path: str | PathLike[str], *, area: Any = None,
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    frame, problems, _read = read_sous_surveillance(path, area=area)
    return frame, problems


def read_sous_surveillance(
    path: str | PathLike[str], *, area: Any = None,
) -> tuple[gpd.GeoDataFrame, list[Problem], int]:
    """The camera layer from a sous-surveillance.net GeoJSON (see the module docstring).

    ``area`` (a shapely geometry in the file's coordinates), when given, keeps only the
    points inside it: the others are still checked for their ids, but no row is built
    for them (Paris keeps 3,623 of 25,219).

    Returns
    -------
    cameras : GeoDataFrame
    problems : list of Problem
        Unknown ``apparence`` values (kept as ``unknown`` type).
    read : int
        Features in the file (:func:`read_sous_surveillance` only).

    Raises
    ------
    DataError
        A file that is not GeoJSON Points, a feature without ``id_camera`` or a
        duplicate id, naming the file and the feature number.
    """
    path = Path(path)
    records, _ = _read_records(path)
    keys = _camera_keys(records.props, records.rows, path)
    x, y = np.asarray(records.x, dtype=float), np.asarray(records.y, dtype=float)
    inside = (np.ones(len(x), dtype=bool) if area is None
              else shapely.contains_xy(area, x, y))
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for index in np.flatnonzero(inside).tolist():  # rows only for the points kept
        props = records.props[index]
        cid = list_camera_id(LIST_ID, keys[index])
        apparence = str(props.get("apparence") or "").strip().lower()
        camera_type = APPARENCE_TYPES.get(apparence, "unknown")
        if apparence and apparence not in APPARENCE_TYPES:
            problems.append(Problem(cid, "apparence", apparence, "unknown housing: type unknown"))
        fields = _default_fields()
        fields["camera_type"] = camera_type
        fields["directions"] = _direction(props.get("direction"))
        if apparence == "radar":
            fields["surveillance_type"] = "ALPR"
        rows.append(_row(cid, SOURCE, "exact", props, fields))
    return _frame(rows, x[inside], y[inside], records.crs), problems, len(x)


def _camera_keys(props: list[dict[str, Any]], numbers: list[int], path: Path) -> list[str]:
    """Every feature's ``id_camera``, stripped: of all of them, in or out of the area.

    Raises
    ------
    DataError
        The first feature without one, or whose id an earlier feature has.
    """
    raw = [p.get("id_camera") for p in props]
    keys = ["" if key is None else str(key).strip() for key in raw]
    if "" not in keys and len(set(keys)) == len(keys):
        return keys
    seen: dict[str, int] = {}
    for number, key in zip(numbers, keys, strict=True):
        if key == "":
            raise DataError("no id_camera", path, number)
        if key in seen:
            raise DataError(f"id_camera {key!r} also on feature {seen[key]}", path, number)
        seen[key] = number
    return keys


def load_sous_surveillance(bundle: str | PathLike[str]) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """The bundle's sous-surveillance.net layer (:data:`SOUS_SURVEILLANCE_PATH`)."""
    return from_sous_surveillance(Path(bundle) / SOUS_SURVEILLANCE_PATH)
