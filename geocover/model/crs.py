"""Metric CRS for area computations."""

from __future__ import annotations

import geopandas as gpd
import shapely

from geocover import settings


def metric_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> str:
    """Lambert-93 (EPSG:2154) when the layer lies in metropolitan France, else a local UTM."""
    from pyproj import CRS

    minx, miny, maxx, maxy = frame.to_crs(settings.STORAGE_CRS).total_bounds
    area = CRS(settings.METRIC_CRS).area_of_use
    if (
        area is not None
        and area.west <= minx
        and maxx <= area.east
        and area.south <= miny
        and maxy <= area.north
    ):
        return settings.METRIC_CRS
    box = gpd.GeoSeries(shapely.box(minx, miny, maxx, maxy), crs=settings.STORAGE_CRS)
    crs = box.estimate_utm_crs()
    return crs.to_string()
