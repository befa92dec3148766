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


def empty_cameras() -> gpd.GeoDataFrame:
    """An empty camera layer: the columns of :data:`CAMERA_COLUMNS`, EPSG:4326."""
    columns = {
        name: pd.Series(dtype="float64" if name in _FLOAT_COLUMNS else "object")
        for name in CAMERA_COLUMNS[:-1]
    }
    return gpd.GeoDataFrame(
        columns, geometry=gpd.GeoSeries([], crs=settings.STORAGE_CRS), crs=settings.STORAGE_CRS
    )


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
