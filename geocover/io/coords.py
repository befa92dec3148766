"""Coordinates at the boundary: the CRS a file declares, and numbers that cannot be in it.

GDAL labels every GeoJSON WGS 84, whether its numbers are degrees or Lambert-93 metres;
a file that gives metres as degrees would be measured as a speck off Africa. So:

* a GeoJSON declares a CRS only through its ``crs`` member (:func:`declares_crs`);
  ``--assume-crs`` applies to a GeoJSON without one;
* NaN, Infinity and coordinates out of the CRS's range are refused
  (:func:`check_coordinates`), naming the row, the likely CRS and how to declare it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geocover.errors import DataError, UsageError

_GEOJSON = (".geojson", ".json")
#: Ranges (xmin, ymin, xmax, ymax) of common French CRSs, to name the likely one.
_LIKELY = (
    ((-400_000, 6_000_000, 1_400_000, 7_200_000), "EPSG:2154", "Lambert-93 metres"),
    ((0, 1_600_000, 1_300_000, 2_800_000), "EPSG:27572", "Lambert II étendu metres"),
    ((100_000, 4_500_000, 900_000, 5_900_000), "EPSG:32631",
     "UTM zone 31N metres (or 32N: EPSG:32632)"),
    ((-20_037_509, -20_048_967, 20_037_509, 20_048_967), "EPSG:3857", "Web Mercator metres"),
)


def parse_crs(value: str, option: str = "--assume-crs") -> CRS:
    """``value`` as a CRS, or a UsageError naming the option and an example."""
    try:
        return CRS.from_user_input(str(value).strip())
    except (CRSError, TypeError, ValueError):
        raise UsageError(
            f"{option} {value!r} is not a CRS pyproj knows (e.g. EPSG:2154 for Lambert-93, "
            "EPSG:4326 for longitude/latitude)"
        ) from None


def declares_crs(path: str | Path, frame: gpd.GeoDataFrame) -> bool:
    """Whether the file itself names its CRS. For a GeoJSON, only a top-level ``crs``
    member counts (GDAL says WGS 84 either way); other formats: the CRS GDAL read."""
    path = Path(path)
    if path.suffix.lower() not in _GEOJSON:
        return frame.crs is not None
    try:
        if path.stat().st_size > 20_000_000:  # large: look for the member near the top
            with open(path, "rb") as fh:
                return bool(re.search(rb'"crs"\s*:\s*\{', fh.read(1_000_000)))
        head = path.read_bytes()
    except OSError:
        return frame.crs is not None
    if b'"crs"' not in head and b"\\u" not in head and b"\0" not in head:
        # UTF-8 (no NUL byte: not UTF-16 or 32) where no key can spell "crs" (it could
        # only hide behind a \u escape): nothing to parse (a département is 900 kB)
        return False
    try:
        data = json.loads(head)
    except (ValueError, RecursionError):
        return bool(re.search(rb'"crs"\s*:\s*\{', head[:1_000_000]))
    return isinstance(data, dict) and isinstance(data.get("crs"), dict)


def refuse_nul(path: str | Path) -> None:
    """GDAL cuts a GeoJSON string at a NUL character (``\\u0000``), so a name would be
    silently truncated: refuse such a file, naming the feature and the field."""
    path = Path(path)
    if path.suffix.lower() not in _GEOJSON:
        return
    try:
        data = path.read_bytes()
    except OSError:
        return
    if b"\\u0000" not in data.lower() and b"\0" not in data:
        return
    try:
        parsed = json.loads(data)
        features = parsed.get("features") if isinstance(parsed, dict) else None
    except (ValueError, RecursionError):
        features = None
    for row, feature in enumerate(features if isinstance(features, list) else []):
        props = feature.get("properties") if isinstance(feature, dict) else None
        for key, value in (props.items() if isinstance(props, dict) else ()):
            if "\x00" in str(key) or (isinstance(value, str) and "\x00" in value):
                raise DataError(f"{key} holds a NUL character (a damaged export?)", path, row)
    raise DataError("a text holds a NUL character (a damaged export?)", path)


def file_declares_crs(path: str | Path) -> bool:
    """Whether the file itself names its CRS (a GeoJSON: its ``crs`` member; another
    format: the CRS GDAL reads for its first layer)."""
    path = Path(path)
    if path.suffix.lower() in _GEOJSON:
        return declares_crs(path, gpd.GeoDataFrame())
    import pyogrio

    try:
        return pyogrio.read_info(path).get("crs") is not None
    except Exception:
        return False


def likely_crs(x: float, y: float) -> tuple[str, str] | None:
    """The CRS whose range holds (x, y) among common French ones, with its description."""
    for (x1, y1, x2, y2), code, what in _LIKELY:
        if x1 <= x <= x2 and y1 <= y <= y2:
            return code, what
    return None


def _first_row(frame: gpd.GeoDataFrame, bad: np.ndarray) -> int:
    return int(np.flatnonzero(bad)[0])


def check_coordinates(frame: gpd.GeoDataFrame, path: str | Path, *, declared: bool) -> None:
    """Refuse NaN/Infinity and coordinates out of the frame's CRS's range.

    Parameters
    ----------
    declared : bool
        Whether the file (or ``--assume-crs``) declared the CRS; when not, the message
        says a GeoJSON is WGS 84 unless it says otherwise.

    Raises
    ------
    DataError
        Naming the row, the coordinates, the likely CRS and how to declare it.
    """
    if frame.empty or frame.crs is None:
        return
    geoms = frame.geometry.values
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    if not len(coords):
        return
    finite = np.isfinite(coords).all(axis=1)
    if not finite.all():
        row = int(index[~finite][0])
        raise DataError("a coordinate is not a finite number (NaN or Infinity)", path, row)
    crs = frame.crs
    if crs.is_geographic:
        bad = (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
        if bad.any():
            x, y = coords[bad][0]
            row = int(index[bad][0])
            said = (f"the file says {crs.to_string()}" if declared
                    else "a GeoJSON is longitude/latitude (EPSG:4326) unless it says otherwise")
            guess = likely_crs(float(x), float(y))
            hint = (f"they look like {guess[1]} ({guess[0]})" if guess
                    else "re-export the file in EPSG:4326")
            raise DataError(
                f"coordinates ({x:.6g}, {y:.6g}) are not degrees ({said}); {hint}", path, row,
                hint="assume_crs_value" if guess else "assume_crs",
                hint_value=guess[0] if guess else None,
            )
        return
    small = (np.abs(coords[:, 0]) <= 180) & (np.abs(coords[:, 1]) <= 90)
    if small.all():
        x, y = coords[0]
        raise DataError(
            f"coordinates ({x:.6g}, {y:.6g}) look like longitude/latitude degrees, not "
            f"{crs.to_string()} {_unit(crs)}",
            path, int(index[0]), hint="assume_crs_value", hint_value="EPSG:4326",
        )


def _unit(crs: Any) -> str:
    try:
        return crs.axis_info[0].unit_name + "s"
    except (IndexError, AttributeError):
        return "units"


def assume(frame: gpd.GeoDataFrame, value: str | None, declared: bool) -> gpd.GeoDataFrame:
    """The frame with ``value`` as its CRS when the file declares none (a GeoJSON
    without a ``crs`` member included); unchanged otherwise."""
    if value is None:
        return frame
    crs = parse_crs(value)
    if declared and frame.crs is not None:
        return frame
    return frame.set_crs(crs, allow_override=True)
