"""Metric CRS for area computations, and a fast way back to degrees for small shapes."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
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


#: Half-size (metres) up to which a geometry is reprojected by a fitted quadratic.
LOCAL_HALF_M = 1_000.0
#: Largest deviation (degrees) from pyproj allowed at the fit's check points
#: (1e-9° is 0.1 mm; the fit's error, third order in the size, is about 1e-11° at 1 km).
LOCAL_TOL_DEG = 1e-9
# The stencil, in units of the half-size: six points fix the quadratic, the seventh
# (the corner farthest from them, where the neglected terms are largest) checks it.
_U = np.array([0.0, 1.0, -1.0, 0.0, 0.0, 1.0, -1.0])
_V = np.array([0.0, 0.0, 0.0, 1.0, -1.0, 1.0, -1.0])


def _quadratic(f: np.ndarray) -> np.ndarray:
    """Coefficients (f0, a, b, c, d, e) of f0 + a u + b v + c u² + d uv + e v² through
    the first six stencil values (rows)."""
    f0 = f[:, 0]
    a = (f[:, 1] - f[:, 2]) / 2.0
    c = (f[:, 1] + f[:, 2]) / 2.0 - f0
    b = (f[:, 3] - f[:, 4]) / 2.0
    e = (f[:, 3] + f[:, 4]) / 2.0 - f0
    d = f[:, 5] - f0 - a - b - c - e
    return np.stack([f0, a, b, c, d, e], axis=1)


def _evaluate(k: np.ndarray, u: np.ndarray | float, v: np.ndarray | float) -> np.ndarray:
    """The quadratic with coefficients ``k[0..5]`` (first axis) at ``(u, v)``."""
    return k[0] + u * (k[1] + k[3] * u + k[4] * v) + v * (k[2] + k[5] * v)


#: Half-size (metres) of the box of all the geometries up to which one fitted quartic maps
#: them all (its error in Lambert-93: 2e-13° at 5 km, 5e-13° at 10 km, 1.5e-11° at 20 km).
REGION_HALF_M = 25_000.0
# The quartic's fit: pyproj at 7 x 7 Chebyshev nodes of the box, checked at 9 x 9 points
# spread evenly over it, edges and corners included (where a fit strays most).
_FIT_NODES = np.cos(np.pi * (np.arange(7) + 0.5) / 7)
_CHECK_NODES = np.linspace(-1.0, 1.0, 9)
#: The exponents (of u, of v) of the quartic's 15 terms.
_QUARTIC = [(i, d - i) for d in range(5) for i in range(d + 1)]


def _quartic_terms(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.stack([u ** i * v ** j for i, j in _QUARTIC], axis=-1)


def _evaluate_quartic(k: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The quartic of coefficients ``k`` (in :data:`_QUARTIC` order) at ``(u, v)``, by
    Horner's rule in u of polynomials in v (in place, for the millions of vertices of a
    map)."""
    out = np.zeros_like(u)
    for i in range(4, -1, -1):  # q_i(v): the terms in u^i
        q = np.zeros_like(v)
        for j in range(4 - i, -1, -1):
            q *= v
            q += k[_QUARTIC.index((i, j))]
        out *= u
        out += q
    return out


