"""Reading contribution files (CSV, GeoJSON) into rows."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pyproj import Transformer

from geocover import settings
from geocover.errors import DataError, UsageError
from geocover.io.tables import (
    CSV_SUFFIXES,
    GEOJSON_SUFFIXES,
    coordinate_columns,
    read_csv,
    read_geojson,
    read_text,
)
from geocover.schema.contrib_vocab import InputRow

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
        The coordinate columns of a CSV (default: detected among
        :data:`~geocover.schema.vocab.LAT_NAMES` and ``LON_NAMES``, case ignored).
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
    if suffix and suffix not in CSV_SUFFIXES + GEOJSON_SUFFIXES:
        raise DataError(
            f"a {suffix} file: cameras are added from CSV or GeoJSON; export it as one of "
            "those (polygons from a decree go through 'geocover perimeters add')", path,
        )
    text = read_text(path, encoding, encoding_hint=True)
    if suffix in GEOJSON_SUFFIXES or (suffix in ("", ".txt") and text.lstrip().startswith("{")):
        return _read_geojson(path, text)
    return _read_csv(path, text, lat, lon)


def _read_csv(path: Path, text: str, lat: str | None, lon: str | None) -> ContributionFile:
    table = read_csv(text, path)
    lat_column, lon_column = coordinate_columns(table, path, lat, lon, option_hint=True)
    header = table.header
    # a rejects file written by geocover, fixed and added back: its first two columns
    # say why the row was refused, they are not tags
    ignored = {"row", "reason"} if [c.lower() for c in header[:2]] == ["row", "reason"] else set()
    rows = []
    for line in table.rows:
        row = InputRow(number=line.line, original=dict(line.values))
        if line.extra:
            row.problem = table.overflow_reason(line)
            row.original["…"] = table.delimiter.join(line.extra)
        row.lat = line.values.get(lat_column)
        row.lon = line.values.get(lon_column)
        row.props = {k: v for k, v in line.values.items()
                     if k not in (lat_column, lon_column) and k.lower() not in ignored}
        rows.append(row)
    if not rows:
        raise DataError("no rows: the file has a header line but no data", path)
    return ContributionFile(path, "csv", header, rows, lat_column, lon_column)


def _read_geojson(path: Path, text: str) -> ContributionFile:
    collection = read_geojson(text, path)
    if collection.overpass:
        raise DataError(
            "an Overpass answer: those cameras are in OSM already, nothing to contribute", path
        )
    features = collection.features
    if not features:
        raise DataError("no features: the FeatureCollection is empty", path)
    transformer = None
    if collection.crs is not None:
        try:
            transformer = Transformer.from_crs(collection.crs, settings.STORAGE_CRS,
                                               always_xy=True)
        except Exception:  # pyproj raises CRSError, a ValueError subclass, or ProjError
            raise DataError(f"unknown CRS {collection.crs!r}", path) from None
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
