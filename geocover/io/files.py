"""Reading vector files at the boundary, with errors that name the file and the reason."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd

from geocover.errors import DataError
from geocover.io.guard import check_input_file

_POLYGONAL = {"Polygon", "MultiPolygon"}
_PUNCTUAL = {"Point", "MultiPoint"}


def read_vector(
    path: str | Path, *, expect: str | None = None, assume_crs: str | None = None
) -> gpd.GeoDataFrame:
    """Read a GeoJSON, GeoPackage, Shapefile or KML with pyogrio: every layer of it.

    Only a regular, readable file of sane size is opened
    (:func:`geocover.io.guard.check_input_file`). A file of several layers (KML folders,
    GeoPackage tables) is read whole, with a ``layer`` column naming each feature's
    layer. Coordinates are checked against the CRS (:mod:`geocover.io.coords`).

    Parameters
    ----------
    expect : {"polygon", "point", None}
        The geometry family the caller needs; any other is a DataError naming it.
    assume_crs : str, optional
        The CRS of a file that declares none (a GeoJSON without a ``crs`` member
        included: GDAL would call it WGS 84).

    Raises
    ------
    DataError
        The file is missing, not a regular file, unreadable, not geospatial, of the wrong
        geometry type, or has coordinates that cannot be in its CRS.
    UsageError
        ``assume_crs`` is not a CRS.
    """
    # pyogrio, pyproj and GEOS are loaded on the first read, not with geocover
    import pyogrio.errors
    import shapely.errors

    from geocover.io.coords import assume, check_coordinates, declares_crs, parse_crs, refuse_nul
    from geocover.io.layers import read_layers

    path = Path(path)
    if assume_crs is not None:
        parse_crs(assume_crs)
    check_input_file(path)
    if path.stat().st_size == 0:
        raise DataError("the file is empty", path)
    refuse_nul(path)
    if path.suffix.lower() in (".geojson", ".json") and _is_empty_collection(path):
        return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326")
    try:
        frame = read_layers(path)
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
