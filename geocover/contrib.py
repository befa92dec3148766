"""Contributions: validate, deduplicate, merge and store camera sites and perimeters;
export new cameras to OSM; list the cameras that need a visit.

Mappers add camera sites from a CSV or GeoJSON file (:func:`add_contributions`) and
perimeters digitized from a prefectoral decree (:func:`add_perimeters`). Both are kept
in the city's folder (``data/<city>/cameras.geojson``, ``perimeters.geojson``), which
several people may extend at once, so every addition

* validates each row and gives every rejected row one reason (never a silent fix);
* gives each accepted row a stable id, so adding the same file twice adds nothing;
* reads, extends and writes the file under a lock and replaces it atomically
  (:mod:`geocover._lock`): concurrent additions lose nothing, a crash leaves the old file.

The rules and the file formats are documented for mappers in ``docs/contributing.md``.
"""

from __future__ import annotations

import calendar
import codecs
import csv
import datetime as dt
import hashlib
import io
import json
import math
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
import shapely.geometry
import shapely.ops
from pyproj import Geod, Transformer

from . import settings
from ._io import read_vector
from ._lock import locked, remove_stale_temps, replace_atomic
from .cameras import (
    DIRECTION_KEYS,
    PRECISIONS,
    cameras_from_geojson,
    cameras_to_geojson,
    is_blank,
    load_cameras_file,
    parse_date,
    parse_direction,
    parse_height,
    parse_tilt,
)
from .city import City
from .communes import load_commune, metric_crs
from .errors import DataError, UsageError
from .perimeters import load_perimeters, status_of

__all__ = [
    "BOUNDARY_TOLERANCE_M",
    "CAMERA_TYPE_VALUES",
    "DUPLICATE_DISTANCE_M",
    "MAX_CONTRIB_HEIGHT_M",
    "MOUNT_VALUES",
    "PROVENANCE_KEYS",
    "STALE_CHECK_YEARS",
    "SURVEILLANCE_TYPE_VALUES",
    "SURVEILLANCE_VALUES",
    "SWAPPED",
    "AddResult",
    "CommuneCheck",
    "ContributionFile",
    "PerimeterAddResult",
    "Reject",
    "add_contributions",
    "add_perimeters",
    "check_camera_tags",
    "contribution_id",
    "default_rejects_path",
    "load_osm_cameras",
    "perimeter_id",
    "schema_tags",
    "tag_text",
    "read_contribution",
    "validate_rows",
    "worklist",
    "write_rejects",
    "write_worklist",
]

# --------------------------------------------------------------------------- policies

#: A camera may lie this far outside the commune boundary (metres): a camera on the
#: far side of a boundary street, or a boundary simplified by its publisher.
BOUNDARY_TOLERANCE_M: float = 200.0
#: Two cameras closer than this (metres) with no conflicting type or direction are
#: the same camera mapped twice.
DUPLICATE_DISTANCE_M: float = 5.0
#: Contributed heights above this are refused (metres): street cameras are on walls
#: and poles; a larger number is almost always a typo or another unit.
MAX_CONTRIB_HEIGHT_M: float = 100.0
#: A ``check_date`` older than this (years) puts a camera on the worklist.
STALE_CHECK_YEARS: int = 4
#: The reason given when the coordinates fit the commune once swapped.
SWAPPED = "latitude and longitude look swapped"

#: OSM values accepted for ``camera:type`` (``static`` is read as fixed).
CAMERA_TYPE_VALUES: tuple[str, ...] = ("fixed", "dome", "panning", "static")
#: OSM values accepted for ``surveillance``.
SURVEILLANCE_VALUES: tuple[str, ...] = ("public", "outdoor", "indoor")
#: OSM values of ``surveillance:type`` that are cameras (``guard`` is a person).
SURVEILLANCE_TYPE_VALUES: tuple[str, ...] = ("camera", "ALPR")
#: OSM values accepted for ``camera:mount``.
MOUNT_VALUES: tuple[str, ...] = (
    "wall", "pole", "ceiling", "street_lamp", "traffic_signals", "building", "roof",
    "bridge", "gantry", "mast", "tree",
)
#: Feature properties that record who added a camera and when; never OSM tags.
PROVENANCE_KEYS: tuple[str, ...] = ("contributor", "contributor_ref", "added")
#: Tags that identify a camera together with its rounded position (see contribution_id).
ID_TAGS: tuple[str, ...] = (
    "camera:type", "camera:direction", "direction", "surveillance:direction", "height",
    "surveillance:type",
)

_LAT_NAMES = ("lat", "latitude", "y")
_LON_NAMES = ("lon", "lng", "long", "longitude", "x")
#: Schema column names a contributor may use instead of the OSM keys.
_ALIASES: dict[str, str] = {
    "camera_type": "camera:type",
    "directions": "camera:direction",
    "camera_direction": "camera:direction",
    "height_m": "height",
    "tilt_deg": "camera:angle",
    "surveillance_type": "surveillance:type",
    "mount": "camera:mount",
    "zone": "surveillance:zone",
    "notes": "note",
    "installed": "start_date",
}
_OSM_KEYS = (
    "man_made", "camera:type", *DIRECTION_KEYS, "height", "camera:angle", "surveillance",
    "surveillance:type", "surveillance:zone", "camera:mount", "operator", "name", "note",
    "description", "start_date", "check_date", "survey:date", "source",
)
_CSV_SUFFIXES = (".csv", ".tsv", ".txt")
_GEOJSON_SUFFIXES = (".geojson", ".json")
_WGS84_NAMES = (
    "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326", "EPSG:4326",
)
_GEOD = Geod(ellps="WGS84")


# --------------------------------------------------------------------------- small helpers


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _coord_text(value: float) -> str:
    return f"{value:.7f}".rstrip("0").rstrip(".")


def _directions_text(pairs: Iterable[Iterable[float]]) -> str:
    items = []
    for start, end in pairs:
        if start == end:
            items.append(_number_text(start))
        else:
            items.append(f"{_number_text(start)}-{_number_text(end)}")
    return ";".join(items)