def _region_fit(transformer, box: tuple[float, float, float, float],
                ) -> tuple[float, float, float, np.ndarray, np.ndarray] | None:
    """The quartics that map the box ``(x0, y0, x1, y1)`` to longitude and latitude, with
    its centre and half-size: ``(cx, cy, half, k_lon, k_lat)``; None when they stray
    further than :data:`LOCAL_TOL_DEG` from pyproj at a check point."""
    cx, cy = (box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0
    half = max(box[2] - box[0], box[3] - box[1], 2.0) / 2.0
    u, v = (a.ravel() for a in np.meshgrid(_FIT_NODES, _FIT_NODES))
    lon, lat = (np.asarray(a) for a in transformer.transform(cx + half * u, cy + half * v))
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        return None
    terms = _quartic_terms(u, v)
    k_lon = np.linalg.lstsq(terms, lon, rcond=None)[0]
    k_lat = np.linalg.lstsq(terms, lat, rcond=None)[0]
    cu, cv = (a.ravel() for a in np.meshgrid(_CHECK_NODES, _CHECK_NODES))
    want_lon, want_lat = (np.asarray(a) for a in
                          transformer.transform(cx + half * cu, cy + half * cv))
    stray = max(float(np.abs(_evaluate_quartic(k_lon, cu, cv) - want_lon).max()),
                float(np.abs(_evaluate_quartic(k_lat, cu, cv) - want_lat).max()))
    if not stray <= LOCAL_TOL_DEG:  # (NaN included)
        return None
    return cx, cy, half, k_lon, k_lat


def to_degrees(series: gpd.GeoSeries) -> gpd.GeoSeries:
    """``series.to_crs("EPSG:4326")``, faster for many vertices.

    Geometries that all lie within 50 km (a commune's fields of view, its area seen) are
    mapped by one quartic in x and y, fitted to pyproj at 49 points of their box and
    checked at 81 others: pyproj is asked for 130 points instead of every vertex. Else a
    geometry at most 2 km across (a field of view, a tile's piece) is mapped by the
    quadratic that agrees with pyproj at six points around its box's centre, checked at
    a seventh, a corner of the box. A fit is kept only within :data:`LOCAL_TOL_DEG`
    (0.1 mm) of pyproj at its check points; larger geometries, and any whose check
    fails, are reprojected by pyproj vertex by vertex.
    """
    from pyproj import Transformer

    target = settings.STORAGE_CRS
    if series.crs is None:
        return series.to_crs(target)  # (geopandas' own error)
    geoms = series.to_numpy().copy()
    present = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    bounds = shapely.bounds(geoms[present])
    transformer = Transformer.from_crs(series.crs, target, always_xy=True)
    if len(present):
        box = (float(bounds[:, 0].min()), float(bounds[:, 1].min()),
               float(bounds[:, 2].max()), float(bounds[:, 3].max()))
        region = None
        if max(box[2] - box[0], box[3] - box[1]) / 2.0 <= REGION_HALF_M:
            region = _region_fit(transformer, box)
        if region is not None:
            cx, cy, h, k_lon, k_lat = region
            coords = shapely.get_coordinates(geoms[present])
            u = (coords[:, 0] - cx) / h
            v = (coords[:, 1] - cy) / h
            moved = np.column_stack([_evaluate_quartic(k_lon, u, v),
                                     _evaluate_quartic(k_lat, u, v)])
            geoms[present] = shapely.set_coordinates(geoms[present], moved)
            return gpd.GeoSeries(geoms, index=series.index, crs=target, name=series.name)
    half = np.maximum(np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
                      / 2.0, 1.0)
    small = half <= LOCAL_HALF_M
    idx, half = present[small], half[small]
    cx = (bounds[small, 0] + bounds[small, 2]) / 2.0
    cy = (bounds[small, 1] + bounds[small, 3]) / 2.0
    lon, lat = transformer.transform((cx[:, None] + half[:, None] * _U).ravel(),
                                     (cy[:, None] + half[:, None] * _V).ravel())
    lon = np.asarray(lon).reshape(len(idx), len(_U))
    lat = np.asarray(lat).reshape(len(idx), len(_U))
    k_lon, k_lat = _quadratic(lon), _quadratic(lat)
    good = np.ones(len(idx), dtype=bool)
    good = (np.abs(_evaluate(k_lon.T, _U[6], _V[6]) - lon[:, 6]) <= LOCAL_TOL_DEG) \
        & (np.abs(_evaluate(k_lat.T, _U[6], _V[6]) - lat[:, 6]) <= LOCAL_TOL_DEG)
    fitted = idx[good]
    coords = shapely.get_coordinates(geoms[fitted])
    # (one repeat per geometry's vertex count: a geometry's vertices are consecutive)
    count = shapely.get_num_coordinates(geoms[fitted])
    # (rows of 15 per-vertex columns, each contiguous)
    per = np.repeat(np.vstack([cx[good], cy[good], half[good], k_lon[good].T,
                               k_lat[good].T]), count, axis=1)
    u = (coords[:, 0] - per[0]) / per[2]
    v = (coords[:, 1] - per[1]) / per[2]
    moved = np.column_stack([_evaluate(per[3:9], u, v), _evaluate(per[9:15], u, v)])
    geoms[fitted] = shapely.set_coordinates(geoms[fitted], moved)
    rest = np.setdiff1d(present, fitted)
    if len(rest):
        geoms[rest] = gpd.GeoSeries(geoms[rest], crs=series.crs).to_crs(target).to_numpy()
    return gpd.GeoSeries(geoms, index=series.index, crs=target, name=series.name)
