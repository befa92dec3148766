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

import csv
import datetime as dt
import io
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import settings
from .errors import DataError, UsageError

__all__ = [
    "CAMERA_COLUMNS",
    "CAMERA_TYPES",
    "DIRECTION_KEYS",
    "PARIS_BOVP2019",
    "PARIS_PVPP",
    "PRECISIONS",
    "SURVEILLANCE_VALUES",
    "ListDefinition",
    "Problem",
    "cameras_from_geojson",
    "cameras_to_geojson",
    "empty_cameras",
    "from_list",
    "from_overpass",
    "is_blank",
    "load_cameras_file",
    "load_contributions",
    "load_list",
    "parse_camera_type",
    "parse_date",
    "parse_direction",
    "parse_height",
    "parse_surveillance",
    "parse_tags",
    "parse_tilt",
]

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
#: Values of ``camera_type``.
CAMERA_TYPES: tuple[str, ...] = ("fixed", "dome", "panning", "unknown")
#: Values of ``location_precision``, from the finest to the coarsest.
PRECISIONS: tuple[str, ...] = ("exact", "crossing", "street", "commune")
#: Values of ``surveillance`` (what the camera watches: public space, private outdoor, indoor).
SURVEILLANCE_VALUES: tuple[str, ...] = ("public", "outdoor", "indoor")
#: The keys read for a camera's direction, in order of preference.
DIRECTION_KEYS: tuple[str, ...] = ("camera:direction", "direction", "surveillance:direction")
#: ``surveillance:type`` values kept as cameras (compared case-insensitively).
CAMERA_SURVEILLANCE_TYPES: tuple[str, ...] = ("camera", "alpr")

_FLOAT_COLUMNS = ("height_m", "tilt_deg")
_ID_PREFIXES = ("osm:", "list:", "contrib:")
_LAT_NAMES = ("lat", "latitude", "y")
_LON_NAMES = ("lon", "lng", "longitude", "x")
#: Heights above this are rejected as implausible for a camera (metres).
MAX_CAMERA_HEIGHT_M: float = 300.0
#: Words official lists use for "date unknown" (compared case-insensitively).
UNKNOWN_DATE_WORDS: frozenset[str] = frozenset({"inconnue", "inconnu", "unknown", "?", "nc", "n/a"})
# Spreadsheet day numbers (days since 1899-12-30) accepted as dates: 1970-01-01 to 2099-12-31.
_SERIAL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_RANGE = (25569, 73050)


@dataclass(frozen=True)
class Problem:
    """A value that could not be used as given.

    The value is kept in the camera's ``tags`` and a documented default is used
    instead; a problem tells the mapper what to fix.

    Parameters
    ----------
    id : str
        The camera's id (``osm:node/123``, ``list:paris-bovp2019:1051``…).
    key : str
        The tag or column that holds the value.
    value : object
        The value as found.
    reason : str
        What is wrong, and what was done instead.
    """

    id: str
    key: str
    value: Any
    reason: str

    def __str__(self) -> str:
        return f"{self.id}: {self.key}={self.value!r}: {self.reason}"


# --------------------------------------------------------------------------- tag grammar

_COMPASS: dict[str, float] = {
    name: index * 22.5
    for index, name in enumerate(
        "N NNE NE ENE E ESE SE SSE S SSW SW WSW W WNW NW NNW".split()
    )
}
_DEGREES = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)")


def _bearing(token: str, item: str) -> float:
    """Degrees clockwise from north of one token (number or compass letters), not normalised."""
    upper = token.upper()
    if upper in _COMPASS:
        return _COMPASS[upper]
    if _DEGREES.fullmatch(token):
        return float(token)
    if re.fullmatch(r"\d+,\d+", token):
        hint = "; use '.' as the decimal separator"
    elif token.endswith("°"):
        hint = "; drop the degree sign"
    elif re.fullmatch(r"[A-Za-z]+", token):
        hint = "; compass directions are the 16 points N, NNE, NE, ENE, E, … NW, NNW"
    else:
        hint = ""
    raise ValueError(
        f"{token!r} in {item!r} is neither degrees (0-360 clockwise from north) "
        f"nor a compass direction{hint}"
    )


def _direction_item(item: str) -> tuple[float, float]:
    if "-" not in item:
        degrees = _bearing(item, item) % 360
        return (degrees, degrees)
    start, _, end = (part.strip() for part in item.partition("-"))
    if not start:
        raise ValueError(
            f"{item!r} has no start: negative degrees are not allowed "
            "(write 270, not -90) and a range is 'start-end'"
        )
    if not end or "-" in end:
        raise ValueError(f"{item!r} is not a range 'start-end' (one '-', a value on each side)")
    raw_start, raw_end = _bearing(start, item), _bearing(end, item)
    start_deg, end_deg = raw_start % 360, raw_end % 360
    if start_deg == end_deg and raw_start != raw_end:
        return (0.0, 360.0)  # 0-360: all round
    return (start_deg, end_deg)


