"""Reading contribution files (CSV, GeoJSON) into rows."""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pyproj import Transformer

from geocover import settings
from geocover.errors import DataError, UsageError
from geocover.schema.contrib_vocab import (
    _CSV_SUFFIXES,
    _GEOJSON_SUFFIXES,
    _WGS84_NAMES,
    InputRow,
)
from geocover.schema.vocab import LAT_NAMES, LON_NAMES

# --------------------------------------------------------------------------- reading files


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
                "UTF-16 text, not UTF-8: save it as UTF-8 (\"CSV UTF-8\")", path,
                hint="encoding", hint_value="utf-16",
            )
        if b"\x00" in data:
            raise DataError("not a CSV or GeoJSON file (binary content)", path)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise DataError(
                f"not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}): save it as "
                "UTF-8", path, hint="encoding_8bit",
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
        raise UsageError("give both lat and lon (the coordinate columns), or neither",
                         hint="option", hint_value="lat,lon")
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
        lat_column: str | None = lat
        lon_column: str | None = lon
    else:
        lat_column = _find_column(header, LAT_NAMES)
        lon_column = _find_column(header, LON_NAMES)
    if lat_column is None or lon_column is None:
        raise DataError(
            "no coordinate columns: expected lat/latitude/y and lon/lng/longitude/x "
            f"(columns: {', '.join(header)})", path, 1, hint="lat_lon",
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
            original = dict(zip(header, values + [""] * (len(header) - len(values)), strict=False))
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