def tag_text(value: Any) -> str | None:
    """A property value as OSM tag text (None when empty)."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return _number_text(float(value))
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip()


def _today(today: dt.date | None) -> dt.date:
    return today or dt.date.today()


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def _dump_collection(data: Mapping[str, Any]) -> bytes:
    """A FeatureCollection with one feature per line: small diffs when it is versioned."""
    head = [f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
            for k, v in data.items() if k != "features"]
    features = [json.dumps(f, ensure_ascii=False, allow_nan=False)
                for f in data.get("features", [])]
    body = "{\n" + "".join(f"{line},\n" for line in head) + '"features": ['
    body += ("\n" + ",\n".join(features) + "\n") if features else ""
    return (body + "]\n}\n").encode("utf-8")


# --------------------------------------------------------------------------- reading files


@dataclass
class InputRow:
    """One row of a contribution file, as read."""

    number: int
    """Line number in a CSV (the header is line 1), feature number (from 1) in a GeoJSON."""
    original: dict[str, Any]
    """The row as given, for the rejects file."""
    lon: Any = None
    lat: Any = None
    props: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None
    """A reason found while reading (not a Point, ragged CSV row…)."""


@dataclass
class ContributionFile:
    """A contribution file read whole: its kind, its columns and its rows."""

    path: Path
    kind: str
    columns: list[str]
    rows: list[InputRow]
    lat_column: str | None = None
    lon_column: str | None = None
    geojson_shape: bool = False
    """True when the features carry a ``tags`` object (a file written by geocover)."""


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4000]
    if len(sample) < 4:
        return False
    return sample[1::2].count(0) > len(sample) // 4 or sample[0::2].count(0) > len(sample) // 4


def _decode(path: Path, encoding: str) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError("no such file", path) from None
    except IsADirectoryError:
        raise DataError("a folder, not a file", path) from None
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror})", path) from None
    if not data.strip():
        raise DataError("the file is empty", path)
    if data[:4] == b"PK\x03\x04":
        raise DataError(
            "a ZIP archive (an .xlsx or .ods spreadsheet?), not CSV or GeoJSON: "
            "export it as CSV UTF-8", path,
        )
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise UsageError(f"unknown encoding {encoding!r} (e.g. utf-8, latin-1, cp1252)") from None
    if codec == "utf-8":
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(data):
            raise DataError(
                "UTF-16 text, not UTF-8: save it as UTF-8 (\"CSV UTF-8\"), "
                "or pass --encoding utf-16", path,
            )
        if b"\x00" in data:
            raise DataError("not a CSV or GeoJSON file (binary content)", path)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise DataError(
                f"not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}): save it as "
                "UTF-8, or pass --encoding latin-1 (or cp1252) if that is its encoding",
                path,
            ) from None
    else:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise DataError(
                f"not {encoding} text ({exc.reason} at byte {exc.start})", path
            ) from None
        text = text.lstrip("\ufeff")
        if "\x00" in text:
            raise DataError(f"not a CSV or GeoJSON file (binary content read as {encoding})", path)
    if not text.strip():
        raise DataError("the file is empty", path)
    return text


def read_contribution(
    path: str | Path,
    *,
    lat: str | None = None,
    lon: str | None = None,
    encoding: str = "utf-8",
) -> ContributionFile:
    """Read a contribution file (CSV or GeoJSON) whole, without judging its rows.

    Parameters
    ----------
    path : path-like
        ``.csv``/``.tsv``/``.txt`` (``;``, ``,`` or tab separated, with a header) or
        ``.geojson``/``.json`` (a FeatureCollection of Points, WGS84 unless it names
        another CRS).
    lat, lon : str, optional
        The coordinate columns of a CSV (default: detected among lat/latitude/y and
        lon/lng/long/longitude/x, case ignored).
    encoding : str
        The file's text encoding. Default UTF-8 (with or without BOM); anything else
        must be named: a Latin-1 file is refused with a message rather than guessed.

    Raises
    ------
    DataError
        The file as a whole is unusable: missing, empty, another format, another
        encoding, no coordinate columns, no rows, no Point features.
    """
    path = Path(path)
    if (lat is None) != (lon is None):
        raise UsageError("give both --lat COL and --lon COL, or neither")
    suffix = path.suffix.lower()
    if suffix and suffix not in _CSV_SUFFIXES + _GEOJSON_SUFFIXES:
        raise DataError(
            f"a {suffix} file: cameras are added from CSV or GeoJSON; export it as one of "
            "those (polygons from a decree go through 'geocover perimeters add')", path,
        )
    text = _decode(path, encoding)
    if suffix in _GEOJSON_SUFFIXES or (suffix in ("", ".txt") and text.lstrip().startswith("{")):
        return _read_geojson(path, text)
    return _read_csv(path, text, lat, lon)


def _find_column(header: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {column.lower(): column for column in header}
    return next((lowered[name] for name in names if name in lowered), None)


def _read_csv(path: Path, text: str, lat: str | None, lon: str | None) -> ContributionFile:
    first_line = text.lstrip("\n").split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [column.strip() for column in next(reader)]
        while not any(header):
            header = [column.strip() for column in next(reader)]
    except StopIteration:
        raise DataError("the file is empty", path) from None
    except csv.Error as exc:
        raise DataError(f"not a readable CSV file ({exc})", path) from None
    seen: set[str] = set()
    for column in header:
        if column in seen and column:
            raise DataError(f"column {column!r} appears twice in the header", path, 1)
        seen.add(column)
    if lat is not None and lon is not None:
        for given in (lat, lon):
            if given not in header:
                raise DataError(
                    f"no column {given!r} in the header (columns: {', '.join(header)})", path, 1
                )
        lat_column, lon_column = lat, lon
    else:
        lat_column = _find_column(header, _LAT_NAMES)
        lon_column = _find_column(header, _LON_NAMES)
    if lat_column is None or lon_column is None:
        raise DataError(
            "no coordinate columns: expected lat/latitude/y and lon/lng/longitude/x, or name "
            f"them with --lat COL --lon COL (columns: {', '.join(header)})", path, 1,
        )
    # a rejects file written by geocover, fixed and added back: its first two columns
    # say why the row was refused, they are not tags
    ignored = {"row", "reason"} if [c.lower() for c in header[:2]] == ["row", "reason"] else set()
    rows = []
    line = reader.line_num
    try:
        for values in reader:
            start, line = line + 1, reader.line_num
            if not any(value.strip() for value in values):
                continue
            original = dict(zip(header, values + [""] * (len(header) - len(values))))
            row = InputRow(number=start, original=original)
            if len(values) > len(header):
                row.problem = (
                    f"{len(values)} values for {len(header)} columns (check the delimiter "
                    f"{delimiter!r} and the quoting)"
                )
                row.original["…"] = delimiter.join(values[len(header):])
            row.lat = original.get(lat_column)
            row.lon = original.get(lon_column)
            row.props = {k: v for k, v in original.items()
                         if k not in (lat_column, lon_column) and k.lower() not in ignored}
            rows.append(row)
    except csv.Error as exc:
        raise DataError(f"not a readable CSV file ({exc})", path, line + 1) from None
    if not rows:
        raise DataError("no rows: the file has a header line but no data", path)
    return ContributionFile(path, "csv", header, rows, lat_column, lon_column)


def _read_geojson(path: Path, text: str) -> ContributionFile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON (line {exc.lineno}: {exc.msg})", path) from None
    if isinstance(data, Mapping) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if isinstance(data, Mapping) and isinstance(data.get("elements"), list):
        raise DataError(
            "an Overpass answer: those cameras are in OSM already, nothing to contribute", path
        )
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        raise DataError("not GeoJSON: expected a FeatureCollection of Point features", path)
    features = data.get("features")
    if not isinstance(features, list):
        raise DataError("not GeoJSON: 'features' is not a list", path)
    if not features:
        raise DataError("no features: the FeatureCollection is empty", path)
    crs_name = ((data.get("crs") or {}).get("properties") or {}).get("name")
    transformer = None
    if crs_name and crs_name not in _WGS84_NAMES:
        try:
            transformer = Transformer.from_crs(crs_name, settings.STORAGE_CRS, always_xy=True)
        except Exception:  # pyproj raises CRSError, a ValueError subclass, or ProjError
            raise DataError(f"unknown CRS {crs_name!r}", path) from None
    rows: list[InputRow] = []
    columns: list[str] = []
    kinds: dict[str, int] = {}
    points = 0
    shaped = False
    for number, feature in enumerate(features, start=1):
        row = InputRow(number=number, original={})
        rows.append(row)
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            row.problem = "not a GeoJSON Feature"
            continue
        props = feature.get("properties") or {}
        if not isinstance(props, Mapping):
            row.problem = "'properties' is not an object"
            props = {}
        row.props = dict(props)
        shaped = shaped or isinstance(props.get("tags"), Mapping)
        for key in props:
            if key not in columns:
                columns.append(key)
        geometry = feature.get("geometry")
        kind = geometry.get("type") if isinstance(geometry, Mapping) else None
        if not geometry:
            row.problem = row.problem or "no geometry: a camera is a Point"
        elif kind != "Point":
            kinds[str(kind)] = kinds.get(str(kind), 0) + 1
            row.problem = row.problem or f"a {kind}, not a Point: a camera is one point per site"
            row.original["geometry"] = json.dumps(geometry)[:200]
        else:
            points += 1
            coordinates = geometry.get("coordinates")
            if not isinstance(coordinates, list) or len(coordinates) < 2:
                row.problem = row.problem or "the Point has no [longitude, latitude] coordinates"
            else:
                row.lon, row.lat = coordinates[0], coordinates[1]
                if transformer is not None:
                    try:
                        x, y = transformer.transform(float(row.lon), float(row.lat))
                        row.lon, row.lat = x, y
                    except (TypeError, ValueError):
                        pass  # reported as "not a number" below
        row.original.update({"longitude": row.lon, "latitude": row.lat})
        row.original.update({
            k: json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v
            for k, v in row.props.items()
        })
    if points == 0:
        found = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "no geometry"
        raise DataError(
            f"no Point features ({found}): a camera is a Point, one per site "
            "(perimeters go through 'geocover perimeters add')", path,
        )
    return ContributionFile(path, "geojson", ["longitude", "latitude", *columns], rows,
                            geojson_shape=shaped)


# --------------------------------------------------------------------------- tags


def schema_tags(record: Mapping[str, Any]) -> dict[str, str]:
    """OSM tags equivalent to the schema fields of a camera (camera layer record)."""
    tags: dict[str, str] = {}
    camera_type = record.get("camera_type")
    if not is_blank(camera_type) and camera_type != "unknown":
        tags["camera:type"] = str(camera_type)
    directions = record.get("directions")
    if isinstance(directions, (list, tuple)) and len(directions):
        tags["camera:direction"] = _directions_text(directions)
    for column, key in (
        ("height_m", "height"), ("tilt_deg", "camera:angle"), ("surveillance", "surveillance"),
        ("surveillance_type", "surveillance:type"), ("zone", "surveillance:zone"),
        ("mount", "camera:mount"), ("operator", "operator"), ("name", "name"),
        ("notes", "note"), ("installed", "start_date"), ("check_date", "check_date"),
    ):
        text = tag_text(record.get(column))
        if text is not None:
            tags[key] = text
    return tags


def _row_tags(
    row: InputRow, shaped: bool
) -> tuple[dict[str, str], str | None, str | None, list[str]]:
    """(tags, given id, location precision, problems) of a row's properties."""
    tags: dict[str, str] = {}
    problems: list[str] = []
    given_id = precision = None
    origin: dict[str, str] = {}
    known = {key: key for key in _OSM_KEYS}

    def put(key: str, value: Any, column: str) -> None:
        text = tag_text(value)
        if text is None:
            return
        if key in tags and tags[key] != text:
            problems.append(
                f"{key} given twice with different values ({origin[key]}={tags[key]!r}, "
                f"{column}={text!r})"
            )
            return
        tags[key] = text
        origin[key] = column

    props = row.props
    if shaped and isinstance(props.get("tags"), Mapping):
        for key, value in props["tags"].items():
            put(str(key), value, "tags")
    for column, value in props.items():
        name = str(column).strip()
        lowered = name.lower()
        if lowered == "id":
            given_id = tag_text(value)
        elif lowered == "location_precision":
            precision = tag_text(value)
        elif lowered == "tags":
            if shaped and isinstance(value, Mapping):
                continue
            try:
                parsed = json.loads(value) if isinstance(value, str) and value.strip() else value
            except ValueError:
                parsed = None
            if is_blank(value):
                continue
            if not isinstance(parsed, Mapping):
                problems.append("tags is not a JSON object of key/value pairs")
                continue
            for key, tag_value in parsed.items():
                put(str(key), tag_value, "tags")
        elif shaped and lowered in ("source", *PROVENANCE_KEYS):
            continue  # provenance of a file geocover wrote, not a tag
        elif lowered == "camera_type" and tag_text(value) == "unknown":
            continue
        elif lowered == "directions" and isinstance(value, list):
            if value:
                try:
                    put("camera:direction", _directions_text(value), column)
                except (TypeError, ValueError):
                    problems.append(f"directions {value!r} is not a list of [start, end] pairs")
        elif lowered in _ALIASES:
            put(_ALIASES[lowered], value, column)
        elif lowered in known:
            put(known[lowered], value, column)
        else:
            put(name, value, column)
    return tags, given_id, precision, problems


