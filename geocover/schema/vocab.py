"""The camera layer: its schema, and normalization from OSM tags, official lists and files.

Every source of camera sites ends up as one GeoDataFrame with the columns of
:data:`CAMERA_COLUMNS`, in EPSG:4326, one Point per camera site:

* OpenStreetMap, as an Overpass ``[out:json]`` answer (:func:`from_overpass`);
* official lists, CSV or GeoJSON, with a column mapping (:func:`from_list`,
  :func:`load_list` and the ready-made :data:`PARIS_PVPP`, :data:`PARIS_BOVP2019`);
* contributions kept in ``data/<city>/cameras.geojson`` (:func:`load_contributions`);
* any camera file given on the command line (:func:`load_cameras_file`).

What was mapped is stored as mapped: a missing height or tilt stays NaN (the
field-of-view model applies ``settings.DEFAULT_HEIGHT_M`` and
``settings.DEFAULT_TILT_DEG``), and a value that cannot be read is kept in ``tags``,
reported as a :class:`Problem`, and replaced by a documented default: never a crash,
never a silent guess. The tag grammar is documented for mappers in ``docs/cameras.md``.
"""

from __future__ import annotations

import datetime as dt

#: The columns of the camera layer, in order.
CAMERA_COLUMNS: list[str] = [
    "id",
    "source",
    "camera_type",
    "directions",
    "height_m",
    "tilt_deg",
    "surveillance",
    "surveillance_type",
    "zone",
    "mount",
    "operator",
    "installed",
    "check_date",
    "location_precision",
    "name",
    "notes",
    "tags",
    "geometry",
]
#: Values of ``camera_type`` (the one definition: the fields of view, the map, the
#: contributions and the web form derive theirs from it).
CAMERA_TYPES: tuple[str, ...] = ("fixed", "dome", "panning", "unknown")
#: The ``camera:type`` values of OpenStreetMap that name a type.
OSM_CAMERA_TYPES: tuple[str, ...] = tuple(t for t in CAMERA_TYPES if t != "unknown")
#: Other ``camera:type`` values read as one of :data:`CAMERA_TYPES`.
CAMERA_TYPE_ALIASES: dict[str, str] = {"static": "fixed"}
#: Values of ``location_precision``, from the finest to the coarsest.
PRECISIONS: tuple[str, ...] = ("exact", "crossing", "street", "commune")
#: Values of ``surveillance`` (what the camera watches: public space, private outdoor, indoor).
SURVEILLANCE_VALUES: tuple[str, ...] = ("public", "outdoor", "indoor")
#: The keys read for a camera's direction, in order of preference.
DIRECTION_KEYS: tuple[str, ...] = ("camera:direction", "direction", "surveillance:direction")
#: ``surveillance:type`` values kept as cameras (compared case-insensitively; OSM writes
#: ``camera`` and ``ALPR``); ``guard`` is a person.
CAMERA_SURVEILLANCE_TYPES: tuple[str, ...] = ("camera", "alpr")

_FLOAT_COLUMNS = ("height_m", "tilt_deg")
#: Column names read as the latitude and the longitude of a point (case ignored), in
#: every table of cameras: ``--cameras`` files, official lists, contributions.
LAT_NAMES: tuple[str, ...] = ("lat", "latitude", "y")
LON_NAMES: tuple[str, ...] = ("lon", "lng", "long", "longitude", "x")
#: Heights above this are rejected as implausible for a camera (metres); contributions
#: refuse more (``MAX_CONTRIB_HEIGHT_M`` of :mod:`geocover.schema.contrib_vocab`).
MAX_CAMERA_HEIGHT_M: float = 300.0
#: Words official lists use for "date unknown" (compared case-insensitively).
UNKNOWN_DATE_WORDS: frozenset[str] = frozenset({"inconnue", "inconnu", "unknown", "?", "nc", "n/a"})
# Spreadsheet day numbers (days since 1899-12-30) accepted as dates: 1970-01-01 to 2099-12-31.
_SERIAL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_RANGE = (25569, 73050)
