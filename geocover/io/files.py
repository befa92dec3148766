"""Reading vector files at the boundary, with errors that name the file and the reason."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd

from geocover.errors import DataError

_POLYGONAL = {"Polygon", "MultiPolygon"}
_PUNCTUAL = {"Point", "MultiPoint"}


def read_vector(path: str | Path, *, expect: str | None = None) -> gpd.GeoDataFrame:
    """Read a GeoJSON, GeoPackage, Shapefile or KML with pyogrio.

    Parameters
    ----------
    expect : {"polygon", "point", None}
        The geometry family the caller needs; any other is a DataError naming it.

    Raises
    ------
    DataError
        The file is missing, unreadable, not geospatial, or of the wrong geometry type.
    """
    path = Path(path)
    if not path.exists():
        raise DataError("no such file", path)
    if path.is_file() and path.stat().st_size == 0:
        raise DataError("the file is empty", path)
    if path.suffix.lower() in (".geojson", ".json") and _is_empty_collection(path):
        return gpd.GeoDataFrame({"geometry": []}, geometry="geometry", crs="EPSG:4326")
    import pyogrio.errors  # loaded on the first read, not with geocover

    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"not a readable geospatial file ({first})", path) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"not a readable geospatial file ({exc})", path) from None
    if "geometry" not in frame or not isinstance(frame, gpd.GeoDataFrame):
        raise DataError("the file has no geometry column: not a geospatial layer", path)
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
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(data, dict) and data.get("type") == "FeatureCollection" and not data.get(
        "features"
    )