_PLAIN_HEIGHT = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)\s*m?", re.IGNORECASE)


def check_camera_tags(tags: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Check contributed tags against the OSM vocabulary and the direction grammar.

    Returns
    -------
    fields : dict
        ``camera_type`` (fixed/dome/panning/unknown) and ``directions`` (the first
        readable direction key), used to tell duplicates from neighbours.
    reasons : list of str
        One per unacceptable value, naming the key, the value and what is expected.
    """
    reasons: list[str] = []
    fields: dict[str, Any] = {"camera_type": "unknown", "directions": []}
    value = tags.get("man_made")
    if value is not None and value != "surveillance":
        reasons.append(f"man_made={value!r}: a camera is man_made=surveillance")
    value = tags.get("camera:type")
    if value is not None:
        if value in CAMERA_TYPE_VALUES:
            fields["camera_type"] = "fixed" if value == "static" else value
        else:
            reasons.append(
                f"camera:type={value!r} is not an OSM value (fixed, dome, panning or static)"
            )
    value = tags.get("surveillance")
    if value is not None and value not in SURVEILLANCE_VALUES:
        reasons.append(f"surveillance={value!r} is not an OSM value (public, outdoor or indoor)")
    value = tags.get("surveillance:type")
    if value == "guard":
        reasons.append(
            "surveillance:type='guard' is a guard, not a camera: geocover takes cameras "
            "(camera or ALPR)"
        )
    elif value is not None and value not in SURVEILLANCE_TYPE_VALUES:
        reasons.append(f"surveillance:type={value!r} is not an OSM camera value (camera or ALPR)")
    value = tags.get("camera:mount")
    if value is not None and value not in MOUNT_VALUES:
        reasons.append(f"camera:mount={value!r} is not an OSM value ({', '.join(MOUNT_VALUES)})")
    value = tags.get("height")
    if value is not None:
        out_of_range = (
            f"height={value!r} is out of range: a camera height is more than 0 and at most "
            f"{MAX_CONTRIB_HEIGHT_M:g} m"
        )
        try:
            height = parse_height(value)
        except ValueError as exc:
            plain = _PLAIN_HEIGHT.fullmatch(value.strip())
            reasons.append(out_of_range if plain else f"height={value!r}: {exc}")
        else:
            if height > MAX_CONTRIB_HEIGHT_M:
                reasons.append(out_of_range)
    value = tags.get("camera:angle")
    if value is not None:
        try:
            parse_tilt(value)
        except ValueError as exc:
            reasons.append(f"camera:angle={value!r}: {exc}")
    for key in DIRECTION_KEYS:
        value = tags.get(key)
        if value is None:
            continue
        try:
            directions = parse_direction(value)
        except ValueError as exc:
            reasons.append(f"{key}={value!r}: {exc}")
            continue
        if not fields["directions"]:
            fields["directions"] = directions
    for key in ("start_date", "check_date", "survey:date"):
        value = tags.get(key)
        if value is not None:
            try:
                parse_date(value)
            except ValueError as exc:
                reasons.append(f"{key}={value!r}: {exc}")
    return fields, reasons


# --------------------------------------------------------------------------- places


def _in_range(lon: float, lat: float) -> bool:
    return -180 <= lon <= 180 and -90 <= lat <= 90


def _metres(distance: float) -> str:
    return f"{distance:,.0f} m"


class CommuneCheck:
    """Where a point lies with respect to a commune: inside, near (within the tolerance),
    or outside, with distances in metres (in the commune's metric CRS)."""

    def __init__(self, commune: gpd.GeoDataFrame, tolerance_m: float = BOUNDARY_TOLERANCE_M):
        commune = commune.to_crs(settings.STORAGE_CRS)
        self.tolerance_m = tolerance_m
        self.name = str(commune["name"].iloc[0]) if "name" in commune else "the commune"
        self.crs = metric_crs(commune)
        self.geometry_deg = commune.geometry.iloc[0]
        self.geometry = commune.to_crs(self.crs).geometry.iloc[0]
        shapely.prepare(self.geometry)
        self._to_metric = Transformer.from_crs(settings.STORAGE_CRS, self.crs, always_xy=True)

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = self._to_metric.transform(lon, lat)
        return float(x), float(y)

    def distance(self, lon: float, lat: float) -> float:
        """Metres from the commune (0 inside); geodesic for far points."""
        if not _in_range(lon, lat):
            return math.inf
        x, y = self.project(lon, lat)
        distance = math.inf
        if math.isfinite(x) and math.isfinite(y):
            distance = float(self.geometry.distance(shapely.Point(x, y)))
        if not math.isfinite(distance) or distance > 100_000:
            # far from the commune a conic projection distorts distances: measure on the ellipsoid
            nearest = shapely.ops.nearest_points(self.geometry_deg, shapely.Point(lon, lat))[0]
            distance = float(_GEOD.inv(lon, lat, nearest.x, nearest.y)[2])
        return distance

    def locate(self, lon: float, lat: float) -> tuple[float | None, str | None]:
        """(distance in metres, None) when the point is acceptable, else (None, reason)."""
        given_ok = _in_range(lon, lat)
        distance = self.distance(lon, lat) if given_ok else math.inf
        if distance <= self.tolerance_m:
            return distance, None
        if _in_range(lat, lon) and self.distance(lat, lon) <= self.tolerance_m:
            where = (f"{_metres(distance)} outside {self.name}" if given_ok
                     else "out of range")
            return None, (
                f"{SWAPPED}: as given (latitude {_coord_text(lat)}, longitude "
                f"{_coord_text(lon)}) the point is {where}; swapped it is in {self.name}"
            )
        if not given_ok:
            if abs(lon) > 1000 or abs(lat) > 1000:
                return None, (
                    f"coordinates ({_coord_text(lon)}, {_coord_text(lat)}) are not degrees: "
                    "projected (Lambert-93?)? give WGS84 latitude and longitude"
                )
            if not -90 <= lat <= 90:
                bad = f"latitude {_coord_text(lat)} is out of range (-90 to 90)"
            else:
                bad = f"longitude {_coord_text(lon)} is out of range (-180 to 180)"
            return None, bad
        return None, (
            f"outside {self.name}: {_metres(distance)} from the commune boundary "
            f"(tolerance {self.tolerance_m:g} m)"
        )


def _coordinate(value: Any, what: str) -> tuple[float | None, str | None]:
    if is_blank(value):
        return None, f"missing {what}"
    if isinstance(value, bool):
        return None, f"{what} {value!r} is not a number"
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip()
        if re.fullmatch(r"-?\d+,\d+", text):
            text = text.replace(",", ".")  # a French spreadsheet's decimal comma
        try:
            number = float(text)
        except ValueError:
            return None, f"{what} {value!r} is not a number"
    if not math.isfinite(number):
        return None, f"{what} {value!r} is not a finite number"
    return number, None


# --------------------------------------------------------------------------- validation


@dataclass
class Candidate:
    """A row that passed validation, before deduplication."""

    row: InputRow
    id: str
    lon: float
    lat: float
    x: float
    y: float
    tags: dict[str, str]
    fields: dict[str, Any]
    precision: str
    distance_m: float
    given_ref: str | None = None


@dataclass
class Reject:
    """A row that was not added, with one reason."""

    row: int
    reason: str
    original: dict[str, Any]
    duplicate: bool = False


def contribution_id(lon: float, lat: float, tags: Mapping[str, str]) -> str:
    """The stable id of a contributed camera: ``contrib:`` and 12 hex digits of a hash of
    its position rounded to 1e-6 degree (about 0.1 m) and its identifying tags
    (:data:`ID_TAGS`). The same row always gets the same id."""
    key = {k: tags[k] for k in ID_TAGS if k in tags}
    text = f"{lat:.6f},{lon:.6f}|" + json.dumps(key, sort_keys=True, ensure_ascii=False)
    return "contrib:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def validate_rows(
    source: ContributionFile, check: CommuneCheck
) -> tuple[list[Candidate], list[Reject]]:
    """Judge every row of a contribution file on its own (position, values, grammar).

    Duplicates are judged later, against the stored cameras (see :func:`add_contributions`).
    """
    candidates: list[Candidate] = []
    rejects: list[Reject] = []
    for row in source.rows:
        reasons: list[str] = []
        if row.problem:
            rejects.append(Reject(row.number, row.problem, row.original))
            continue
        lat, lat_reason = _coordinate(row.lat, "latitude")
        lon, lon_reason = _coordinate(row.lon, "longitude")
        reasons += [r for r in (lat_reason, lon_reason) if r]
        tags, given_id, precision, problems = _row_tags(row, source.geojson_shape)
        reasons += problems
        fields, tag_reasons = check_camera_tags(tags)
        reasons += tag_reasons
        if precision is None:
            precision = "exact"
        elif precision not in PRECISIONS:
            reasons.append(
                f"location_precision={precision!r} is not one of {', '.join(PRECISIONS)}"
            )
        distance = None
        if lat is not None and lon is not None:
            distance, place_reason = check.locate(lon, lat)
            if place_reason:
                reasons.insert(0, place_reason)
        if reasons:
            rejects.append(Reject(row.number, "; ".join(reasons), row.original))
            continue
        assert lat is not None and lon is not None and distance is not None
        ref = None
        if given_id and re.match(r"^(osm|list|contrib):.", given_id):
            cid = given_id
        else:
            cid = contribution_id(lon, lat, tags)
            ref = given_id
        x, y = check.project(lon, lat)
        candidates.append(Candidate(row, cid, lon, lat, x, y, tags, fields, precision,
                                    distance, ref))
    return candidates, rejects


# --------------------------------------------------------------------------- duplicates


def _conflict(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Two cameras with different known types or directions are two cameras, even on
    the same pole."""
    types = (a.get("camera_type") or "unknown", b.get("camera_type") or "unknown")
    if "unknown" not in types and types[0] != types[1]:
        return True
    da = [tuple(map(float, p)) for p in a.get("directions") or []]
    db = [tuple(map(float, p)) for p in b.get("directions") or []]
    return bool(da) and bool(db) and da != db


@dataclass
class _Entry:
    id: str
    x: float
    y: float
    fields: dict[str, Any]
    label: str
    existing: int | None = None  # feature index in the stored file
    pending: int | None = None  # index in the accepted list


class _Grid:
    """A spatial hash of cameras in metric coordinates, cell = the duplicate distance."""

    def __init__(self, size: float):
        self.size = size
        self.cells: dict[tuple[int, int], list[_Entry]] = {}

    def _cell(self, x: float, y: float) -> tuple[int, int]:
        return (math.floor(x / self.size), math.floor(y / self.size))

    def add(self, entry: _Entry) -> None:
        self.cells.setdefault(self._cell(entry.x, entry.y), []).append(entry)

    def nearest(self, x: float, y: float, fields: Mapping[str, Any]) -> tuple[_Entry, float] | None:
        cx, cy = self._cell(x, y)
        best: tuple[_Entry, float] | None = None
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for entry in self.cells.get((cx + dx, cy + dy), []):
                    distance = math.hypot(entry.x - x, entry.y - y)
                    if distance <= self.size and not _conflict(entry.fields, fields):
                        if best is None or distance < best[1]:
                            best = (entry, distance)
        return best


def _is_blank_field(value: Any) -> bool:
    return is_blank(value) or value == "unknown" or (isinstance(value, list) and not value)


_MERGED_FIELDS = (
    "camera_type", "directions", "height_m", "tilt_deg", "surveillance", "surveillance_type",
    "zone", "mount", "operator", "installed", "check_date", "name", "notes",
)


def _merge_properties(target: dict[str, Any], source: Mapping[str, Any]) -> tuple[bool, list[str]]:
    """Fill ``target``'s missing fields and tags from ``source``; never overwrite.
    Returns (changed, conflicts)."""
    changed = False
    conflicts: list[str] = []
    tags = target.setdefault("tags", {})
    for key, value in (source.get("tags") or {}).items():
        if key not in tags:
            tags[key] = value
            changed = True
        elif str(tags[key]) != str(value):
            conflicts.append(f"{key}: kept {tags[key]!r}, the file says {value!r}")
    for column in _MERGED_FIELDS:
        if _is_blank_field(target.get(column)) and not _is_blank_field(source.get(column)):
            target[column] = source[column]
            changed = True
    return changed, conflicts


# --------------------------------------------------------------------------- adding cameras


@dataclass
class AddResult:
    """What :func:`add_contributions` did (or would do, in a dry run)."""

    source: ContributionFile
    target: Path
    accepted: list[str] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    """One line per merge: which row went into which camera, and any conflict."""
    already: list[tuple[int, str]] = field(default_factory=list)
    """(row, id) of rows added before (same id in the cameras file): nothing to do."""
    near_boundary: int = 0
    written: bool = False
    dry_run: bool = False

    @property
    def rejected(self) -> int:
        return sum(1 for r in self.rejects if not r.duplicate)

    @property
    def duplicates(self) -> int:
        return sum(1 for r in self.rejects if r.duplicate) + len(self.merged) + len(self.already)

    def summary(self) -> str:
        text = (f"accepted {len(self.accepted)}, rejected {self.rejected}, "
                f"duplicates {self.duplicates}")
        details = [f"{n} {what}" for n, what in ((len(self.already), "already added"),
                                                 (len(self.merged), "merged")) if n]
        return text + (f" ({', '.join(details)})" if details else "")

    @property
    def exit_code(self) -> int:
        """0 unless nothing was accepted and some rows were invalid (then 1)."""
        return 1 if not self.accepted and not self.merged and self.rejected else 0


def _read_store(path: Path, slug: str) -> tuple[dict[str, Any], gpd.GeoDataFrame]:
    if not path.exists():
        empty = {"type": "FeatureCollection", "name": f"{slug}-contributed-cameras", "features": []}
        return empty, cameras_from_geojson({"type": "FeatureCollection", "features": []})
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DataError("the contributions file is not UTF-8: restore it from git", path) from None
    if not text.strip():
        raise DataError("the contributions file is empty: restore it from git", path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"the contributions file is not valid JSON (line {exc.lineno}: {exc.msg}): "
            "restore it from git", path,
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise DataError("the contributions file is not a FeatureCollection", path)
    return data, cameras_from_geojson(data, path=path)


def _build_features(candidates: list[Candidate], source: str) -> list[dict[str, Any]]:
    """Schema features of accepted rows, through the camera layer's own normalization."""
    if not candidates:
        return []
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
                "properties": {"id": c.id, "source": source,
                               "location_precision": c.precision, "tags": c.tags},
            }
            for c in candidates
        ],
    }
    return list(cameras_to_geojson(cameras_from_geojson(collection))["features"])


