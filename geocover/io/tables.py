"""The one reader of vector and table files: CSV, GeoJSON, and what GDAL reads.

Every file of cameras (``--cameras``, official lists, contributions) and of perimeters
is opened here; the callers interpret the rows (a ``--cameras`` file stops at its first
bad row, a contribution collects one reason per row). Each function raises a
:class:`~geocover.errors.DataError` naming the file, the row when there is one, and
the reason.

* :func:`read_text`: bytes to text, UTF-8 with or without BOM by default, another
  encoding only when named; UTF-16, spreadsheets (ZIP) and binary files are refused
  with a message, never guessed.
* :func:`read_csv`: a ``;``, ``,`` or tab separated table with a header line.
* :func:`coordinate_columns`: the latitude and longitude columns of a header, from the
  one vocabulary (:data:`~geocover.schema.vocab.LAT_NAMES`, ``LON_NAMES``).
* :func:`read_geojson`: a FeatureCollection (or one Feature), with its CRS.
* :func:`read_vector`: any vector format GDAL reads, through pyogrio.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
import shapely.errors

from geocover import settings
from geocover.errors import DataError, UsageError
from geocover.io.collector import loads as json_loads
from geocover.schema.blank import is_blank
from geocover.schema.vocab import LAT_NAMES, LON_NAMES

#: File name suffixes read as CSV and as GeoJSON; others go to GDAL.
CSV_SUFFIXES: tuple[str, ...] = (".csv", ".tsv", ".txt")
GEOJSON_SUFFIXES: tuple[str, ...] = (".geojson", ".json")
#: CRS names a GeoJSON may give that mean WGS84 longitude/latitude.
WGS84_NAMES: tuple[str, ...] = (
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "EPSG:4326",
)
_POLYGONAL = {"Polygon", "MultiPolygon"}
_PUNCTUAL = {"Point", "MultiPoint"}

# ----------------------------------------------------------------------------- text


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4000]
    if len(sample) < 4:
        return False
    return sample[1::2].count(0) > len(sample) // 4 or sample[0::2].count(0) > len(sample) // 4


def read_bytes(path: Path) -> bytes:
    """The file's bytes; a missing file, a folder or an unreadable file is a DataError."""
    from geocover.io.guard import read_input_bytes

    try:
        return read_input_bytes(path)  # a FIFO, a device, a folder: refused before reading
    except FileNotFoundError:
        raise DataError("no such file", path) from None
    except IsADirectoryError:
        raise DataError("a folder, not a file", path) from None
    except OSError as exc:
        raise DataError(f"cannot read the file ({exc.strerror})", path) from None


