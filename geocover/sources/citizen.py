"""What the citizen map sous-surveillance.net holds, and reading it around a commune.

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

from os import PathLike

import geopandas as gpd
import shapely

from geocover.schema.scope import SourceScope
from geocover.sources.citizen_map import (
    LIST_ID,
    SOUS_SURVEILLANCE_PATH,
    read_sous_surveillance,
)

PATH = SOUS_SURVEILLANCE_PATH
KEY = LIST_ID
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
    """Read the sous-surveillance.net layer (with
    :func:`geocover.sources.citizen_map.from_sous_surveillance`), keeping only the cameras
    inside ``area``.

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
        ``area``), ``direction_unknown`` (kept cameras without a direction: 0 or empty).

    Raises
    ------
    DataError
        See :func:`~geocover.sources.citizen_map.from_sous_surveillance`.
    """
    frame, _, read = read_sous_surveillance(path, area=area)
    counts = {"read": read, "kept": len(frame), "outside": read - len(frame),
              "direction_unknown": int(frame["directions"].map(len).eq(0).sum())}
    return frame, counts
