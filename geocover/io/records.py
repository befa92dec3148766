"""Reading camera records from GeoJSON, CSV and OGR files."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from geocover import settings
from geocover.errors import DataError
from geocover.schema.blank import is_blank
from geocover.schema.vocab import LAT_NAMES, LON_NAMES

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
    lat_column = lat or _find_column(header, LAT_NAMES)
    lon_column = lon or _find_column(header, LON_NAMES)
    for given in (lat, lon):
        if given is not None and given not in header:
            raise DataError(f"no column {given!r} in the header", path, 1)
    if lat_column is None or lon_column is None:
        raise DataError(
            "not a camera table: no coordinate columns (expected "
            f"{'/'.join(LAT_NAMES)} and {'/'.join(LON_NAMES)}; found {', '.join(header)})",
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
        properties = dict(zip(header, values + [""] * (len(header) - len(values)), strict=False))
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
        {str(k): (None if is_blank(v) else v) for k, v in row.items()}
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
