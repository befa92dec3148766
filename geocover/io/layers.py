"""Every layer of a vector file: KML folders, GeoPackage tables, one GeoJSON.

Reading only the first layer silently drops the others (a uMap export with three
folders gave one perimeter of three). :func:`read_layers` reads them all.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio


def _read(path: str | Path, layer: str | None) -> gpd.GeoDataFrame:
    """One layer, GDAL's warnings swallowed rather than printed.

    GDAL warns and carries on where the data is bad (an unclosed ring closed, a point of
    one coordinate dropped to a null geometry, NaN coordinates, a property that is a
    list); the caller's checks then refuse such features with the row, so the warnings
    would only be noise on the terminal (or an error inside GDAL's callback).
    """
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always", RuntimeWarning)
        warnings.simplefilter("always", UserWarning)
        return gpd.read_file(path, engine="pyogrio", layer=layer)


def read_layers(path: str | Path) -> gpd.GeoDataFrame:
    """All the spatial layers of ``path`` as one frame.

    With one layer, that layer as GDAL reads it. With several, their features one after
    the other, a ``layer`` column naming each one's layer, in the first layer's CRS
    (each converted to it). Layers without geometry (attribute tables) are skipped.

    Raises
    ------
    pyogrio.errors.DataSourceError
        Not a file GDAL can read.
    ValueError
        Layers of which some declare a CRS and others none.
    """
    layers = [str(name) for name, kind in pyogrio.list_layers(path) if kind is not None]
    if len(layers) <= 1:
        return _read(path, layers[0] if layers else None)
    frames = [_read(path, name) for name in layers]
    crs = frames[0].crs
    if any((f.crs is None) != (crs is None) for f in frames):
        raise ValueError("some layers declare a CRS and others do not")
    parts = []
    for name, frame in zip(layers, frames, strict=True):
        if crs is not None and frame.crs != crs:
            frame = frame.to_crs(crs)
        frame = frame.copy()
        frame["layer"] = name
        parts.append(frame)
    merged = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=crs)
