"""Values to text and geometries to the page's compact encoding."""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geocover import settings
from geocover.outputs.webmap.style import _SCALE, SIMPLIFY_DEGREES
from geocover.schema.blank import is_blank

# ------------------------------------------------------------------ values → text


def _blank(value: Any) -> bool:
    return is_blank(value, containers=True)


def _text(value: Any) -> str:
    return str(value).strip()


def _fmt_number(x: float, digits: int = 1) -> str:
    return f"{x:,.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:,.0f}"


def _directions_text(directions: Any) -> str:
    if _blank(directions):
        return "unknown (drawn as a disc)"
    parts = []
    for item in directions:
        try:
            start, end = float(item[0]), float(item[1])
        except (TypeError, ValueError, IndexError):
            parts.append(_text(item))
            continue
        parts.append(f"{start:g}°" if start == end else f"{start:g}°–{end:g}°")
    return ", ".join(parts)


def _encode_ring(coords: np.ndarray) -> list[int]:
    """A ring as integers in units of 1e-5°: the first point, then the differences
    (closing point dropped). Shorter than decimals by about 3x, exact at that precision."""
    q = np.rint(np.asarray(coords)[:, :2] * _SCALE).astype(np.int64)
    if len(q) > 1 and (q[0] == q[-1]).all():
        q = q[:-1]
    keep = np.ones(len(q), dtype=bool)
    keep[1:] = (np.diff(q, axis=0) != 0).any(axis=1)  # repeated points after rounding
    q = q[keep]
    if len(q) < 3:
        return []
    q[1:] = np.diff(q, axis=0)
    return q.ravel().tolist()


def _encode(geom: Any) -> list[list[list[int]]] | None:
    """A (Multi)Polygon as a list of polygons, each a list of encoded rings (outer first);
    None when nothing of it is left at 1e-5° precision."""
    polygons = []
    for part in shapely.get_parts(geom):
        if part.geom_type != "Polygon" or part.is_empty:
            continue
        rings = [_encode_ring(np.asarray(part.exterior.coords))]
        if not rings[0]:
            continue
        rings += [r for r in (_encode_ring(np.asarray(i.coords)) for i in part.interiors) if r]
        polygons.append(rings)
    return polygons or None


def _encode_all(geoms: Any) -> list[Any]:
    """Encoded geometries (see :func:`_encode`), simplified within ``SIMPLIFY_DEGREES``;
    None for a missing or empty one. A geometry that simplification would erase is kept
    as it was, so every non-empty input stays visible."""
    geoms = np.asarray(geoms, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    out: list[Any] = [None] * len(geoms)
    if not present.any():
        return out
    simplified = shapely.simplify(geoms[present], SIMPLIFY_DEGREES, preserve_topology=False)
    indices = np.flatnonzero(present)
    for i, original, simple in zip(indices, geoms[present], simplified, strict=True):
        out[i] = _encode(simple) or _encode(original)
    return out


def _bounds(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> list[list[float]] | None:
    if frame is None or len(frame) == 0:
        return None
    minx, miny, maxx, maxy = frame.total_bounds
    if not all(map(math.isfinite, (minx, miny, maxx, maxy))):
        return None
    return [[round(miny, 5), round(minx, 5)], [round(maxy, 5), round(maxx, 5)]]


def _to_storage(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> Any:
    if frame.crs is not None and frame.crs != settings.STORAGE_CRS:
        return frame.to_crs(settings.STORAGE_CRS)
    return frame


def _preset_label(name: str) -> str:
    try:
        from geocover.model.fov import PRESETS
    except ImportError:  # pragma: no cover - fov is part of the package
        return name
    preset = PRESETS.get(name)
    return preset.label if preset is not None else name