def parse_direction(value: str) -> list[tuple[float, float]]:
    """Parse a ``camera:direction`` value into clockwise degree ranges.

    Grammar: a ``;``-separated list of items; an item is a direction or a range
    ``start-end`` read clockwise. A direction is degrees (integer or decimal,
    clockwise from north, normalised modulo 360) or one of the 16 compass points
    (N, NNE, NE, ENE, E, ESE, SE, SSE, S, SSW, SW, WSW, W, WNW, NW, NNW, any case).
    Whitespace around items and around ``-`` is ignored.

    Parameters
    ----------
    value : str
        The tag value.

    Returns
    -------
    list of (float, float)
        One ``(start, end)`` pair per item, both in [0, 360). An exact direction
        ``d`` gives ``(d, d)``; a range through north has ``start > end``
        (``350-10`` gives ``(350, 10)``); ``0-360`` (all round) gives ``(0, 360)``.

    Raises
    ------
    ValueError
        When the value does not follow the grammar; the message says what is wrong.

    Examples
    --------
    >>> parse_direction("370")
    [(10.0, 10.0)]
    >>> parse_direction("NE; 350-10")
    [(45.0, 45.0), (350.0, 10.0)]
    """
    if not isinstance(value, str):
        raise ValueError(f"a direction is text, not {type(value).__name__}")
    if not value.strip():
        raise ValueError("empty direction")
    ranges = []
    for item in value.split(";"):
        item = item.strip()
        if not item:
            raise ValueError(f"empty item in the ';'-separated list {value!r}")
        ranges.append(_direction_item(item))
    return ranges


def parse_camera_type(value: str) -> str:
    """Parse ``camera:type``: ``fixed``, ``dome`` or ``panning`` (``static`` means fixed).

    Parameters
    ----------
    value : str
        The tag value (case and surrounding spaces ignored).

    Returns
    -------
    str
        One of :data:`CAMERA_TYPES`.

    Raises
    ------
    ValueError
        For any other value (the normalizers then use ``unknown`` and report it).
    """
    text = str(value).strip().lower()
    if text in CAMERA_TYPES:
        return text
    if text == "static":
        return "fixed"
    raise ValueError(f"unknown camera type {value!r}: expected fixed, dome or panning")


def _number_with_unit(value: str, what: str) -> float:
    text = str(value).strip()
    if re.search(r"(['\"′″]|\bft\b|feet|foot)", text, flags=re.IGNORECASE):
        raise ValueError(f"{what} in feet is not supported: give metres (e.g. 5 or 5 m)")
    if re.fullmatch(r"-?\d+,\d+\s*m?", text):
        raise ValueError(f"{what} {value!r}: use '.' as the decimal separator")
    match = re.fullmatch(r"(-?(?:\d+(?:\.\d*)?|\.\d+))\s*(m|metres|meters)?", text, re.IGNORECASE)
    if not match:
        raise ValueError(f"{what} {value!r} is not a number of metres (e.g. 5, 4.5 or 5 m)")
    return float(match.group(1))


def parse_height(value: str | float) -> float:
    """Parse a camera's ``height`` in metres: ``5``, ``4.5``, ``5 m``, ``5m``.

    Raises
    ------
    ValueError
        For feet, other units, text, or a height not in (0, :data:`MAX_CAMERA_HEIGHT_M`].
    """
    height = float(value) if isinstance(value, (int, float)) else _number_with_unit(value, "height")
    if not 0 < height <= MAX_CAMERA_HEIGHT_M:
        raise ValueError(
            f"height {value!r} is implausible for a camera "
            f"(expected more than 0 and at most {MAX_CAMERA_HEIGHT_M:g} m)"
        )
    return height


def parse_tilt(value: str | float) -> float:
    """Parse ``camera:angle``: degrees below the horizontal, 0 (horizontal) to 90 (straight down).

    Raises
    ------
    ValueError
        For anything but a number in [0, 90].
    """
    if isinstance(value, (int, float)):
        tilt = float(value)
    else:
        text = str(value).strip()
        if not re.fullmatch(r"-?(?:\d+(?:\.\d*)?|\.\d+)", text):
            raise ValueError(f"camera angle {value!r} is not a number of degrees (e.g. 15)")
        tilt = float(text)
    if not 0 <= tilt <= 90:
        raise ValueError(
            f"camera angle {value!r} is out of range: degrees below the horizontal, 0 to 90"
        )
    return tilt


def parse_surveillance(value: str) -> str:
    """Parse ``surveillance``: ``public``, ``outdoor`` or ``indoor`` (case ignored).

    Raises
    ------
    ValueError
        For any other value.
    """
    text = str(value).strip().lower()
    if text not in SURVEILLANCE_VALUES:
        raise ValueError(f"unknown surveillance {value!r}: expected public, outdoor or indoor")
    return text


