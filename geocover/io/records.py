"""Camera records from GeoJSON, CSV and OGR files, read by :mod:`geocover.io.tables`.

A camera file stops at its first unusable row (a DataError naming the file, the row and
the reason); contributions (:mod:`geocover.io.contributions`) collect reasons instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from geocover import settings
from geocover.errors import DataError
from geocover.io.collector import collector_paused
from geocover.io.tables import (
    CSV_SUFFIXES,
    GEOJSON_SUFFIXES,
    coordinate_columns,
    geojson_of,
    parse_number,
    read_csv,
    read_geojson,
    read_text,
    read_vector,
)
from geocover.schema.blank import is_blank

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


def _read_json(path: Path) -> Any:
    """A JSON camera file's parsed content (a FeatureCollection, an Overpass answer)."""
    return read_geojson(read_text(path), path).data


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
    collection = geojson_of(data, path)
    if collection.overpass:
        raise DataError("not GeoJSON: expected a FeatureCollection of Point features", path)
    records = _Records(crs=collection.crs)
    check = records.crs is None
    try:
        _take_points(collection.features, records, path, check)
    except Exception:
        if check:
            _check_all_lonlat(records, path)  # an earlier row's error comes first
        raise
    if check:
        _check_all_lonlat(records, path)
    return records


def _take_points(features: list[Any], records: _Records, path: Path | None,
                 check: bool) -> None:
    """Append every feature's row, properties and point to ``records``.

    The common feature (dicts, a list of two or three numbers) is taken at once; any other
    goes through every check, in order (:func:`_feature_point`). The lon/lat range is
    checked afterwards, for all rows at once (:func:`_check_all_lonlat`)."""
    rows, props, xs, ys = records.rows, records.props, records.x, records.y
    for number, feature in enumerate(features, start=1):
        if type(feature) is dict and feature.get("type") == "Feature":
            geometry = feature.get("geometry")
            if type(geometry) is dict and geometry.get("type") == "Point":
                xy = geometry.get("coordinates")
                if type(xy) is list and len(xy) >= 2 and type(xy[0]) in _NUMBERS \
                        and type(xy[1]) in _NUMBERS:
                    properties = feature.get("properties")
                    if type(properties) is dict or properties is None:
                        x, y = float(xy[0]), float(xy[1])
                        rows.append(number)
                        props.append(dict(properties) if properties else {})
                        xs.append(x)
                        ys.append(y)
                        continue
        x, y, properties = _feature_point(feature, path, number, check)
        rows.append(number)
        props.append(dict(properties))
        xs.append(x)
        ys.append(y)


#: The exact types of the coordinates :func:`_geojson_records` takes without more checks
#: (a bool, which ``isinstance(…, int)`` also accepts, goes the long way).
_NUMBERS = (float, int)


def _check_all_lonlat(records: _Records, path: Path | None) -> None:
    """:func:`_check_lonlat` of every row read so far, the first bad one raised."""
    x = np.asarray(records.x, dtype=float)
    y = np.asarray(records.y, dtype=float)
    with np.errstate(invalid="ignore"):
        good = (np.isfinite(x) & np.isfinite(y)
                & (x >= -180) & (x <= 180) & (y >= -90) & (y <= 90))
    if not good.all():
        first = int(np.flatnonzero(~good)[0])
        _check_lonlat(records.x[first], records.y[first], path, records.rows[first])


def _feature_point(
    feature: Any, path: Path | None, number: int, check: bool
) -> tuple[float, float, Mapping[str, Any]]:
    """One feature's point and properties, checked; a DataError naming what is wrong."""
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
    if check:
        _check_lonlat(x, y, path, number)
    properties = feature.get("properties") or {}
    if not isinstance(properties, Mapping):
        raise DataError("'properties' is not an object", path, number)
    return x, y, properties


def _coordinate(value: str | None, path: Path, row: int, column: str) -> float:
    try:
        return parse_number(value, f"column {column!r}:")
    except ValueError as exc:
        reason = str(exc)
        if reason.startswith("missing"):
            reason = f"missing coordinates (column {column!r} is empty)"
        raise DataError(reason, path, row) from None


def _csv_records(
    path: Path, lat: str | None = None, lon: str | None = None
) -> _Records:
    table = read_csv(read_text(path), path)
    lat_column, lon_column = coordinate_columns(table, path, lat, lon)
    records = _Records(coordinate_keys=(lat_column, lon_column))
    for row in table.rows:
        if row.extra:
            raise DataError(table.overflow_reason(row), path, row.line)
        x = _coordinate(row.values.get(lon_column), path, row.line, lon_column)
        y = _coordinate(row.values.get(lat_column), path, row.line, lat_column)
        _check_lonlat(x, y, path, row.line)
        records.rows.append(row.line)
        records.props.append(row.values)
        records.x.append(x)
        records.y.append(y)
    return records


def _ogr_records(path: Path) -> _Records:
    """Any other vector format GDAL reads (GeoPackage, Shapefile, FlatGeobuf…)."""
    frame = read_vector(path)
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
    if suffix in GEOJSON_SUFFIXES:
        text = read_text(path)
        with collector_paused():  # a dict per feature, none in a cycle
            collection = read_geojson(text, path)
            if collection.overpass:
                return _Records(), collection.data
            return _geojson_records(collection.data, path), collection.data
    if suffix in CSV_SUFFIXES:
        return _csv_records(path, lat, lon), None
    return _ogr_records(path), None
