"""The citizen map sous-surveillance.net as a camera layer.

The bundle's ``cameras/sous-surveillance-net-2025-06-01.geojson`` holds the map's
cameras as published: ``zone`` (a city slug), ``apparence`` (the look of the camera),
``direction`` (degrees; 0 often means "not given"), ``angle``, ``op_type`` (public,
private or empty) and ``id_camera``. Its vocabulary maps to the camera schema:

======================  ===============  =============================================
``apparence``           ``camera_type``  why
======================  ===============  =============================================
``dome``                dome             a dome housing, turns
``boite``               fixed            a box housing: a fixed camera
``nue``                 fixed            a bare camera on a bracket: fixed
``encastre``            fixed            recessed in a wall or ceiling: cannot turn
``radar``               fixed            a speed / ALPR radar (``surveillance_type`` alpr)
empty                   unknown
======================  ===============  =============================================

``direction`` 0 is read as *unknown* (the map stores 0 when nothing was entered, so a
true north-facing camera is lost: said in ``docs/cameras.md``); other values give one
direction. ``op_type`` is kept in ``operator_type`` terms: ``public`` → a public operator
(which one unknown), ``private`` → private. Cameras outside ``area`` (France, or a
commune's surroundings) are left out and counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geocover.errors import DataError
from geocover.io.records import _read_json
from geocover.schema.blank import text_or_none as _text
from geocover.schema.frames import _frame, _row
from geocover.schema.scope import SourceScope
from geocover.schema.tags import _default_fields

PATH = "cameras/sous-surveillance-net-2025-06-01.geojson"
KEY = "sous-surveillance-net"
#: What the citizen map holds.
SCOPE = SourceScope(
    key=f"list:{KEY}",
    kind="citizen_map",
    label="sous-surveillance.net citizen map (2025-06-01)",
    operator="mixed",
    exhaustive=False,
    vintage="2025-06-01",
    family=KEY,
    dated=False,
)
APPARENCE_TYPES: dict[str, str] = {
    "dome": "dome",
    "boite": "fixed",
    "nue": "fixed",
    "encastre": "fixed",
    "radar": "fixed",
}
OP_TYPES: dict[str, str] = {"public": "public", "private": "private"}


def load_citizen_map(
    path: str | PathLike[str], *, area: shapely.Geometry | None = None
) -> tuple[gpd.GeoDataFrame, dict[str, int]]:
    """Read the sous-surveillance.net layer.

    Parameters
    ----------
    path : path-like
        The GeoJSON file.
    area : shapely geometry, optional
        Keep only the cameras inside it (EPSG:4326): France, or the surroundings of a
        commune. Without it every camera is kept.

    Returns
    -------
    cameras : GeoDataFrame
        The camera layer; ids ``list:sous-surveillance-net:<id_camera>``; the raw
        properties in ``tags`` (``op_type`` among them).
    counts : dict
        ``read`` (features in the file), ``kept``, ``outside`` (left out: outside
        ``area``), ``direction_unknown`` (kept cameras whose direction is 0 or empty).

    Raises
    ------
    DataError
        Not a GeoJSON FeatureCollection of Points, a feature without ``id_camera``.
    """
    path = Path(path)
    data = _read_json(path)
    features = data.get("features") if isinstance(data, Mapping) else None
    if not isinstance(features, list):
        raise DataError("not a GeoJSON FeatureCollection", path)
    xs, ys, props = [], [], []
    for row, feature in enumerate(features, start=1):
        geometry = (feature or {}).get("geometry") or {}
        coords = geometry.get("coordinates")
        if geometry.get("type") != "Point" or not isinstance(coords, list) or len(coords) < 2:
            raise DataError("not a Point", path, row)
        xs.append(float(coords[0]))
        ys.append(float(coords[1]))
        props.append((row, feature.get("properties") or {}))
    keep = np.ones(len(xs), dtype=bool)
    if area is not None and len(xs):
        keep = shapely.contains_xy(area, np.asarray(xs), np.asarray(ys))
    rows: list[dict[str, Any]] = []
    kx, ky = [], []
    unknown_direction = 0
    for inside, x, y, (row, p) in zip(keep, xs, ys, props, strict=True):
        if not inside:
            continue
        key = _text(p.get("id_camera"))
        if key is None:
            raise DataError("no id_camera", path, row)
        fields = _default_fields()
        look = (_text(p.get("apparence")) or "").lower()
        fields["camera_type"] = APPARENCE_TYPES.get(look, "unknown")
        if look == "radar":
            fields["surveillance_type"] = "alpr"
        direction = p.get("direction")
        if (
            isinstance(direction, (int, float))
            and not isinstance(direction, bool)
            and direction % 360 != 0
        ):
            d = float(direction) % 360
            fields["directions"] = [(d, d)]
        else:
            unknown_direction += 1
        fields["zone"] = _text(p.get("zone"))
        rows.append(_row(f"list:{KEY}:{key}", SCOPE.label, "exact", dict(p), fields))
        kx.append(x)
        ky.append(y)
    counts = {
        "read": len(xs),
        "kept": len(rows),
        "outside": int(len(xs) - len(rows)),
        "direction_unknown": unknown_direction,
    }
    return _frame(rows, kx, ky), counts