def parse_date(value: str) -> str:
    """Check an OSM-style date (``check_date``, ``start_date``): ``YYYY``, ``YYYY-MM`` or
    ``YYYY-MM-DD``.

    Returns
    -------
    str
        The date as given, stripped (ISO 8601, possibly reduced precision).

    Raises
    ------
    ValueError
        For any other form or an impossible date (``2023-02-30``).
    """
    text = str(value).strip()
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text)
    if not match:
        raise ValueError(f"date {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        dt.date(year or 1, month or 1, day or 1)
    except ValueError as exc:
        raise ValueError(f"date {value!r} does not exist ({exc})") from None
    return text


# ------------------------------------------------------------------------ tags → fields


def is_blank(value: Any) -> bool:
    """None, NaN or white space: a value that was not given."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _text(value: Any) -> str | None:
    return None if is_blank(value) else str(value).strip()


def _default_fields() -> dict[str, Any]:
    return {
        "camera_type": "unknown",
        "directions": [],
        "height_m": math.nan,
        "tilt_deg": math.nan,
        "surveillance": None,
        "surveillance_type": None,
        "zone": None,
        "mount": None,
        "operator": None,
        "installed": None,
        "check_date": None,
        "name": None,
        "notes": None,
    }


_HEIGHT_DEFAULT_NOTE = (
    f"height left unknown (the field-of-view model assumes {settings.DEFAULT_HEIGHT_M:g} m)"
)
_TILT_DEFAULT_NOTE = (
    f"tilt left unknown (the field-of-view model assumes {settings.DEFAULT_TILT_DEG:g}°)"
)


def parse_tags(tags: Mapping[str, Any], id: str = "") -> tuple[dict[str, Any], list[Problem]]:
    """Read a camera's schema fields from its OSM tags.

    Keys read: ``camera:type``; ``camera:direction``, else ``direction``, else
    ``surveillance:direction`` (a malformed value is reported and the next key is
    tried); ``height``; ``camera:angle``; ``surveillance``; ``surveillance:type``;
    ``surveillance:zone``; ``camera:mount``; ``operator``; ``start_date``
    (→ ``installed``); ``check_date`` (else ``survey:date``); ``name``; ``note``
    (else ``description``, → ``notes``).

    Parameters
    ----------
    tags : mapping
        The raw tags; values that are not text are read as their text.
    id : str
        The camera's id, used in the problems.

    Returns
    -------
    fields : dict
        ``camera_type``, ``directions``, ``height_m``, ``tilt_deg``, ``surveillance``,
        ``surveillance_type``, ``zone``, ``mount``, ``operator``, ``installed``,
        ``check_date``, ``name``, ``notes``. Unknown values are ``unknown`` (type),
        ``[]`` (directions), NaN (height, tilt) or None.
    problems : list of Problem
        One per value that could not be used.
    """
    fields = _default_fields()
    problems: list[Problem] = []

    value = _text(tags.get("camera:type"))
    if value is not None:
        try:
            fields["camera_type"] = parse_camera_type(value)
        except ValueError as exc:
            problems.append(Problem(id, "camera:type", value, f"{exc}; using 'unknown'"))

    failed: list[tuple[str, str, str]] = []
    used = None
    for key in DIRECTION_KEYS:
        value = _text(tags.get(key))
        if value is None:
            continue
        try:
            fields["directions"] = parse_direction(value)
        except ValueError as exc:
            failed.append((key, value, str(exc)))
            continue
        used = key
        break
    for key, value, reason in failed:
        then = f"used {used} instead" if used else "direction left unknown"
        problems.append(Problem(id, key, value, f"{reason}; {then}"))

    simple = (
        ("height", "height_m", parse_height, _HEIGHT_DEFAULT_NOTE),
        ("camera:angle", "tilt_deg", parse_tilt, _TILT_DEFAULT_NOTE),
        ("surveillance", "surveillance", parse_surveillance, "left empty"),
        ("start_date", "installed", parse_date, "installation date left empty"),
    )
    for key, column, parser, fallback in simple:
        value = _text(tags.get(key))
        if value is None:
            continue
        try:
            fields[column] = parser(value)
        except ValueError as exc:
            problems.append(Problem(id, key, value, f"{exc}; {fallback}"))

    for key in ("check_date", "survey:date"):
        value = _text(tags.get(key))
        if value is None:
            continue
        try:
            fields["check_date"] = parse_date(value)
            break
        except ValueError as exc:
            problems.append(Problem(id, key, value, f"{exc}; check date left empty"))

    for key, column in (
        ("surveillance:type", "surveillance_type"),
        ("surveillance:zone", "zone"),
        ("camera:mount", "mount"),
        ("operator", "operator"),
        ("name", "name"),
    ):
        fields[column] = _text(tags.get(key))
    fields["notes"] = _text(tags.get("note")) or _text(tags.get("description"))
    return fields, problems


# ------------------------------------------------------------------------ frames


def empty_cameras() -> gpd.GeoDataFrame:
    """An empty camera layer: the columns of :data:`CAMERA_COLUMNS`, EPSG:4326."""
    columns = {
        name: pd.Series(dtype="float64" if name in _FLOAT_COLUMNS else "object")
        for name in CAMERA_COLUMNS[:-1]
    }
    return gpd.GeoDataFrame(
        columns, geometry=gpd.GeoSeries([], crs=settings.STORAGE_CRS), crs=settings.STORAGE_CRS
    )


def _frame(
    rows: list[dict[str, Any]], x: Iterable[float], y: Iterable[float], crs: Any = None
) -> gpd.GeoDataFrame:
    """The camera layer from schema rows and their coordinates (in ``crs``, default 4326)."""
    if not rows:
        return empty_cameras()
    # object dtype keeps None for unknown text (pandas 3 would infer str with NaN)
    frame = pd.DataFrame(rows, columns=CAMERA_COLUMNS[:-1], dtype=object)
    for name in _FLOAT_COLUMNS:
        frame[name] = frame[name].astype("float64")
    points = gpd.GeoSeries(
        gpd.points_from_xy(np.asarray(list(x), dtype=float), np.asarray(list(y), dtype=float)),
        crs=crs or settings.STORAGE_CRS,
    )
    if points.crs != settings.STORAGE_CRS:
        points = points.to_crs(settings.STORAGE_CRS)
    return gpd.GeoDataFrame(frame, geometry=points.values, crs=settings.STORAGE_CRS)


def _row(
    id: str, source: str, precision: str, tags: Mapping[str, Any], fields: Mapping[str, Any]
) -> dict[str, Any]:
    row = {"id": id, "source": source, "location_precision": precision, "tags": dict(tags)}
    row.update(fields)
    return row


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
        cid = f"osm:{element.get('type')}/{element.get('id')}"
        tags = element.get("tags") or {}
        if tags.get("man_made") != "surveillance":
            problems.append(
                Problem(cid, "man_made", tags.get("man_made"), "not man_made=surveillance: skipped")
            )
            continue
        kind = _text(tags.get("surveillance:type"))
        if kind is not None and kind.lower() not in CAMERA_SURVEILLANCE_TYPES:
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
        rows.append(_row(cid, "osm", "exact", tags, fields))
        lons.append(float(lon))
        lats.append(float(lat))
    return _frame(rows, lons, lats), problems


# ------------------------------------------------------------------------ reading files


@dataclass
class _Records:
    """Rows read from a file: properties, and a point per row in ``crs``."""

    rows: list[int] = field(default_factory=list)
    props: list[dict[str, Any]] = field(default_factory=list)
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    crs: Any = None
    coordinate_keys: tuple[str, ...] = ()


_GEOJSON_SUFFIXES = (".geojson", ".json")
_CSV_SUFFIXES = (".csv", ".tsv", ".txt")
_WGS84_NAMES = (
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "EPSG:4326",
)


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError("file not found", path) from None
    except UnicodeDecodeError:
        raise DataError("not a GeoJSON file (not UTF-8 text)", path) from None
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror})", path) from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise DataError(f"not a GeoJSON file: invalid JSON ({exc})", path) from None


def _check_lonlat(x: float, y: float, path: Path | None, row: int) -> None:
    if not (math.isfinite(x) and math.isfinite(y)):
        raise DataError("coordinates are not finite numbers", path, row)
    if not (-180 <= x <= 180 and -90 <= y <= 90):
        raise DataError(
            f"coordinates ({x:g}, {y:g}) are not WGS84 longitude/latitude: are they "
            "projected (e.g. Lambert-93)? give degrees, or a GeoJSON with its CRS",
            path,
            row,
        )


def _geojson_records(data: Any, path: Path | None) -> _Records:
    if isinstance(data, Mapping) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        raise DataError("not GeoJSON: expected a FeatureCollection of Point features", path)
    features = data.get("features")
    if not isinstance(features, list):
        raise DataError("not GeoJSON: 'features' is not a list", path)
    records = _Records()
    crs_name = ((data.get("crs") or {}).get("properties") or {}).get("name")
    if crs_name and crs_name not in _WGS84_NAMES:
        records.crs = crs_name
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            raise DataError("not a GeoJSON Feature", path, number)
        geometry = feature.get("geometry")
        if not geometry:
            raise DataError("missing coordinates: the feature has no geometry", path, number)
        kind = geometry.get("type") if isinstance(geometry, Mapping) else None
        if kind != "Point":
            raise DataError(
                f"a camera is a Point, not a {kind}: draw one point per camera site", path, number
            )
        coordinates = geometry.get("coordinates")
        if (
            not isinstance(coordinates, list)
            or len(coordinates) < 2
            or not all(isinstance(c, (int, float)) for c in coordinates[:2])
        ):
            raise DataError("missing coordinates: the Point has no [lon, lat]", path, number)
        x, y = float(coordinates[0]), float(coordinates[1])
        if records.crs is None:
            _check_lonlat(x, y, path, number)
        properties = feature.get("properties") or {}
        if not isinstance(properties, Mapping):
            raise DataError("'properties' is not an object", path, number)
        records.rows.append(number)
        records.props.append(dict(properties))
        records.x.append(x)
        records.y.append(y)
    return records


def _find_column(header: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {column.strip().lower(): column for column in header}
    for name in names:
        if name in lowered:
            return lowered[name]
    return None


def _coordinate(value: str | None, path: Path, row: int, column: str) -> float:
    if is_blank(value):
        raise DataError(f"missing coordinates (column {column!r} is empty)", path, row)
    text = str(value).strip()
    if re.fullmatch(r"-?\d+,\d+", text):
        text = text.replace(",", ".")  # a French spreadsheet's decimal comma
    try:
        return float(text)
    except ValueError:
        raise DataError(f"column {column!r}: {value!r} is not a number", path, row) from None


def _csv_records(
    path: Path, lat: str | None = None, lon: str | None = None
) -> _Records:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError("file not found", path) from None
    except UnicodeDecodeError:
        raise DataError("not a CSV file in UTF-8: save it as UTF-8 text", path) from None
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror})", path) from None
    if "\x00" in text:
        raise DataError("not a CSV file (binary content)", path)
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise DataError("empty file: expected a header line naming the columns", path)
    delimiter = max(";,\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [column.strip() for column in next(reader)]
    lat_column = lat or _find_column(header, _LAT_NAMES)
    lon_column = lon or _find_column(header, _LON_NAMES)
    for given, found in ((lat, lat_column), (lon, lon_column)):
        if given is not None and given not in header:
            raise DataError(f"no column {given!r} in the header", path, 1)
    if lat_column is None or lon_column is None:
        raise DataError(
            "not a camera table: no coordinate columns (expected lat/latitude/y and "
            f"lon/lng/longitude/x; found {', '.join(header)})",
            path,
            1,
        )
    records = _Records(coordinate_keys=(lat_column, lon_column))
    for line_number, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(values) > len(header):
            raise DataError(
                f"{len(values)} values for {len(header)} columns (check the delimiter "
                f"{delimiter!r} and the quoting)",
                path,
                line_number,
            )
        properties = dict(zip(header, values + [""] * (len(header) - len(values))))
        x = _coordinate(properties.get(lon_column), path, line_number, lon_column)
        y = _coordinate(properties.get(lat_column), path, line_number, lat_column)
        _check_lonlat(x, y, path, line_number)
        records.rows.append(line_number)
        records.props.append(properties)
        records.x.append(x)
        records.y.append(y)
    return records


def _ogr_records(path: Path) -> _Records:
    """Any other vector format GDAL reads (GeoPackage, Shapefile, FlatGeobuf…)."""
    import pyogrio

    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises several GDAL error types
        raise DataError(
            f"not a geospatial file GeoJSON, CSV or GDAL can read ({type(exc).__name__}: {exc})",
            path,
        ) from None
    geometry = frame.geometry.values
    kinds = shapely.get_type_id(geometry)
    bad = np.flatnonzero(kinds != shapely.GeometryType.POINT)
    if bad.size:
        first = int(bad[0])
        kind = "no geometry" if geometry[first] is None else geometry[first].geom_type
        raise DataError(
            f"a camera is a Point, not {kind}: draw one point per camera site", path, first + 1
        )
    records = _Records(crs=frame.crs or settings.STORAGE_CRS)
    records.x = shapely.get_x(geometry).tolist()
    records.y = shapely.get_y(geometry).tolist()
    records.rows = list(range(1, len(frame) + 1))
    attributes = frame.drop(columns=frame.geometry.name)
    records.props = [
        {k: (None if is_blank(v) else v) for k, v in row.items()}
        for row in attributes.to_dict(orient="records")
    ]
    return records


def _read_records(
    path: Path, lat: str | None = None, lon: str | None = None
) -> tuple[_Records, Any]:
    """Read a camera file; returns the records, and the raw JSON when it was JSON."""
    suffix = path.suffix.lower()
    if suffix in _GEOJSON_SUFFIXES:
        data = _read_json(path)
        if isinstance(data, Mapping) and isinstance(data.get("elements"), list):
            return _Records(), data  # an Overpass answer
        return _geojson_records(data, path), data
    if suffix in _CSV_SUFFIXES:
        return _csv_records(path, lat, lon), None
    if not path.exists():
        raise DataError("file not found", path)
    return _ogr_records(path), None


# ------------------------------------------------------------------------ schema values


def _directions_value(value: Any) -> list[tuple[float, float]]:
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError(f"directions {value!r} is not a JSON list of [start, end]") from None
    if isinstance(value, str):
        return parse_direction(value)
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"directions must be a list of [start, end] pairs, not {value!r}")
    pairs = []
    for pair in value:
        if (
            not isinstance(pair, (list, tuple))
            or len(pair) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pair)
        ):
            raise ValueError(f"directions: {pair!r} is not a [start, end] pair of degrees")
        start, end = float(pair[0]), float(pair[1])
        if not (0 <= start <= 360 and 0 <= end <= 360):
            raise ValueError(f"directions: {pair!r} is not within 0-360 degrees")
        pairs.append((start, end))
    return pairs


def _tags_value(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError("tags is not a JSON object") from None
    if not isinstance(value, Mapping):
        raise ValueError("tags must be an object of key/value pairs")
    return dict(value)


def _precision_value(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in PRECISIONS:
        raise ValueError(
            f"unknown location precision {value!r}: expected {', '.join(PRECISIONS)}"
        )
    return text


_SCHEMA_PARSERS: dict[str, tuple[Any, str]] = {
    "camera_type": (parse_camera_type, "using 'unknown'"),
    "directions": (_directions_value, "direction left unknown"),
    "height_m": (parse_height, _HEIGHT_DEFAULT_NOTE),
    "tilt_deg": (parse_tilt, _TILT_DEFAULT_NOTE),
    "surveillance": (parse_surveillance, "left empty"),
    "installed": (parse_date, "installation date left empty"),
    "check_date": (parse_date, "check date left empty"),
    "location_precision": (_precision_value, "using 'commune' (the coarsest)"),
}
_FREE_TEXT = ("source", "surveillance_type", "zone", "mount", "operator", "name", "notes")


def _apply_schema(
    fields: dict[str, Any], values: Mapping[str, Any], cid: str, problems: list[Problem]
) -> None:
    """Overwrite ``fields`` with the non-empty schema-named ``values``, reporting bad ones."""
    for column, value in values.items():
        empty_container = isinstance(value, (list, dict)) and not value and column != "directions"
        if is_blank(value) or empty_container:
            continue
        if column in _SCHEMA_PARSERS:
            parser, fallback = _SCHEMA_PARSERS[column]
            try:
                fields[column] = parser(value)
            except ValueError as exc:
                problems.append(Problem(cid, column, value, f"{exc}; {fallback}"))
                if column == "location_precision":
                    fields[column] = "commune"
        elif column in _FREE_TEXT:
            fields[column] = str(value).strip()


def _check_ids(ids: list[str], rows: list[int], path: Path | None) -> None:
    seen: dict[str, int] = {}
    for cid, row in zip(ids, rows):
        if cid in seen:
            raise DataError(f"duplicate id {cid!r} (also row {seen[cid]})", path, row)
        seen[cid] = row


# ------------------------------------------------------------------------ official lists


@dataclass(frozen=True)
class ListDefinition:
    """How to read an official camera list.

    Parameters
    ----------
    list_id : str
        Short stable name, used in ids: ``list:<list_id>:<record>``.
    path : str
        The file, relative to a bundle folder.
    mapping : mapping of str to str
        Schema column → the list's column (``{"id": "Numéro", "name": "Implantation"}``).
    source : str
        Who published the list, and when (the ``source`` column).
    precision : str or mapping, optional
        See :func:`from_list`.
    installed_format : str, optional
        :func:`~datetime.datetime.strptime` format of the installation dates.
    lat, lon : str, optional
        Coordinate columns of a CSV list.
    """

    list_id: str
    path: str
    mapping: Mapping[str, str]
    source: str
    precision: str | Mapping[str, str] | None = None
    installed_format: str | None = None
    lat: str | None = None
    lon: str | None = None


#: The Paris police video-protection plan, c. 2013 (1,389 points, property ``record``).
#: The file gives points without a stated precision: they are the publisher's placing
#: of each site, not surveyed camera positions, so they are marked ``street`` (somewhere
#: at this place in the street), not ``exact``; ``crossing`` would claim more than is known.
PARIS_PVPP = ListDefinition(
    list_id="paris-pvpp2013",
    path="cameras/paris-pvpp-circa2013.geojson",
    mapping={"id": "record"},
    source="Préfecture de police, Vidéoprotection – implantation des caméras (c. 2013)",
    precision="street",
)

#: The 707 geocoded sites of the plan published in the Bulletin officiel de la Ville de
#: Paris of 2019-02-01, placed at street crossings (``croisement`` → ``crossing``).
PARIS_BOVP2019 = ListDefinition(
    list_id="paris-bovp2019",
    path="cameras/paris-bovp2019-geocoded.geojson",
    mapping={
        "id": "Numéro",
        "name": "Implantation",
        "location_precision": "Précision de l\u2019implantation",
        "installed": "Date de mise en service",
    },
    source="BOVP 2019-02-01 (arrêté préfectoral), geocoded at OpenStreetMap street crossings",
    precision={"croisement": "crossing", "rue": "street", "voie": "street", "commune": "commune"},
    installed_format="%d/%m/%y",
)


def _list_date(value: Any, fmt: str | None) -> tuple[str | None, str | None]:
    """An official list's date → (ISO date or None, a reason to report or None)."""
    if is_blank(value):
        return None, None
    text = str(value).strip()
    if text.lower() in UNKNOWN_DATE_WORDS:
        return None, None
    try:
        return parse_date(text), None
    except ValueError:
        pass
    if fmt:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat(), None
        except ValueError:
            pass
    if re.fullmatch(r"\d{5}", text) and _SERIAL_RANGE[0] <= int(text) <= _SERIAL_RANGE[1]:
        day = (_SERIAL_EPOCH + dt.timedelta(days=int(text))).isoformat()
        return day, f"spreadsheet day number {text} read as {day}"
    years = re.findall(r"\d+", text)
    if len(years) == 1 and len(years[0]) == 4:
        return years[0], f"approximate date read as the year {years[0]}"
    expected = f"{fmt} or " if fmt else ""
    return None, f"unrecognised date (expected {expected}YYYY-MM-DD); installation date left empty"


def from_list(
    path: str | PathLike[str],
    *,
    list_id: str,
    mapping: Mapping[str, str],
    lat: str | None = None,
    lon: str | None = None,
    precision: str | Mapping[str, str] | None = None,
    installed_format: str | None = None,
    source: str | None = None,
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Normalize an official camera list (CSV or GeoJSON) into the camera layer.

    Parameters
    ----------
    path : path-like
        The list. GeoJSON: Point features. CSV (``;``, ``,`` or tab separated,
        UTF-8): coordinates in ``lat``/``lon`` columns.
    list_id : str
        Short stable name of the list; ids are ``list:<list_id>:<value of the id column>``
        (``list:<list_id>:<row>`` when no ``id`` column is mapped: stable only while
        the file does not change).
    mapping : mapping of str to str
        Schema column → the list's column. Mapped values are parsed like the schema
        columns (``installed`` with ``installed_format``); every original column is kept
        in ``tags``.
    lat, lon : str, optional
        Coordinate columns of a CSV (default: detected among lat/latitude/y and
        lon/lng/longitude/x).
    precision : str or mapping, optional
        A :data:`PRECISIONS` value applied to every row, or a table translating the
        values of the mapped ``location_precision`` column (``{"croisement": "crossing"}``).
        One of the two is required: the location precision of a list is never guessed.
    installed_format : str, optional
        ``strptime`` format of the ``installed`` column (``"%d/%m/%y"``). ISO dates are
        always read; words for "unknown" (``inconnue``) give None. Spreadsheet day
        numbers (``40898``) and lone years (``Début 2019``) are read and reported.
    source : str, optional
        The ``source`` column (default ``list_id``).

    Returns
    -------
    cameras : GeoDataFrame
    problems : list of Problem

    Raises
    ------
    DataError
        A file that cannot be read, a row without coordinates or not a Point, an empty
        or duplicate id: naming the file and the row.
    UsageError
        A mapping naming a column the schema does not have, or no precision.
    """
    path = Path(path)
    unknown = set(mapping) - set(CAMERA_COLUMNS[:-1])
    if unknown:
        raise UsageError(f"mapping names unknown schema columns: {', '.join(sorted(unknown))}")
    if isinstance(precision, str):
        _precision_value(precision)
    elif "location_precision" not in mapping:
        raise UsageError(
            f"list {list_id!r}: give its location precision "
            f"(precision='exact', 'crossing', 'street' or 'commune') or map a column to it"
        )
    records, raw = _read_records(path, lat, lon)
    if raw is not None and not records.rows and isinstance(raw.get("elements"), list):
        raise DataError("an Overpass answer, not a camera list: use from_overpass", path)
    for schema_column, column in mapping.items():
        if records.props and not any(column in props for props in records.props):
            raise DataError(
                f"no column {column!r} (mapped to {schema_column!r}) in the list", path
            )

    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    ids: list[str] = []
    for row, props in zip(records.rows, records.props):
        if "id" in mapping:
            key = _text(props.get(mapping["id"]))
            if key is None:
                raise DataError(f"empty id (column {mapping['id']!r})", path, row)
        else:
            key = str(row)
        cid = f"list:{list_id}:{key}"
        ids.append(cid)
        fields = _default_fields()
        values = {
            column: props.get(name)
            for column, name in mapping.items()
            if column not in ("id", "installed", "location_precision")
        }
        _apply_schema(fields, values, cid, problems)
        if "installed" in mapping:
            raw_date = props.get(mapping["installed"])
            fields["installed"], reason = _list_date(raw_date, installed_format)
            if reason:
                problems.append(Problem(cid, mapping["installed"], raw_date, reason))
        if isinstance(precision, str):
            row_precision = precision
        else:
            raw_precision = _text(props.get(mapping["location_precision"]))
            table = {k.lower(): v for k, v in (precision or {}).items()}
            translated = table.get((raw_precision or "").lower(), raw_precision)
            try:
                row_precision = _precision_value(translated)
            except ValueError as exc:
                problems.append(
                    Problem(cid, mapping["location_precision"], raw_precision,
                            f"{exc}; using 'commune' (the coarsest)")
                )
                row_precision = "commune"
        cam = _row(cid, source or list_id, row_precision, props, fields)
        cam["source"] = fields.get("source") or source or list_id
        rows.append(cam)
    _check_ids(ids, records.rows, path)
    return _frame(rows, records.x, records.y, records.crs), problems


def load_list(
    definition: ListDefinition, bundle: str | PathLike[str]
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Load an official list described by ``definition`` from a bundle folder.

    Examples
    --------
    >>> cameras, problems = load_list(PARIS_BOVP2019, Path("../shared/data"))  # doctest: +SKIP
    """
    return from_list(
        Path(bundle) / definition.path,
        list_id=definition.list_id,
        mapping=definition.mapping,
        lat=definition.lat,
        lon=definition.lon,
        precision=definition.precision,
        installed_format=definition.installed_format,
        source=definition.source,
    )


# ------------------------------------------------------------------------ files and contributions


#: The schema field each OSM key feeds (see :func:`parse_tags`).
_TAG_FIELDS: dict[str, str] = {
    "camera:type": "camera_type",
    **{key: "directions" for key in DIRECTION_KEYS},
    "height": "height_m",
    "camera:angle": "tilt_deg",
    "surveillance": "surveillance",
    "start_date": "installed",
    "check_date": "check_date",
    "survey:date": "check_date",
}


def _normalize_records(
    records: _Records,
    path: Path | None,
    *,
    default_source: str,
    id_prefix: str | None,
) -> tuple[gpd.GeoDataFrame, list[Problem], dict[str, int]]:
    """Schema-named properties win; other properties are raw tags, parsed as OSM tags.

    ``id_prefix`` None: every row needs a prefixed id. Otherwise rows without a
    prefixed id get ``<id_prefix><id or row>``.
    """
    schema = set(CAMERA_COLUMNS[:-1])
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    ids: list[str] = []
    row_of: dict[str, int] = {}
    for row, props in zip(records.rows, records.props):
        given = _text(props.get("id"))
        if given is not None and given.startswith(_ID_PREFIXES) and len(given.split(":", 1)[1]):
            cid = given
        elif id_prefix is None:
            reason = (
                "missing id" if given is None
                else f"id {given!r} has no prefix (osm:, list: or contrib:)"
            )
            raise DataError(f"{reason}: give each camera a stable id such as contrib:metz-1",
                            path, row)
        else:
            cid = f"{id_prefix}{given if given is not None else row}"
        ids.append(cid)
        row_of[cid] = row
        raw_tags: dict[str, Any] = {}
        if "tags" in props and not is_blank(props["tags"]):
            try:
                raw_tags = _tags_value(props["tags"])
            except ValueError as exc:
                raise DataError(f"{exc}", path, row) from None
        for key, value in props.items():
            if key in schema or key in records.coordinate_keys or is_blank(value):
                continue
            raw_tags.setdefault(key, value)
        # Schema-named values win over tags. In a file written in the layer's schema
        # (``tags`` is an object, as cameras_to_geojson writes) a schema column is
        # authoritative even when empty (NaN height = unknown, already reported when the
        # tags were first read); in a flat table an empty cell leaves the field to the tags.
        if isinstance(props.get("tags"), Mapping):
            present = {key for key in props if key in schema}
        else:
            present = {key for key in props if key in schema and not is_blank(props[key])}
        fields, tag_problems = parse_tags(raw_tags, cid)
        problems.extend(p for p in tag_problems if _TAG_FIELDS.get(p.key) not in present)
        defaults = _default_fields()
        for column in present & defaults.keys():
            fields[column] = defaults[column]
        fields["source"] = default_source
        fields["location_precision"] = "exact"
        _apply_schema(
            fields, {k: v for k, v in props.items() if k in schema and k not in ("id", "tags")},
            cid, problems,
        )
        rows.append(_row(cid, fields.pop("source"), fields.pop("location_precision"),
                         raw_tags, fields))
    _check_ids(ids, records.rows, path)
    return _frame(rows, records.x, records.y, records.crs), problems, row_of


def load_cameras_file(path: str | PathLike[str]) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Load a camera file given by a user (the CLI's ``--cameras FILE``).

    Accepted: GeoJSON Points; CSV with coordinate columns detected among
    ``lat``/``latitude``/``y`` and ``lon``/``lng``/``longitude``/``x`` (case ignored);
    an Overpass JSON answer; other vector formats GDAL reads (Points). Columns named
    like the schema (``camera_type``, ``directions``, ``height_m``…) are used as
    such; the others are kept in ``tags`` and read as OSM tags (``camera:direction``,
    ``camera:type``, ``height``…), schema columns winning. Ids with a prefix (``osm:``,
    ``list:``, ``contrib:``) are kept; others become ``contrib:<file stem>:<id or row>``.
    Location precision defaults to ``exact``; source to ``file:<file name>``.

    Returns
    -------
    cameras : GeoDataFrame
    problems : list of Problem

    Raises
    ------
    DataError
        Not a geospatial file, a polygon or line given as a camera, missing or
        out-of-range coordinates, a duplicate id: naming the file and the row (the
        line number for a CSV, the 1-based feature number for GeoJSON).
    """
    path = Path(path)
    records, raw = _read_records(path)
    if raw is not None and isinstance(raw, Mapping) and isinstance(raw.get("elements"), list):
        return from_overpass(raw)
    cameras, problems, _ = _normalize_records(
        records, path, default_source=f"file:{path.name}", id_prefix=f"contrib:{path.stem}:"
    )
    return cameras, problems


def cameras_from_geojson(
    data: Mapping[str, Any], *, path: str | PathLike[str] | None = None
) -> gpd.GeoDataFrame:
    """The camera layer from a GeoJSON FeatureCollection written by :func:`cameras_to_geojson`.

    Strict: every feature is a Point with a prefixed ``id``, and every value must be
    readable (a contribution file is curated data).

    Raises
    ------
    DataError
        On the first unreadable feature or value, naming ``path`` and the 1-based
        feature number.
    """
    where = None if path is None else Path(path)
    records = _geojson_records(data, where)
    cameras, problems, row_of = _normalize_records(
        records, where, default_source="contrib", id_prefix=None
    )
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise DataError(f"{first.key}={first.value!r}: {first.reason}{more}", where,
                        row_of.get(first.id))
    return cameras


def load_contributions(path: str | PathLike[str]) -> gpd.GeoDataFrame:
    """Load the contributed cameras of a city, ``data/<city>/cameras.geojson``.

    A missing file or an empty FeatureCollection gives an empty layer.

    Raises
    ------
    DataError
        See :func:`cameras_from_geojson`.
    """
    path = Path(path)
    if not path.exists():
        return empty_cameras()
    return cameras_from_geojson(_read_json(path), path=path)


def _json_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, np.generic):
        return _json_value(value.item())
    return value


def cameras_to_geojson(cameras: gpd.GeoDataFrame) -> dict[str, Any]:
    """The camera layer as a GeoJSON FeatureCollection (a dict ready for :func:`json.dump`).

    ``directions`` become lists of ``[start, end]`` pairs, ``tags`` objects, NaN
    ``null``; columns outside :data:`CAMERA_COLUMNS` are left out. Read it back with
    :func:`cameras_from_geojson`.
    """
    if cameras.crs is not None and cameras.crs != settings.STORAGE_CRS:
        cameras = cameras.to_crs(settings.STORAGE_CRS)
    xs = shapely.get_x(cameras.geometry.values).tolist()
    ys = shapely.get_y(cameras.geometry.values).tolist()
    columns = [c for c in CAMERA_COLUMNS[:-1] if c in cameras.columns]
    features = []
    for x, y, record in zip(xs, ys, cameras[columns].to_dict(orient="records")):
        properties = {k: _json_value(v) for k, v in record.items()}
        properties["directions"] = [[float(a), float(b)] for a, b in record.get("directions") or []]
        properties["tags"] = dict(record.get("tags") or {})
        features.append(
            {"type": "Feature", "properties": properties,
             "geometry": {"type": "Point", "coordinates": [x, y]}}
        )
    return {"type": "FeatureCollection", "features": features}
