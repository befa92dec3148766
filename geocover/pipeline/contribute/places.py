"""Where a contributed camera is: inside the commune, or how far out."""

from __future__ import annotations

import math
import re
from typing import Any

import geopandas as gpd
import shapely
import shapely.geometry
import shapely.ops
from pyproj import Transformer

from geocover import settings
from geocover.model.crs import metric_crs
from geocover.pipeline.contribute.policy import _GEOD, BOUNDARY_TOLERANCE_M
from geocover.schema.blank import is_blank
from geocover.schema.contrib_vocab import SWAPPED
from geocover.schema.text import _coord_text

# --------------------------------------------------------------------------- places


def _in_range(lon: float, lat: float) -> bool:
    return -180 <= lon <= 180 and -90 <= lat <= 90


def _metres(distance: float) -> str:
    return f"{distance:,.0f} m"


class CommuneCheck:
    """Where a point lies with respect to a commune: inside, near (within the tolerance),
    or outside, with distances in metres (in the commune's metric CRS)."""

    def __init__(self, commune: gpd.GeoDataFrame, tolerance_m: float = BOUNDARY_TOLERANCE_M):
        commune = commune.to_crs(settings.STORAGE_CRS)
        self.tolerance_m = tolerance_m
        self.name = str(commune["name"].iloc[0]) if "name" in commune else "the commune"
        self.crs = metric_crs(commune)
        self.geometry_deg = commune.geometry.iloc[0]
        self.geometry = commune.to_crs(self.crs).geometry.iloc[0]
        shapely.prepare(self.geometry)
        self._to_metric = Transformer.from_crs(settings.STORAGE_CRS, self.crs, always_xy=True)

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = self._to_metric.transform(lon, lat)
        return float(x), float(y)

    def distance(self, lon: float, lat: float) -> float:
        """Metres from the commune (0 inside); geodesic for far points."""
        if not _in_range(lon, lat):
            return math.inf
        x, y = self.project(lon, lat)
        distance = math.inf
        if math.isfinite(x) and math.isfinite(y):
            distance = float(self.geometry.distance(shapely.Point(x, y)))
        if not math.isfinite(distance) or distance > 100_000:
            # far from the commune a conic projection distorts distances: measure on the ellipsoid
            nearest = shapely.ops.nearest_points(self.geometry_deg, shapely.Point(lon, lat))[0]
            distance = float(_GEOD.inv(lon, lat, nearest.x, nearest.y)[2])
        return distance

    def locate(self, lon: float, lat: float) -> tuple[float | None, str | None]:
        """(distance in metres, None) when the point is acceptable, else (None, reason)."""
        given_ok = _in_range(lon, lat)
        distance = self.distance(lon, lat) if given_ok else math.inf
        if distance <= self.tolerance_m:
            return distance, None
        if _in_range(lat, lon) and self.distance(lat, lon) <= self.tolerance_m:
            where = (f"{_metres(distance)} outside {self.name}" if given_ok
                     else "out of range")
            return None, (
                f"{SWAPPED}: as given (latitude {_coord_text(lat)}, longitude "
                f"{_coord_text(lon)}) the point is {where}; swapped it is in {self.name}"
            )
        if not given_ok:
            if abs(lon) > 1000 or abs(lat) > 1000:
                return None, (
                    f"coordinates ({_coord_text(lon)}, {_coord_text(lat)}) are not degrees: "
                    "projected (Lambert-93?)? give WGS84 latitude and longitude"
                )
            if not -90 <= lat <= 90:
                bad = f"latitude {_coord_text(lat)} is out of range (-90 to 90)"
            else:
                bad = f"longitude {_coord_text(lon)} is out of range (-180 to 180)"
            return None, bad
        return None, (
            f"outside {self.name}: {_metres(distance)} from the commune boundary "
            f"(tolerance {self.tolerance_m:g} m)"
        )


def _coordinate(value: Any, what: str) -> tuple[float | None, str | None]:
    if is_blank(value):
        return None, f"missing {what}"
    if isinstance(value, bool):
        return None, f"{what} {value!r} is not a number"
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip()
        if re.fullmatch(r"-?\d+,\d+", text):
            text = text.replace(",", ".")  # a French spreadsheet's decimal comma
        try:
            number = float(text)
        except ValueError:
            return None, f"{what} {value!r} is not a number"
    if not math.isfinite(number):
        return None, f"{what} {value!r} is not a finite number"
    return number, None
