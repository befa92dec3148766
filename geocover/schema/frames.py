"""Camera frames: the empty layer and rows in the camera schema."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geocover import settings
from geocover.schema.vocab import _FLOAT_COLUMNS, CAMERA_COLUMNS

# ------------------------------------------------------------------------ frames


def empty_layer(columns: Mapping[str, str | None],
                crs: str = settings.STORAGE_CRS) -> gpd.GeoDataFrame:
    """An empty layer: ``columns`` maps each name to its dtype, ``"geometry"`` (dtype None)
    where the geometry column goes, in ``crs``. Built from empty arrays: from empty
    Series it took 1.3-2 ms more each (a report builds seven empty layers)."""
    data = {name: gpd.GeoSeries([], crs=crs) if name == "geometry" else np.empty(0, dtype=dtype)
            for name, dtype in columns.items()}
    return gpd.GeoDataFrame(data, geometry="geometry", crs=crs)


def empty_cameras() -> gpd.GeoDataFrame:
    """An empty camera layer: the columns of :data:`CAMERA_COLUMNS`, EPSG:4326."""
    columns: dict[str, str | None] = {
        name: "float64" if name in _FLOAT_COLUMNS else "object" for name in CAMERA_COLUMNS[:-1]
    }
    return empty_layer({**columns, "geometry": None})


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