def add_contributions(
    path: str | Path,
    city: City,
    *,
    commune: gpd.GeoDataFrame | None = None,
    bundle: str | Path | None = None,
    contributor: str | None = None,
    merge_duplicates: bool = False,
    dry_run: bool = False,
    lat: str | None = None,
    lon: str | None = None,
    encoding: str = "utf-8",
    today: dt.date | None = None,
) -> AddResult:
    """Validate a contribution file and append its accepted rows to the city's cameras.

    Parameters
    ----------
    path : path-like
        CSV or GeoJSON (see :func:`read_contribution`).
    city : City
        A configured city (its ``cameras_file`` is extended).
    commune : GeoDataFrame, optional
        The commune boundary; by default :func:`geocover.communes.load_commune` of the
        city's INSEE code, from ``bundle`` when given.
    merge_duplicates : bool
        Merge a duplicate row into the camera it duplicates (filling its missing tags,
        never overwriting), instead of only reporting it.
    dry_run : bool
        Validate and report; write nothing.

    Returns
    -------
    AddResult

    Raises
    ------
    DataError
        The file as a whole is unusable, or the stored cameras file is damaged.
    """
    if city.cameras_file is None or city.folder == Path("."):
        raise UsageError(
            f"{city.slug} has no city folder: contributions go to a configured city "
            "(data/<city>/city.toml)"
        )
    source = read_contribution(path, lat=lat, lon=lon, encoding=encoding)
    if commune is None:
        commune = load_commune(city.insee, bundle=bundle)
    check = CommuneCheck(commune)
    candidates, rejects = validate_rows(source, check)
    target = Path(city.cameras_file)
    result = AddResult(source=source, target=target, rejects=rejects, dry_run=dry_run)
    added = _today(today).isoformat()
    label = f"file:{source.path.name}"

    with locked(target):
        if not dry_run:
            remove_stale_temps(target)
        data, stored = _read_store(target, city.slug)
        features: list[dict[str, Any]] = data["features"]
        grid = _Grid(DUPLICATE_DISTANCE_M)
        known: dict[str, str] = {}
        stored_ids: set[str] = set()
        if not stored.empty:
            xs = shapely.get_x(stored.geometry.values)
            ys = shapely.get_y(stored.geometry.values)
            records = stored[["id", "camera_type", "directions"]].to_dict("records")
            for index, record in enumerate(records):
                x, y = check.project(float(xs[index]), float(ys[index]))
                entry = _Entry(record["id"], x, y, record, f"camera {record['id']}", existing=index)
                stored_ids.add(record["id"])
                if math.isfinite(x) and math.isfinite(y):
                    grid.add(entry)
        accepted: list[Candidate] = []
        merges: list[tuple[Candidate, _Entry, float]] = []
        for cand in candidates:
            if cand.id in stored_ids:
                result.already.append((cand.row.number, cand.id))
                continue
            if cand.id in known:
                rejects.append(Reject(cand.row.number, known[cand.id], cand.row.original, True))
                continue
            match = grid.nearest(cand.x, cand.y, cand.fields)
            if match is not None:
                entry, distance = match
                if merge_duplicates:
                    merges.append((cand, entry, distance))
                else:
                    rejects.append(Reject(
                        cand.row.number,
                        f"duplicate: {distance:.1f} m from {entry.label} (not added; pass "
                        "--merge-duplicates to merge its tags into it)",
                        cand.row.original, True,
                    ))
                continue
            known[cand.id] = f"same position and tags as row {cand.row.number} (id {cand.id})"
            grid.add(_Entry(cand.id, cand.x, cand.y, cand.fields,
                            f"row {cand.row.number} ({cand.id})", pending=len(accepted)))
            accepted.append(cand)
            if cand.distance_m > 0:
                result.near_boundary += 1

        # merges into rows of this file: their tags complete the row before it is built
        into_stored: list[tuple[Candidate, _Entry, float]] = []
        for cand, entry, distance in merges:
            if entry.pending is None:
                into_stored.append((cand, entry, distance))
                continue
            target_row = accepted[entry.pending]
            conflicts = []
            for key, value in cand.tags.items():
                if key not in target_row.tags:
                    target_row.tags[key] = value
                elif target_row.tags[key] != value:
                    conflicts.append(f"{key}: kept {target_row.tags[key]!r}, row says {value!r}")
            entry.fields = check_camera_tags(target_row.tags)[0]
            result.merged.append(_merge_line(cand, entry, distance, conflicts))

        built = _build_features(accepted + [c for c, _, _ in into_stored], label)
        new_features = built[: len(accepted)]
        changed = bool(new_features)
        for (cand, entry, distance), feature in zip(into_stored, built[len(accepted):]):
            assert entry.existing is not None
            did_change, conflicts = _merge_properties(features[entry.existing]["properties"],
                                                      feature["properties"])
            changed = changed or did_change
            result.merged.append(_merge_line(cand, entry, distance, conflicts))
        for cand, feature in zip(accepted, new_features):
            props = feature["properties"]
            props["contributor"] = contributor
            props["added"] = added
            if cand.given_ref is not None:
                props["contributor_ref"] = cand.given_ref
        result.accepted = [c.id for c in accepted]
        if changed and not dry_run:
            data["features"] = features + new_features
            replace_atomic(target, _dump_collection(data))
            result.written = True
    result.rejects.sort(key=lambda r: r.row)
    return result