def read_text(path: str | Path, encoding: str = "utf-8", *, encoding_hint: bool = False) -> str:
    """A text file's content, decoded.

    Parameters
    ----------
    encoding : str
        The file's encoding. UTF-8 (the default) accepts a BOM; any other must be
        named: a Latin-1 file read as UTF-8 is refused with the line of the first bad
        byte rather than guessed.
    encoding_hint : bool
        Whether a non-UTF-8 file's error carries the ``encoding`` hints (for callers
        that take an encoding; the CLI names its option).

    Raises
    ------
    DataError
        Missing, empty, a ZIP archive, UTF-16, binary, or not in ``encoding``.
    UsageError
        ``encoding`` is not an encoding.
    """
    path = Path(path)
    data = read_bytes(path)
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
            raise DataError("UTF-16 text, not UTF-8: save it as UTF-8 (\"CSV UTF-8\")", path,
                            hint="encoding" if encoding_hint else None,
                            hint_value="utf-16" if encoding_hint else None)
        if b"\x00" in data:
            raise DataError("not a CSV or GeoJSON file (binary content)", path)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise DataError(
                f"not UTF-8 text (byte 0x{data[exc.start]:02x} on line {line}): save it as "
                "UTF-8", path, hint="encoding_8bit" if encoding_hint else None,
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


# ----------------------------------------------------------------------------- CSV


@dataclass
class CsvRow:
    """One data line of a CSV."""

    line: int
    """The line it starts on (the header is line 1 when it is the first line)."""
    values: dict[str, str]
    """Column → value; missing trailing values are empty."""
    extra: list[str] = field(default_factory=list)
    """Values beyond the header's columns (a wrong delimiter or quoting)."""


@dataclass
class CsvTable:
    """A CSV read whole: its header, its delimiter and its non-empty rows."""

    header: list[str]
    delimiter: str
    rows: list[CsvRow]
    header_line: int = 1

    def overflow_reason(self, row: CsvRow) -> str:
        """The reason for a row with more values than columns."""
        return (f"{len(self.header) + len(row.extra)} values for {len(self.header)} columns "
                f"(check the delimiter {self.delimiter!r} and the quoting)")


def read_csv(text: str, path: Path) -> CsvTable:
    """Split a CSV's text into a header and rows; the delimiter (``;``, ``,`` or tab) is
    the one the header line uses most. Blank lines are skipped.

    Raises
    ------
    DataError
        No header, a column named twice, or a line the csv module cannot read.
    """
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
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
    header_line = reader.line_num
    seen: set[str] = set()
    for column in header:
        if column in seen and column:
            raise DataError(f"column {column!r} appears twice in the header", path, header_line)
        seen.add(column)
    rows: list[CsvRow] = []
    line = reader.line_num
    try:
        for values in reader:
            start, line = line + 1, reader.line_num
            if not any(value.strip() for value in values):
                continue
            padded = values + [""] * (len(header) - len(values))
            values_of = dict(zip(header, padded, strict=False))
            rows.append(CsvRow(start, values_of, values[len(header):]))
    except csv.Error as exc:
        raise DataError(f"not a readable CSV file ({exc})", path, line + 1) from None
    return CsvTable(header, delimiter, rows, header_line)


def find_column(header: list[str], names: tuple[str, ...]) -> str | None:
    """The first column of ``header`` named one of ``names`` (case and spaces ignored)."""
    lowered = {column.strip().lower(): column for column in header}
    return next((lowered[name] for name in names if name in lowered), None)


def coordinate_columns(
    table: CsvTable, path: Path, lat: str | None = None, lon: str | None = None,
    *, option_hint: bool = False,
) -> tuple[str, str]:
    """The latitude and longitude columns: ``lat``/``lon`` when given (they must be in
    the header), else found among :data:`LAT_NAMES` and :data:`LON_NAMES`.

    Parameters
    ----------
    option_hint : bool
        Whether the error carries the ``lat_lon`` hint (for callers that take the
        coordinate columns; the CLI names its options).
    """
    header = table.header
    for given in (lat, lon):
        if given is not None and given not in header:
            raise DataError(f"no column {given!r} in the header (columns: {', '.join(header)})",
                            path, table.header_line)
    lat_column = lat or find_column(header, LAT_NAMES)
    lon_column = lon or find_column(header, LON_NAMES)
    if lat_column is None or lon_column is None:
        raise DataError(
            f"no coordinate columns: expected {'/'.join(LAT_NAMES)} and {'/'.join(LON_NAMES)}"
            f" (columns: {', '.join(header)})", path, table.header_line,
            hint="lat_lon" if option_hint else None,
        )
    return lat_column, lon_column


def parse_number(value: Any, what: str) -> float:
    """A finite number from a cell; a decimal comma (``49,1196``, a French spreadsheet's)
    is read.

    Raises
    ------
    ValueError
        Blank (``missing <what>``), not a number, or not finite.
    """
    if is_blank(value):
        raise ValueError(f"missing {what}")
    if isinstance(value, bool):
        raise ValueError(f"{what} {value!r} is not a number")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip()
        if re.fullmatch(r"-?\d+,\d+", text):
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{what} {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} {value!r} is not a finite number")
    return number


# ----------------------------------------------------------------------------- GeoJSON


@dataclass
class GeoJson:
    """A GeoJSON (or an Overpass answer) parsed, not yet judged feature by feature."""

    data: Any
    """The parsed JSON."""
    features: list[Any] = field(default_factory=list)
    crs: str | None = None
    """The CRS the collection names, None when it names none or WGS84."""
    overpass: bool = False
    """An Overpass ``[out:json]`` answer (``elements``), not a FeatureCollection."""


def read_geojson(text: str, path: Path | None) -> GeoJson:
    """Parse a FeatureCollection (a lone Feature counts as a collection of one).

    Raises
    ------
    DataError
        Not JSON, not a FeatureCollection, ``features`` not a list.
    """
    try:
        data = json_loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON (line {exc.lineno}: {exc.msg})", path) from None
    except RecursionError:
        raise DataError("not valid GeoJSON (nested too deeply)", path) from None
    except ValueError as exc:
        raise DataError(f"not valid JSON ({exc})", path) from None
    return geojson_of(data, path)


def _no_constant(token: str) -> float:
    from geocover.io.guard import no_constant

    return no_constant(token)


def geojson_of(data: Any, path: Path | None) -> GeoJson:
    """:func:`read_geojson` of JSON already parsed."""
    if isinstance(data, Mapping) and isinstance(data.get("elements"), list):
        return GeoJson(data, overpass=True)
    if isinstance(data, Mapping) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        raise DataError("not GeoJSON: expected a FeatureCollection of Point features", path)
    features = data.get("features")
    if not isinstance(features, list):
        raise DataError("not GeoJSON: 'features' is not a list", path)
    crs = data.get("crs")
    crs_name = ((crs if isinstance(crs, Mapping) else {}).get("properties") or {}).get("name")
    return GeoJson(data, features,
                   crs_name if crs_name and crs_name not in WGS84_NAMES else None)


#: Largest GeoJSON read without GDAL by :func:`read_plain_polygons`.
_PLAIN_GEOJSON_MAX_BYTES = 4 * 2**20


def read_plain_polygons(path: Path) -> gpd.GeoDataFrame | None:
    """A small GeoJSON FeatureCollection of Polygons and MultiPolygons in WGS 84 (no
    ``crs`` member, or one naming WGS 84), read with ``json`` and shapely, as GDAL would
    read it (:func:`read_vector`'s frame): loading GDAL for the 2 kB boundary of Paris
    cost 45 ms of every command. None for any other file (another CRS, other geometries,
    a feature or a property that is not plain), which GDAL then reads, and says what is
    wrong with it."""
    if path.suffix.lower() not in GEOJSON_SUFFIXES:
        return None
    try:
        if not 0 < path.stat().st_size <= _PLAIN_GEOJSON_MAX_BYTES:
            return None
        from geocover.io.guard import read_input_bytes

        collection = read_geojson(read_input_bytes(path).decode("utf-8"), path)
    except (OSError, DataError, UnicodeDecodeError):
        return None
    named = collection.data.get("crs")
    if named is not None and not (isinstance(named, dict) and collection.crs is None
                                  and (named.get("properties") or {}).get("name")):
        return None  # a CRS other than WGS 84 (or said in a way only GDAL reads)
    if collection.overpass or not collection.features:
        return None
    rows, geometries = [], []
    for feature in collection.features:
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        props = feature.get("properties") if isinstance(feature, dict) else None
        if (not isinstance(geometry, dict)
                or geometry.get("type") not in ("Polygon", "MultiPolygon")
                or not isinstance(props, dict)
                or not all(v is None or isinstance(v, (str, int, float, bool))
                           for v in props.values())):
            return None
        rows.append(props)
        geometries.append(json.dumps(geometry))
    try:
        shapes = shapely.from_geojson(geometries)
    except (shapely.errors.ShapelyError, ValueError):
        return None
    frame = gpd.GeoDataFrame(rows, geometry=shapes, crs=settings.STORAGE_CRS)
    from geocover.io.coords import check_coordinates

    check_coordinates(frame, path, declared=False)  # (read_vector's own check)
    return frame


# ----------------------------------------------------------------------------- GDAL


def read_vector(
    path: str | Path,
    *,
    expect: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    columns: list[str] | None = None,
    assume_crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a GeoJSON, GeoPackage, Shapefile, KML or any vector format GDAL reads: every
    layer of it (KML folders, GeoPackage tables), only once the file is a regular,
    readable file of sane size, its coordinates checked against its CRS (``assume_crs``
    applies to a file that declares none, a GeoJSON without ``crs`` included).

    Parameters
    ----------
    expect : {"polygon", "point", None}
        The geometry family the caller needs; any other is a DataError naming it
        (rows counted from 0).
    bbox : (minx, miny, maxx, maxy), optional
        Only the features whose box meets this one (GDAL filters them in C).
    columns : list of str, optional
        Only these attribute columns.

    Raises
    ------
    DataError
        The file is missing, unreadable, not geospatial, or of the wrong geometry type.
    """
    import shapely.errors

    from geocover.io.coords import assume, check_coordinates, declares_crs, parse_crs, refuse_nul
    from geocover.io.guard import check_input_file

    path = Path(path)
    if assume_crs is not None:
        parse_crs(assume_crs)
    check_input_file(path)
    if path.stat().st_size == 0:
        raise DataError("the file is empty", path)
    refuse_nul(path)
    if path.suffix.lower() in GEOJSON_SUFFIXES and _is_empty_collection(path):
        return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326")
    # GDAL loaded on the first file it reads (24 ms), not for an empty one
    import pyogrio.errors

    from geocover.io.layers import read_layers

    try:
        if bbox is None and columns is None:
            frame = read_layers(path)
        else:
            frame = gpd.read_file(path, engine="pyogrio", bbox=bbox, columns=columns)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"not a readable geospatial file ({first})", path) from None
    except (UnicodeDecodeError, ValueError, shapely.errors.ShapelyError) as exc:
        raise DataError(f"not a readable geospatial file ({exc})", path) from None
    if "geometry" not in frame or not isinstance(frame, gpd.GeoDataFrame):
        raise DataError("the file has no geometry column: not a geospatial layer", path)
    declared = declares_crs(path, frame)
    frame = assume(frame, assume_crs, declared)
    check_coordinates(frame, path, declared=declared or assume_crs is not None)
    if expect is not None and not frame.empty:
        wanted = _POLYGONAL if expect == "polygon" else _PUNCTUAL
        types = frame.geometry.geom_type
        bad = types.notna() & ~types.isin(wanted)
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise DataError(
                f"a {types.iloc[row]} where {expect}s are expected "
                f"({int(bad.sum())} of {len(frame)} features)",
                path,
                row,
            )
    return frame


def _is_empty_collection(path: Path) -> bool:
    """GDAL reads an empty FeatureCollection as a layer without a geometry column; treat
    it as an empty layer instead (an empty contributions file is legitimate)."""
    if path.stat().st_size > 100_000:
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return False
    return isinstance(data, dict) and data.get("type") == "FeatureCollection" and not data.get(
        "features"
    )
