"""Where cameras look from, among buildings: footprints prepared, cameras off their walls.

Occlusion (:mod:`geocover.model.occlusion`) needs two things before it casts any
shadow: the building footprints near the fields of view, valid and oriented
(:func:`prepare_buildings`: exterior rings counter-clockwise, holes clockwise, so a
building's interior is on the left of each directed edge), and each camera's
*viewpoint* (:func:`viewpoints`): its location, unless it lies inside a footprint (a
camera on a façade, mapped a little inside the outline), then the nearest point of the
outline clear of every other building.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

#: Distance (metres) under which a point counts as on a line or an outline: an edge
#: whose line passes this close to the viewpoint is seen edge-on and hides nothing,
#: and a building this close to the viewpoint is the camera's host.
ON_LINE_M = 1e-6
#: Steps (metres) tried around a wall point to find the nearest spot clear of every
#: building (the façade of a block of adjoining buildings).
_OFFSET_STEPS_M = (0.05, 0.25, 1.0, 3.0)
#: Directions tried at each step.
_OFFSET_DIRECTIONS = 16
#: Buildings farther than this from every field of view are left out before any work
#: (a camera mapped inside a footprint is moved to a wall at most a few metres away).
_NEAR_M = 10.0


def _near(buildings: gpd.GeoDataFrame | gpd.GeoSeries, fov: np.ndarray) -> np.ndarray:
    """The footprints whose bounding box comes within :data:`_NEAR_M` of a field of
    view's: a city has far more buildings than its cameras see, and validating and
    orienting all of them dominated the time (0.24 s of 0.37 s for 1,000 cameras among
    100,000 buildings)."""
    geoms = np.asarray(buildings.geometry if isinstance(buildings, gpd.GeoDataFrame)
                       else buildings, dtype=object)
    present = ~(shapely.is_missing(fov) | shapely.is_empty(fov))
    if len(geoms) == 0 or not present.any():
        return geoms[:0]
    bounds = shapely.bounds(fov[present])
    boxes = shapely.box(bounds[:, 0] - _NEAR_M, bounds[:, 1] - _NEAR_M,
                        bounds[:, 2] + _NEAR_M, bounds[:, 3] + _NEAR_M)
    # The tree over the boxes (a city has far fewer cameras than buildings: building it
    # is the cost), each footprint's envelope looked up in it.
    hit, _ = shapely.STRtree(boxes).query(geoms)
    return geoms[np.unique(hit)]


def prepare_buildings(buildings: gpd.GeoDataFrame | gpd.GeoSeries | np.ndarray) -> np.ndarray:
    """The building footprints as valid, oriented Polygons (MultiPolygons split).

    Invalid footprints are repaired with ``shapely.make_valid`` (their non-polygonal
    leftovers dropped); exterior rings are made counter-clockwise and holes clockwise.
    """
    geoms = np.asarray(buildings.geometry if isinstance(buildings, gpd.GeoDataFrame)
                       else buildings, dtype=object)
    if len(geoms) == 0:
        return geoms
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    # (get_parts copies every geometry: 38 ms for 50,000 footprints; only when some
    # are multi-part)
    parts = geoms if (shapely.get_type_id(geoms) == 3).all() else shapely.get_parts(geoms)
    nested = shapely.get_type_id(parts) == 7  # a GeometryCollection from make_valid
    if nested.any():
        parts = np.concatenate([parts[~nested], shapely.get_parts(shapely.get_parts(
            parts[nested]))])
    parts = parts[shapely.get_type_id(parts) == 3]
    parts = parts[shapely.area(parts) > 0]
    return shapely.orient_polygons(parts)


def _nearest_outline_point(xy: np.ndarray, polygons: np.ndarray,
                           tree: shapely.STRtree) -> np.ndarray:
    """For points outside every building: the nearest point of the nearest outline."""
    # types-shapely: an array of coordinates in gives an array of points out
    pts: np.ndarray = shapely.points(xy)  # type: ignore[assignment]
    (src, poly), _ = tree.query_nearest(pts, return_distance=True, all_matches=False)
    out = xy.copy()
    line = shapely.shortest_line(shapely.boundary(polygons[poly]), pts[src])
    out[src] = shapely.get_coordinates(shapely.get_point(line, 0))
    return out


def viewpoints(points: np.ndarray, polygons: np.ndarray,
               tree: shapely.STRtree | None = None) -> np.ndarray:
    """Where each camera looks from: its point, or the façade point it is mapped behind.

    A camera outside every footprint keeps its point (however close to a wall). A
    camera on an outline keeps it too. A camera inside a footprint is taken to be on
    that building's façade, mapped a little inside the outline: it moves to the
    nearest point of the building's outline, or, when that point is on a wall shared
    with an adjoining building, to the nearest point of the block's façade: the
    nearest spot clear of every building is searched around the wall point
    (:data:`_OFFSET_STEPS_M`, 16 directions each) and the camera moves to the outline
    point nearest to that spot. Without a clear spot within 3 m it stays on the wall
    point.

    Parameters
    ----------
    points : array of Point
        Camera locations (metric CRS).
    polygons : array of Polygon
        Building footprints, as from :func:`prepare_buildings`.
    tree : STRtree, optional
        An STRtree over ``polygons`` (built if not given).

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` viewpoint coordinates (NaN for a missing or empty point).
    """
    points = np.asarray(points, dtype=object)
    xy = np.full((len(points), 2), np.nan)
    ok = ~(shapely.is_missing(points) | shapely.is_empty(points))
    xy[ok] = shapely.get_coordinates(points[ok])[:, :2]
    if len(polygons) == 0 or not ok.any():
        return xy
    tree = shapely.STRtree(polygons) if tree is None else tree
    pt, poly = tree.query(points, predicate="intersects")
    if len(pt) == 0:
        return xy
    line = shapely.shortest_line(shapely.boundary(polygons[poly]), points[pt])
    depth = shapely.length(line)
    # The building whose outline is nearest, for a camera inside several.
    order = np.lexsort((depth, pt))
    pt, line = pt[order], line[order]
    first = np.r_[True, pt[1:] != pt[:-1]]
    cam = pt[first]
    wall = shapely.get_coordinates(shapely.get_point(line[first], 0))
    xy[cam] = wall

    # A wall point shared with an adjoining building (a party wall) is not on the
    # façade: look for the nearest spot clear of every building and take the outline
    # point nearest to it.
    touching, _ = tree.query(shapely.points(wall), predicate="dwithin", distance=ON_LINE_M)
    shared = np.bincount(touching, minlength=len(cam)) > 1
    if not shared.any():
        return xy
    cam, wall = cam[shared], wall[shared]
    steps = np.asarray(_OFFSET_STEPS_M)
    turn = np.linspace(0.0, 2.0 * np.pi, _OFFSET_DIRECTIONS, endpoint=False)
    ring = np.stack([np.cos(turn), np.sin(turn)], axis=-1)
    offsets = (steps[:, None, None] * ring[None, :, :]).reshape(-1, 2)
    step_of = np.repeat(steps, _OFFSET_DIRECTIONS)
    candidates = wall[:, None, :] + offsets[None, :, :]
    flat = shapely.points(candidates.reshape(-1, 2))
    _, clearance = tree.query_nearest(flat, return_distance=True, all_matches=False)
    clearance = clearance.reshape(len(cam), -1)
    level = np.searchsorted(steps, step_of)[None, :]
    # The smallest step with a clear candidate, then the clearest candidate.
    key = np.where(clearance > 0, level - clearance / (2.0 * step_of[None, :]), np.inf)
    best = np.argmin(key, axis=1)
    found = np.isfinite(key[np.arange(len(cam)), best])
    spot = candidates[np.arange(len(cam)), best][found]
    xy[cam[found]] = _nearest_outline_point(spot, polygons, tree)
    return xy
