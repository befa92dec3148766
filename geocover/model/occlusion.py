"""Occlusion: clip fields of view by buildings, keeping what a camera can actually see.

The visible part of a field of view is an isovist bounded by it: a ground point is
visible if the straight line from the camera to it crosses no building's interior.
It is computed exactly (no ray sampling) in plan:

1. Buildings are made valid, split into polygons and oriented (exterior rings
   counter-clockwise, holes clockwise), so a building's interior is on the left of
   each of its directed edges.
2. Each camera gets a *viewpoint*: its location, unless it lies inside a building
   footprint (a camera on a façade, mapped a little inside the outline): then the
   nearest point of the outline (:func:`viewpoints`). A building whose outline
   passes through the viewpoint is the camera's *host*.
3. The buildings intersecting each field of view are found in bulk
   (``STRtree.query(fovs, predicate="intersects")``) and their edges listed.
4. Front-facing edges (the viewpoint on their outer side) cast a shadow: a ray
   entering a building's interior always crosses one, and everything behind it is
   hidden, including the building itself. A host's edges all cast one (a ray from
   its outline into it is inside it at once), except those seen edge-on (the wall
   the camera is on), and the host's footprint is removed: a camera on a wall sees
   the open side of its wall, nothing through its own building. An edge's shadow
   is exact: the polygon (p1, p2, p2 pushed away, the far middle point, p1 pushed
   away), the far points on the rays from the viewpoint through p1, p2 and their
   angular middle, beyond the field of view. A concave building or a courtyard (a
   hole) needs no special case.
5. The shadows are unioned per camera (``shapely.union_all`` over a padded 2-D
   array, one reduction per row) and subtracted from each field of view.

A camera off every building whose field of view is star-shaped around it (every
wedge and disc :func:`~geocover.model.fov.fields_of_view` draws) skips steps 4's
shadows and 5: the visible region is the nearest-edge envelope of its front-facing
edges and its outline, computed with numpy (:mod:`geocover.model.envelope`); it is
the same region, and about twice as fast as the two overlays.

Everything is vectorized with numpy and shapely 2 over all (camera, edge) pairs at
once; Python loops only run over batches. Buildings are 2-D obstacles taller than
any camera: see ``docs/fov.md`` for this model's limits.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from geocover.errors import UsageError
from geocover.model.envelope import visible_envelopes
from geocover.model.fov import _check_metric, _union_groups
from geocover.model.viewpoints import ON_LINE_M, _near, prepare_buildings, viewpoints

#: Angular bins of the depth buffer that skips edges hidden behind nearer ones.
_BINS = 360
#: Edges turning (spanning, seen from the viewpoint) more than this cast their own
#: shadow; chains of smaller ones are cut every _CHAIN_TURN (radians): 120° + 45°
#: keeps every chain under 180°.
_LINK_TURN = np.radians(45.0)
_CHAIN_TURN = np.radians(120.0)
#: Cameras processed together (bounds the memory of the camera-edge pairs).
_BATCH = 4096


def _edges(polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All ring edges (p1, p2) of ``polygons`` in ring order, grouped by polygon: their
    coordinates, their ring's number and the polygons' CSR offsets."""
    rings, ring_polygon = shapely.get_rings(polygons, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    same = coord_ring[:-1] == coord_ring[1:]
    p1 = coords[:-1][same]
    p2 = coords[1:][same]
    edge_ring = coord_ring[:-1][same]
    counts = np.bincount(ring_polygon[edge_ring], minlength=len(polygons))
    offsets = np.concatenate([[0], np.cumsum(counts)])
    return p1, p2, edge_ring, offsets


def _shadows(view: np.ndarray, p1: np.ndarray, p2: np.ndarray, chain: np.ndarray,
             reach: np.ndarray) -> np.ndarray:
    """Exact shadows of chains of edges seen from ``view``, one polygon per chain.

    Rows are edges (p1, p2) in ring order; ``chain`` numbers them (0, 1, …, sorted):
    consecutive front-facing edges of one ring, which turn clockwise one after the
    other as seen from the viewpoint, and together span less than 180°, or single
    edges (an edge seen from outside its line spans less than 180°). A chain's
    shadow is the polygon (its vertices, then far points on the rays through its
    last vertex, its angular middle and its first vertex): exactly the union of its
    edges' shadows. The far points are at twice the farthest of ``reach`` and the
    chain's vertices, so each far chord (spanning under 90°) passes beyond both.
    """
    n = int(chain[-1]) + 1 if len(chain) else 0
    if n == 0:
        return np.empty(0, dtype=object)
    size = np.bincount(chain, minlength=n)
    first = np.cumsum(size) - size
    last = first + size - 1
    eye = view[first]
    start = p1[first] - eye
    end = p2[last] - eye
    distance = np.maximum(np.linalg.norm(p1 - view, axis=1), np.linalg.norm(p2 - view, axis=1))
    far = 2.0 * np.maximum(reach, np.maximum.reduceat(distance, first)) + 1.0
    u_start = start / np.linalg.norm(start, axis=1, keepdims=True)
    u_end = end / np.linalg.norm(end, axis=1, keepdims=True)
    middle = u_start + u_end
    norm = np.linalg.norm(middle, axis=1, keepdims=True)
    # An edge seen almost edge-on spans almost 180°: its middle is its inward normal.
    edge = p2[first] - p1[first]
    inward = np.column_stack([-edge[:, 1], edge[:, 0]])
    inward /= np.linalg.norm(inward, axis=1, keepdims=True)
    middle = np.where(norm > 1e-9, middle / np.maximum(norm, 1e-300), inward)
    points = size + 4  # the chain's vertices, then three far points
    ring = np.repeat(np.arange(n), points)
    slot = np.arange(points.sum()) - np.repeat(np.cumsum(points) - points, points)
    coords = np.empty((points.sum(), 2))
    vertex = slot <= np.repeat(size, points) - 1
    coords[vertex] = p1  # rows are in chain order, one p1 per edge
    tail = np.flatnonzero(~vertex).reshape(n, 4)
    coords[tail[:, 0]] = p2[last]
    coords[tail[:, 1]] = eye + u_end * far[:, None]
    coords[tail[:, 2]] = eye + middle * far[:, None]
    coords[tail[:, 3]] = eye + u_start * far[:, None]
    # types-shapely: an array of rings in gives an array of polygons out
    return shapely.polygons(shapely.linearrings(coords, indices=ring))  # type: ignore[return-value]


def _chains(front: np.ndarray, pair: np.ndarray, ring: np.ndarray, turn: np.ndarray,
            casts: np.ndarray) -> np.ndarray:
    """Chain numbers for the casting rows (see :func:`_shadows`).

    Rows are (camera, building, edge) in ring order. Consecutive front-facing rows of
    one pair and one ring, each turning (spanning, seen from the viewpoint) at most
    :data:`_LINK_TURN`, are chained, and a chain is cut every :data:`_CHAIN_TURN` of
    accumulated turn, so that none turns as much as 180°. Any other casting row is
    a chain of its own.
    """
    rows = np.flatnonzero(casts)
    linkable = front[rows] & (turn[rows] <= _LINK_TURN)
    link = np.zeros(len(rows), dtype=bool)
    link[1:] = (np.diff(rows) == 1) & linkable[1:] & linkable[:-1] \
        & (pair[rows[1:]] == pair[rows[:-1]]) & (ring[rows[1:]] == ring[rows[:-1]])
    run = np.cumsum(~link) - 1
    turned = np.cumsum(turn[rows]) - turn[rows]  # turn before each row
    turned -= turned[np.flatnonzero(~link)][run]  # … within its run
    piece = np.floor(turned / _CHAIN_TURN).astype(np.int64)
    new = np.ones(len(rows), dtype=bool)
    new[1:] = (run[1:] != run[:-1]) | (piece[1:] != piece[:-1])
    return np.cumsum(new) - 1


def _behind_nearer_edges(owner: np.ndarray, view: np.ndarray, p1: np.ndarray,
                         p2: np.ndarray, gap: np.ndarray, n_cameras: int) -> np.ndarray:
    """Front-facing edges lying wholly in the shadow of nearer ones (their shadows add
    nothing), found with an angular depth buffer per camera.

    Around each viewpoint the plane is cut into :data:`_BINS` angular bins. In a bin
    that a front-facing edge spans entirely, everything farther than the edge's
    farthest point in the bin (reached on one of the bin's two rays) is hidden: the
    bin's depth is the least such distance. An edge nearer to the viewpoint than
    nothing in the bins it touches is kept; one whose nearest point is beyond the
    depth of every bin it touches is hidden by the edges that set those depths,
    which are always kept (their nearest point is within their own depth). The
    test is conservative: it only drops shadows contained in others.
    """
    width = 2.0 * np.pi / _BINS
    d1 = p1 - view
    d2 = p2 - view
    # A front-facing edge turns clockwise from p1 to p2: it spans [a2, a2 + span].
    a2 = np.mod(np.arctan2(d2[:, 1], d2[:, 0]), 2.0 * np.pi)
    span = np.mod(np.arctan2(d1[:, 1], d1[:, 0]) - a2, 2.0 * np.pi)
    first = np.floor(a2 / width).astype(np.int64)
    last = np.floor((a2 + span) / width).astype(np.int64)
    seg = p2 - p1
    normal = np.column_stack([-seg[:, 1], seg[:, 0]])
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    height = (d1 * normal).sum(axis=1)  # distance from the viewpoint to the edge's line
    normal_angle = np.arctan2(normal[:, 1], normal[:, 0])

    def expand(start: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        row = np.repeat(np.arange(len(start)), count)
        return row, start[row] + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count,
                                                                     count)

    row, b = expand(first + 1, np.maximum(last - first - 1, 0))  # bins spanned entirely
    rays = np.stack([b * width, (b + 1) * width], axis=1) - normal_angle[row, None]
    cosine = np.cos(rays)
    # Rays inside the edge's span meet its line ahead (cos > 0); guard rounding.
    depth_here = np.where(cosine > 1e-12, height[row, None] / np.where(cosine > 1e-12, cosine,
                                                                      1.0), np.inf).max(axis=1)
    depth = np.full(n_cameras * _BINS, np.inf)
    np.minimum.at(depth, owner[row] * _BINS + np.mod(b, _BINS), depth_here)
    count = last - first + 1
    row, b = expand(first, count)  # bins touched
    deepest = np.maximum.reduceat(depth[owner[row] * _BINS + np.mod(b, _BINS)],
                                  np.cumsum(count) - count)
    return gap > deepest


def visible_fields(fovs: gpd.GeoSeries, cameras_metric: gpd.GeoDataFrame,
                   buildings_metric: gpd.GeoDataFrame | gpd.GeoSeries, *,
                   engine: str = "auto", workers: int | None = None) -> gpd.GeoSeries:
    """Clip each field of view by building footprints and the shadows they cast.

    Parameters
    ----------
    fovs : GeoSeries
        Fields of view, as from :func:`geocover.model.fov.fields_of_view`, aligned with
        ``cameras_metric`` (same index).
    cameras_metric : GeoDataFrame
        The cameras (Point geometries), in the same metric CRS.
    buildings_metric : GeoDataFrame or GeoSeries
        Building footprints (Polygon / MultiPolygon), in the same metric CRS.
    engine : {"auto", "overlay"}
        ``"auto"``: the nearest-edge envelope (:mod:`geocover.model.envelope`) for a
        camera off every building whose field of view is star-shaped around it, the
        shadow overlays for the others. ``"overlay"``: the shadow overlays for every
        camera (slower; the same region, to rounding: a cross-check).
    workers : int, optional
        Threads for the batches (default: one per core).

    Returns
    -------
    GeoSeries
        What each camera can see: a subset of its field of view (same index and CRS),
        outside every footprint, and hidden from nothing by any building.

    Raises
    ------
    UsageError
        If the inputs are not aligned or not in the same metric CRS, or ``engine`` is
        unknown.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> from geocover.model.fov import fields_of_view
    >>> cams = gpd.GeoDataFrame({"camera_type": ["fixed"], "directions": [[(0.0, 0.0)]]},
    ...                         geometry=[shapely.Point(0, 0)], crs="EPSG:2154")
    >>> wall = gpd.GeoSeries([shapely.box(-100, 20, 100, 25)], crs="EPSG:2154")
    >>> fovs = fields_of_view(cams, "sunders")
    >>> round(float(visible_fields(fovs, cams, wall).area.iloc[0]), 1)  # 20² tan 28.5°
    217.2
    """
    if engine not in ("auto", "overlay"):
        raise UsageError(f"engine must be 'auto' or 'overlay', not {engine!r}")
    envelopes = engine == "auto"
    if len(fovs) != len(cameras_metric) or not fovs.index.equals(cameras_metric.index):
        raise UsageError("fovs and cameras_metric must be aligned (same length and index): "
                         "pass the GeoSeries fields_of_view() returned for these cameras")
    for what, layer in (("the fields of view", fovs), ("the cameras", cameras_metric),
                        ("the buildings", buildings_metric)):
        _check_metric(layer, what)
        if layer.crs != fovs.crs:
            raise UsageError(f"{what} are in {layer.crs}, the fields of view in {fovs.crs}: "
                             "project every layer to the same metric CRS")
    fov = fovs.to_numpy()
    result = fov.copy()
    polygons = prepare_buildings(_near(buildings_metric, fov))
    if len(polygons) and len(fov):
        tree = shapely.STRtree(polygons)
        view = viewpoints(cameras_metric.geometry.to_numpy(), polygons, tree)
        # Batches on a thread pool: shapely releases the GIL inside GEOS, so both cores
        # work (the shadow unions and the final difference are most of the time).
        from concurrent.futures import ThreadPoolExecutor

        from geocover.model.threads import default_workers

        workers = default_workers() if workers is None else max(1, int(workers))
        size = max(256, min(_BATCH, -(-len(fov) // max(1, 2 * workers))))
        batches = [slice(b, b + size) for b in range(0, len(fov), size)]
        if workers > 1 and len(batches) > 1:
            with ThreadPoolExecutor(workers) as pool:
                parts = list(pool.map(
                    lambda rows: _visible(fov[rows], view[rows], polygons, tree, envelopes),
                    batches))
        else:
            parts = [_visible(fov[rows], view[rows], polygons, tree, envelopes)
                     for rows in batches]
        for rows, part in zip(batches, parts, strict=True):
            result[rows] = part
    return gpd.GeoSeries(result, index=fovs.index, crs=fovs.crs, name=fovs.name)


def _envelopes(result: np.ndarray, fov: np.ndarray, view: np.ndarray, owner: np.ndarray,
               p1: np.ndarray, p2: np.ndarray, hosted: np.ndarray) -> np.ndarray:
    """Fill ``result`` for the cameras :func:`visible_envelopes` handles; their mask."""
    done = np.zeros(len(fov), dtype=bool)
    skip = np.zeros(len(fov), dtype=bool)
    skip[hosted] = True
    cand = np.unique(owner)
    cand = cand[~skip[cand]]
    if len(cand) == 0:
        return done
    rows = ~skip[owner]
    env = visible_envelopes(fov[cand], view[cand], np.searchsorted(cand, owner[rows]),
                            p1[rows], p2[rows])
    got = np.fromiter((g is not None for g in env), dtype=bool, count=len(env))
    result[cand[got]] = env[got]
    done[cand[got]] = True
    return done


def _visible(fov: np.ndarray, view: np.ndarray, polygons: np.ndarray,
             tree: shapely.STRtree, envelopes: bool) -> np.ndarray:
    """The visible part of each field of view ``fov`` seen from ``view`` (a batch);
    ``envelopes=False``: every camera by the shadow overlays."""
    result = fov.copy()
    cam, bld = tree.query(fov, predicate="intersects")
    keep = np.isfinite(view[cam]).all(axis=1)
    cam, bld = cam[keep], bld[keep]
    if len(cam) == 0:
        return result

    # Farthest a field of view reaches from its viewpoint (bounded by its box corners).
    seen = np.unique(cam)
    corners = shapely.bounds(fov[seen])[:, [[0, 1], [0, 3], [2, 1], [2, 3]]]
    reach = np.zeros(len(fov))
    reach[seen] = np.linalg.norm(corners - view[seen, None, :], axis=2).max(axis=1)

    used, local = np.unique(bld, return_inverse=True)
    p1_all, p2_all, edge_ring, offsets = _edges(polygons[used])
    count = np.diff(offsets)[local]
    pair = np.repeat(np.arange(len(cam)), count)
    within = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    edge = offsets[local][pair] + within
    owner = cam[pair]
    v = view[owner]
    p1, p2 = p1_all[edge], p2_all[edge]

    seg = p2 - p1
    length = np.hypot(seg[:, 0], seg[:, 1])
    safe = np.where(length > 0, length, 1.0)
    rel = v - p1
    side = (seg[:, 0] * rel[:, 1] - seg[:, 1] * rel[:, 0]) / safe  # < 0: outer side
    t = np.clip((rel * seg).sum(axis=1) / safe**2, 0.0, 1.0)
    gap = np.linalg.norm(p1 + seg * t[:, None] - v, axis=1)
    # Front-facing edges hide what is behind them; every edge of a host building does
    # (a ray from its outline into it is inside it at once); edges seen edge-on do not.
    host_cam, host_bld = tree.query(shapely.points(view[seen]), predicate="dwithin",
                                    distance=ON_LINE_M)
    host = np.isin(cam * len(polygons) + bld, seen[host_cam] * len(polygons) + host_bld)
    useful = (length > 0) & (gap <= reach[owner])
    front = useful & (side < -ON_LINE_M)
    if envelopes:
        # A camera off every building, in a field of view star-shaped around it, gets
        # the nearest-edge envelope of its front-facing edges (numpy) instead of two
        # overlays (see envelope.py); the rest go on with the shadows.
        done = _envelopes(result, fov, view, owner[front], p1[front], p2[front], cam[host])
        useful &= ~done[owner]
        front &= ~done[owner]
    front[front] = ~_behind_nearer_edges(owner[front], v[front], p1[front], p2[front],
                                         gap[front], len(fov))
    casts = front | (useful & host[pair] & (side > ON_LINE_M))
    turn = np.abs(np.arctan2(side * length, ((p1 - v) * (p2 - v)).sum(axis=1)))
    chain = _chains(front, pair, edge_ring[edge], turn, casts)
    owner, v, p1, p2 = owner[casts], v[casts], p1[casts], p2[casts]
    head = np.flatnonzero(np.diff(chain, prepend=-1))  # each chain's first row
    owner = owner[head]
    shadows = _shadows(v, p1, p2, chain, reach[owner])

    # Shadows cover every building's interior behind its front-facing edges, except
    # a host's: a camera on an outline does not see into its building either.
    blockers = np.concatenate([shadows, polygons[bld[host]]])
    group = np.concatenate([owner, cam[host]])
    hit = np.unique(group)
    hidden = _union_groups(blockers, np.searchsorted(hit, group), len(hit))
    result[hit] = shapely.difference(fov[hit], hidden)
    return result