def _merge_line(cand: Candidate, entry: _Entry, distance: float, conflicts: list[str]) -> str:
    line = f"row {cand.row.number}: merged into {entry.label} ({distance:.1f} m away)"
    if conflicts:
        line += "; conflicting values kept as they were: " + "; ".join(conflicts)
    return line


def write_rejects(result: AddResult, path: str | Path) -> Path:
    """Write the rejected rows (with ``row`` and ``reason`` first) as CSV, atomically."""
    path = Path(path)
    columns = list(result.source.columns)
    extra = ["…"] if any("…" in r.original for r in result.rejects) else []
    row_col = "row" if "row" not in columns else "geocover_row"
    reason_col = "reason" if "reason" not in columns else "geocover_reason"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([row_col, reason_col, *columns, *extra])
    for reject in result.rejects:
        values = [reject.original.get(c) for c in [*columns, *extra]]
        writer.writerow([reject.row, reject.reason, *("" if v is None else v for v in values)])
    replace_atomic(path, buffer.getvalue().encode("utf-8"))
    return path


def default_rejects_path(path: str | Path) -> Path:
    """``<input>.rejects.csv``, next to the input file."""
    path = Path(path)
    return path.with_name(path.name + ".rejects.csv")


# --------------------------------------------------------------------------- OSM layer


def load_osm_cameras(path: str | Path) -> gpd.GeoDataFrame:
    """OSM cameras from a file: an Overpass ``[out:json]`` answer or any camera file."""
    frame, _problems = load_cameras_file(path)
    return frame


# --------------------------------------------------------------------------- worklist


def _period_end(value: str) -> dt.date | None:
    """The last day a reduced-precision OSM date (YYYY, YYYY-MM, YYYY-MM-DD) can mean."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", str(value).strip())
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if month is None:
            return dt.date(year or 1, 12, 31)
        if day is None:
            return dt.date(year or 1, month, calendar.monthrange(year or 1, month)[1])
        return dt.date(year or 1, month, day)
    except ValueError:
        return None


def worklist(
    cameras: gpd.GeoDataFrame, *, today: dt.date | None = None, stale_years: int = STALE_CHECK_YEARS
) -> gpd.GeoDataFrame:
    """The cameras a mapper should visit: missing ``camera:type``, direction (fixed
    cameras only: domes and panning cameras see all round) or height, or last checked
    more than ``stale_years`` ago (a reduced date such as ``2019`` counts from its end).

    Returns
    -------
    GeoDataFrame
        ``id``, ``todo`` (what to survey, ``;``-separated), ``camera_type``,
        ``check_date``, ``name``, ``source``, ``latitude``, ``longitude``, ``geometry``.
    """
    today = _today(today)
    limit = _add_years(today, -stale_years)
    rows = []
    geometries = []
    for record in cameras.to_crs(settings.STORAGE_CRS).to_dict("records"):
        todo = []
        camera_type = record.get("camera_type") or "unknown"
        if camera_type == "unknown":
            todo.append("camera:type")
        directions = record.get("directions")
        if camera_type not in ("dome", "panning") and not (
            isinstance(directions, (list, tuple)) and len(directions)
        ):
            todo.append("camera:direction")
        height = record.get("height_m")
        if height is None or (isinstance(height, float) and math.isnan(height)):
            todo.append("height")
        check_date = record.get("check_date")
        if not is_blank(check_date):
            end = _period_end(str(check_date))
            if end is not None and end < limit:
                todo.append(f"check_date {check_date} older than {stale_years} years")
        if not todo:
            continue
        point = record["geometry"]
        rows.append({
            "id": record["id"],
            "todo": "; ".join(todo),
            "camera_type": camera_type,
            "check_date": None if is_blank(check_date) else str(check_date),
            "name": record.get("name"),
            "source": record.get("source"),
            "latitude": float(point.y),
            "longitude": float(point.x),
        })
        geometries.append(point)
    columns = ["id", "todo", "camera_type", "check_date", "name", "source", "latitude", "longitude"]
    return gpd.GeoDataFrame(
        {c: [r[c] for r in rows] for c in columns},
        geometry=gpd.GeoSeries(geometries, crs=settings.STORAGE_CRS),
        crs=settings.STORAGE_CRS,
    )


def write_worklist(frame: gpd.GeoDataFrame, prefix: str | Path) -> tuple[Path, Path]:
    """Write ``PREFIX.csv`` and ``PREFIX.geojson`` atomically; returns both paths."""
    prefix = Path(prefix)
    csv_path = prefix.with_name(prefix.name + ".csv")
    geojson_path = prefix.with_name(prefix.name + ".geojson")
    columns = [c for c in frame.columns if c != "geometry"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for record in frame[columns].to_dict("records"):
        writer.writerow(["" if is_blank(v) else v for v in record.values()])
    features = [
        {"type": "Feature",
         "properties": {k: None if is_blank(v) else v for k, v in record.items()},
         "geometry": {"type": "Point", "coordinates": [record["longitude"], record["latitude"]]}}
        for record in frame.drop(columns="geometry").to_dict("records")
    ]
    collection = {"type": "FeatureCollection", "name": prefix.name, "features": features}
    replace_atomic(csv_path, buffer.getvalue().encode("utf-8"))
    replace_atomic(geojson_path, _dump_collection(collection))
    return csv_path, geojson_path


# --------------------------------------------------------------------------- perimeters


@dataclass
class PerimeterAddResult:
    """What :func:`add_perimeters` did (or would do, in a dry run)."""

    target: Path
    added: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    valid_until: str = ""
    valid_until_assumed: bool = False
    written: bool = False
    dry_run: bool = False

    def summary(self) -> str:
        return (f"added {len(self.added)}, already present {len(self.already)}, "
                f"duplicates {len(self.duplicates)}")


def _date_option(value: str | dt.date | None, option: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise UsageError(f"{option} {value!r} is not a date (write YYYY-MM-DD)") from None


def perimeter_id(geometry: shapely.Geometry, decree_ref: str) -> str:
    """The stable id of a digitized perimeter: ``perimeter:`` and 12 hex digits of a hash
    of its geometry (normalized, rounded to 1e-7 degree) and its decree reference."""
    rounded = shapely.normalize(shapely.set_precision(shapely.force_2d(geometry), 1e-7))
    digest = hashlib.sha256(shapely.to_wkb(rounded) + decree_ref.strip().encode("utf-8"))
    return "perimeter:" + digest.hexdigest()[:12]


def _text_or_none(value: Any) -> str | None:
    return None if is_blank(value) else str(value).strip()


def add_perimeters(
    path: str | Path,
    city: City,
    *,
    decree_ref: str,
    decree_date: str | dt.date,
    valid_until: str | dt.date | None = None,
    source_url: str | None = None,
    name: str | None = None,
    contributor: str | None = None,
    assume_crs: str | None = None,
    on_invalid: str = "raise",
    commune: gpd.GeoDataFrame | None = None,
    bundle: str | Path | None = None,
    dry_run: bool = False,
    today: dt.date | None = None,
) -> PerimeterAddResult:
    """Validate perimeters digitized from one decree and append them to the city's file.

    The file (GeoJSON, KML from uMap, GeoPackage, Shapefile) is validated whole by
    :func:`geocover.perimeters.load_perimeters` (CRS, polygons, validity, dates) and
    against the commune (each polygon within :data:`BOUNDARY_TOLERANCE_M` of it);
    nothing is added unless every feature passes. ``valid_until`` defaults to
    ``decree_date`` + ``settings.AUTHORIZATION_YEARS`` years, and that assumption is
    written in the perimeter's ``notes``. Ids are stable (:func:`perimeter_id`), so the
    same file added twice adds nothing.

    Raises
    ------
    DataError
        An unusable file or feature (nothing is written), or a damaged perimeters file.
    UsageError
        A missing decree reference or a malformed date.
    """
    if city.perimeters_file is None or city.folder == Path("."):
        raise UsageError(
            f"{city.slug} has no city folder: perimeters go to a configured city "
            "(data/<city>/city.toml)"
        )
    path = Path(path)
    if not decree_ref or not decree_ref.strip():
        raise UsageError("--decree-ref is required: the decree's reference (arrêté n° …)")
    start = _date_option(decree_date, "--decree-date")
    if start is None:
        raise UsageError("--decree-date is required (YYYY-MM-DD)")
    end = _date_option(valid_until, "--valid-until")
    if end is not None and end < start:
        raise UsageError(f"--valid-until {end} is before --decree-date {start}")
    incoming = load_perimeters(
        path, assume_crs=assume_crs, on_invalid=on_invalid, today=today  # type: ignore[arg-type]
    )
    if incoming.frame.empty:
        raise DataError("no polygons in the file", path)
    raw = read_vector(path)
    if assume_crs is not None and raw.crs is None:
        raw = raw.set_crs(assume_crs)
    result = PerimeterAddResult(target=Path(city.perimeters_file), dry_run=dry_run)
    # ids are assigned below (stable hashes): the loader's "no id" notices do not apply
    result.warnings.extend(
        w for w in incoming.warnings if not re.search(r"no id, called it p\d+$", w)
    )
    if commune is None:
        commune = load_commune(city.insee, bundle=bundle)
    check = CommuneCheck(commune)
    commune_metric = check.geometry
    frame = incoming.frame
    count = len(frame)
    added = _today(today).isoformat()
    new_features: list[dict[str, Any]] = []
    for row, record in enumerate(frame.to_dict("records")):
        given_values = (("decree_ref", decree_ref.strip()), ("decree_date", start.isoformat()))
        for column, given in given_values:
            own = _text_or_none(record.get(column))
            if own is not None and own != given:
                raise DataError(
                    f"{column} {own!r} in the file differs from --{column.replace('_', '-')} "
                    f"{given!r}: one decree per addition", path, row,
                )
        own_until = _text_or_none(record.get("valid_until"))
        until = end or (dt.date.fromisoformat(own_until) if own_until else None)
        feature_assumed = until is None
        if until is None:
            until = _add_years(start, settings.AUTHORIZATION_YEARS)
        result.valid_until = until.isoformat()
        if status_of(until, today) == "expired":
            result.warnings.append(
                f"{path}: row {row}: the authorization expired on {until.isoformat()} "
                "(added all the same: past decrees are part of the record)"
            )
        result.valid_until_assumed = result.valid_until_assumed or feature_assumed
        geometry = shapely.force_2d(record["geometry"])
        metric = gpd.GeoSeries([geometry], crs=settings.STORAGE_CRS).to_crs(check.crs).iloc[0]
        distance = float(commune_metric.distance(metric))
        if distance > check.tolerance_m:
            swapped = shapely.transform(geometry, lambda c: c[:, ::-1])
            bounds_ok = _in_range(*swapped.bounds[:2]) and _in_range(*swapped.bounds[2:])
            swapped_metric = None
            if bounds_ok:
                swapped_metric = gpd.GeoSeries([swapped], crs=settings.STORAGE_CRS).to_crs(
                    check.crs).iloc[0]
            if (swapped_metric is not None
                    and commune_metric.distance(swapped_metric) <= check.tolerance_m):
                raise DataError(f"{SWAPPED}: swapped, the polygon lies in {check.name}", path, row)
            raise DataError(
                f"outside {check.name}: {_metres(distance)} from the commune boundary "
                f"(tolerance {check.tolerance_m:g} m)", path, row,
            )
        outside = metric.difference(commune_metric).area / metric.area if metric.area else 0.0
        if outside > 0.01:
            result.warnings.append(
                f"{path}: row {row}: {outside:.1%} of the polygon lies outside {check.name}"
            )
        raw_props = raw.iloc[row].to_dict() if row < len(raw) else {}
        own_name = _text_or_none(record.get("name")) or _text_or_none(raw_props.get("Name"))
        feature_name = own_name or (
            (f"{name} ({row + 1}/{count})" if count > 1 else name) if name else
            (f"{decree_ref.strip()} ({row + 1}/{count})" if count > 1 else decree_ref.strip())
        )
        notes = [n for n in (_text_or_none(record.get("notes")),
                             _text_or_none(raw_props.get("Description")),
                             _text_or_none(raw_props.get("description"))) if n]
        # a digitizer's own id is kept in the notes (KML ids are made up by the exporter)
        own_id = _text_or_none(raw_props.get("id"))
        if own_id and path.suffix.lower() not in (".kml", ".kmz"):
            notes.append(f"digitized as {own_id}")
        if feature_assumed:
            notes.append(
                f"valid_until assumed: decree date + {settings.AUTHORIZATION_YEARS} years "
                "(authorizations last five years, CSI art. L252-4)"
            )
        if record.get("repaired"):
            notes.append("polygon repaired with make_valid when added")
        properties = {
            "id": perimeter_id(geometry, decree_ref),
            "name": feature_name,
            "decree_ref": decree_ref.strip(),
            "decree_date": start.isoformat(),
            "valid_until": until.isoformat(),
            "source_url": source_url or _text_or_none(record.get("source_url")),
            "notes": "; ".join(dict.fromkeys(notes)) or None,
            "contributor": contributor,
            "added": added,
        }
        new_features.append({"type": "Feature", "properties": properties,
                             "geometry": shapely.geometry.mapping(geometry)})
    target = result.target
    with locked(target):
        if not dry_run:
            remove_stale_temps(target)
        data, stored = _read_perimeter_store(target, city.slug)
        stored_ids = set(stored["id"]) if not stored.empty else set()
        stored_metric = stored.to_crs(check.crs) if not stored.empty else stored
        to_add = []
        for feature in new_features:
            pid = feature["properties"]["id"]
            if pid in stored_ids or pid in {f["properties"]["id"] for f in to_add}:
                result.already.append(pid)
                continue
            same = _same_perimeter(feature, stored, stored_metric, check.crs)
            if same is not None:
                result.duplicates.append(f"{pid}: the same polygon and decree as {same}")
                continue
            to_add.append(feature)
        result.added = [f["properties"]["id"] for f in to_add]
        if to_add:
            data["features"] = list(data["features"]) + to_add
            payload = _dump_collection(data)
            with tempfile.TemporaryDirectory() as folder:
                trial = Path(folder) / target.name
                trial.write_bytes(payload)
                try:
                    load_perimeters(trial, on_invalid="raise", today=today)
                except DataError as exc:
                    raise DataError(f"the perimeters would not load once added ({exc.reason})",
                                    path) from None
            if not dry_run:
                replace_atomic(target, payload)
                result.written = True
    return result


def _read_perimeter_store(path: Path, slug: str) -> tuple[dict[str, Any], gpd.GeoDataFrame]:
    empty = {
        "type": "FeatureCollection",
        "name": f"{slug}-authorized-perimeters",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": [],
    }
    if not path.exists():
        return empty, gpd.GeoDataFrame({"id": []}, geometry=[], crs=settings.STORAGE_CRS)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(
            f"the perimeters file is damaged ({exc}): restore it from git", path
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        raise DataError("the perimeters file is not a FeatureCollection", path)
    stored = load_perimeters(path, on_invalid="raise").frame
    return data, stored


def _same_perimeter(
    feature: Mapping[str, Any], stored: gpd.GeoDataFrame, stored_metric: gpd.GeoDataFrame, crs: str
) -> str | None:
    """The id of a stored perimeter of the same decree whose polygon differs by less than
    1 % of their union (a re-digitization of the same area), else None."""
    if stored.empty:
        return None
    props = feature["properties"]
    same_decree = stored["decree_ref"].astype(str) == props["decree_ref"]
    if not same_decree.any():
        return None
    geometry = gpd.GeoSeries([shapely.geometry.shape(feature["geometry"])],
                             crs=settings.STORAGE_CRS).to_crs(crs).iloc[0]
    for index in np.flatnonzero(same_decree.to_numpy()):
        other = stored_metric.geometry.iloc[index]
        union = other.union(geometry).area
        if union and other.symmetric_difference(geometry).area / union < 0.01:
            return str(stored["id"].iloc[index])
    return None

