"""The area of a union of polygons inside a clip, from its boundary alone.

Green's theorem: the area of a region is ½∮(x dy − y dx) along its boundary,
oriented with the region on its left. The boundary of ``(P₁ ∪ … ∪ Pₙ) ∩ C`` is
made of

* the parts of each ring of each ``Pᵢ`` that lie inside the clip ``C`` and outside
  every other ``Pⱼ``;
* the parts of the rings of ``C`` that lie inside some ``Pⱼ``.

Along a straight edge from ``p`` to ``q`` the integrand is constant
(``p × q``), so each edge adds ``½ (p × q)`` times the fraction of it that is
kept. Which fraction is kept follows from two counters carried along every
ring: the *depth* (how many other polygons hold the point) and, on the
polygons' rings, whether the point is in the clip. Both are known at the ring's
first vertex (a winding number) and change by one where the edge crosses
another ring, entering or leaving it. Crossings are found on a uniform grid of
cells: edges longer than a cell are cut into pieces of one cell, each piece is
listed in the cells its box meets, and only pieces sharing a cell are tested,
with the same orientation signs everywhere (so the counters agree with the
winding numbers).

No union is built and no vertex is written: it is several times faster than
GEOS's noding when only the area is asked (the batch's national table, the
benchmark's ``area`` output), and gives the exact area of the union up to
floating-point rounding (about 1e-14 relative). The loops are compiled by
numba (:mod:`geocover.model.boundary_loops`, cached on disk after the first run).

It answers ``None`` where the configuration is degenerate for this method: a
vertex exactly on another ring, collinear overlapping edges, a ring's first
vertex within rounding of the clip's outline, or counters that do not come back
to their start around a ring. Exact duplicate polygons are dropped first (the
common degenerate case in real lists: two cameras at one address, one preset), and
polygons sharing a vertex exactly are unioned together and counted as one (the
other common case: the fields of view of one site, several directions from one
apex; without it, every preset of the map of Paris fell back to the overlay).
The caller then uses the overlay engine (:mod:`geocover.model.union`).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry as Geometry

from geocover.model.boundary_loops import (
    _cell_counts,
    _cell_fill,
    _crossings,
    _edges_of,
    _integrate,
    _piece_counts,
    _pieces,
    _shared_vertex_pairs,
    _sort_events,
    _start_depth,
)
from geocover.model.pieces import _components, _union_groups, polygons_of

#: Most cells in the grid (the cell grows beyond it): its counts are a dense array.
_MAX_CELLS = 4_000_000
_NO_BOXES = np.empty((0, 4))


# --------------------------------------------------------------------------- driver


def _ring_csr(polys: np.ndarray, coords: np.ndarray | None = None):
    """The polygons' coordinates and their rings and polygons as CSR offsets. ``coords``:
    the coordinates when already read (``shapely.get_coordinates(polys)``)."""
    ring_off: np.ndarray
    poly_off: np.ndarray
    if len(polys) and not shapely.get_num_interior_rings(polys).any():
        # No holes (every field of view): the coordinates at once, without the copies
        # of every ring that to_ragged_array makes (a fresh process pays their pages).
        if coords is None:
            coords = shapely.get_coordinates(polys)
        ring_off = np.zeros(len(polys) + 1, dtype=np.int64)
        np.cumsum(shapely.get_num_coordinates(polys), out=ring_off[1:])
        poly_off = np.arange(len(polys) + 1, dtype=np.int64)
    else:
        _, coords, (ring_off, poly_off) = shapely.to_ragged_array(polys)
    return (np.ascontiguousarray(coords), ring_off.astype(np.int64, copy=False),
            poly_off.astype(np.int64, copy=False))


def _edge_table(sets):
    """The edges of several sets of polygons, one table: each set is ``(coords, ring_off,
    poly_off, owner_of)`` (:func:`_ring_csr`, and each polygon's owner). Every ring is
    turned with its polygon on its left. Returns the edges ``(m, 4)`` and their owners,
    each ring's first edge and edge count, each set's first ring and each of its
    polygons' first edge (with the end), and the box of every vertex ``(x0, y0, x1, y1)``."""
    ring_len = np.concatenate([np.diff(r) - 1 for _, r, _, _ in sets]).astype(np.int64)
    ring_first = np.zeros(len(ring_len) + 1, dtype=np.int64)
    np.cumsum(ring_len, out=ring_first[1:])
    edges = np.empty((int(ring_first[-1]), 4))
    owner = np.empty(len(edges), dtype=np.int64)
    ext = np.array([np.inf, np.inf, -np.inf, -np.inf])
    set_ring, poly_edges = [], []
    r0 = 0
    for coords, ring_off, poly_off, owner_of in sets:
        nr = len(ring_off) - 1
        lo, hi = int(ring_first[r0]), int(ring_first[r0 + nr])
        _edges_of(coords, ring_off, poly_off, np.asarray(owner_of, dtype=np.int64),
                  edges[lo:hi], owner[lo:hi], ext)
        set_ring.append(r0)
        poly_edges.append(ring_first[r0 + poly_off])
        r0 += nr
    return edges, owner, ring_first[:-1], ring_len, set_ring, poly_edges, ext


def _drop_duplicates(polys: np.ndarray) -> np.ndarray:
    """``polys`` without exact repeats (same vertices in the same order): those with
    the same box, area and vertex count are compared exactly."""
    key = np.column_stack([shapely.bounds(polys), shapely.area(polys),
                           shapely.get_num_coordinates(polys).astype(np.float64)])
    keep = key[:, 4] > 0  # and no polygon without area
    # Repeats share their left edge: only the rows whose left edge another row has are
    # sorted on every key (a full lexsort of 10,000 rows took 2.6 ms).
    by_x = np.argsort(key[:, 0], kind="stable")
    xs = key[by_x, 0]
    tied = np.zeros(len(xs), dtype=bool)
    eq = xs[1:] == xs[:-1]
    tied[1:] |= eq
    tied[:-1] |= eq
    if tied.any():
        order = by_x[tied]
        order = order[np.lexsort(key[order].T[::-1])]
        k = key[order]
        same_key = np.flatnonzero((k[1:] == k[:-1]).all(axis=1))  # order[i + 1] repeats order[i]
        if len(same_key):
            later, earlier = order[same_key + 1], order[same_key]
            keep[later[shapely.equals_exact(polys[later], polys[earlier], tolerance=0.0)]] = False
    return polys if keep.all() else polys[keep]


def _merge_shared_vertices(polys: np.ndarray, *, all_vertices: bool = True,
                           coords: np.ndarray | None = None,
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``polys`` with the polygons that share a vertex exactly unioned together, each
    resulting part's group (the parts of one group are consecutive), and, when nothing
    was merged, the polygons' coordinates (read once, for :func:`_ring_csr`; given as
    ``coords`` when already read). ``all_vertices=False`` looks only for a polygon's
    first vertex among the others' vertices (the apex of a field of view as drawn):
    several times faster, and enough for the sites of real lists.

    Two fields of view of one camera site (several directions, or several cameras on
    one pole) share their apex: a vertex exactly on another ring, where this method's
    crossing counts are undefined. The union of each such group (a few wedges around a
    point) is one polygon, or several touching only at that point; its parts are given
    one owner, so their shared vertex is never compared. Every other polygon is its own
    group.
    """
    n = len(polys)
    if coords is None:
        coords = shapely.get_coordinates(polys)
    poly_off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(shapely.get_num_coordinates(polys), out=poly_off[1:])
    a = np.empty(len(coords), dtype=np.int64)
    b = np.empty(len(coords), dtype=np.int64)
    k = _shared_vertex_pairs(coords, coords.view(np.uint64), poly_off, all_vertices, a, b)
    if k == 0:
        return polys, np.arange(n), coords
    label = _components(n, a[:k], b[:k])
    _, group, size = np.unique(label, return_inverse=True, return_counts=True)
    shared = np.flatnonzero(size[group] > 1)  # the polygons in a group of several
    alone = np.flatnonzero(size[group] == 1)
    _, gid = np.unique(group[shared], return_inverse=True)
    merged = _union_groups(polys[shared], gid, int(gid.max()) + 1)
    parts, index = shapely.get_parts(merged, return_index=True)
    keep = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    parts, index = parts[keep], index[keep]
    out = np.concatenate([polys[alone], parts])
    owner = np.concatenate([np.arange(len(alone)), len(alone) + index])
    return out, owner, None


#: :func:`_cell_lists` splits the boxes among threads from this many on.
_CELL_LISTS_SPLIT_FROM = 100_000


def _cell_lists(n, boxes, edges, npc, pedge, pj, eps, cell, ox, oy, nx, ny, workers=1):
    """The ``n`` boxes (``boxes``, or if it is empty the edge pieces) meeting each cell
    of the grid, as CSR lists (``start``, ``items``), each cell's in increasing order.
    32-bit: less memory to touch. On ``workers`` threads for many boxes: each counts and
    then files its own range of boxes, after those of the ranges before it, so the lists
    are the same as on one."""
    k = max(1, min(int(workers), n // _CELL_LISTS_SPLIT_FROM))
    cuts = np.linspace(0, n, k + 1).astype(np.int64)
    args = (boxes, edges, npc, pedge, pj, eps, cell, ox, oy, ny)
    counts = [np.zeros(nx * ny + 1, np.int32) for _ in range(k)]
    _map(lambda t: _cell_counts(int(cuts[t]), int(cuts[t + 1]), *args, counts[t]),
         range(k), k)
    total = counts[0].copy() if k > 1 else counts[0]
    for c in counts[1:]:
        total += c
    start = np.cumsum(total, out=total)
    items = np.empty(int(start[-1]), np.int32)
    fills = [start[:-1].copy()]  # thread t files after the cell's boxes of threads < t
    for c in counts[:-1]:
        fills.append(fills[-1] + c[1:])
    _map(lambda t: _cell_fill(int(cuts[t]), int(cuts[t + 1]), *args, fills[t], items),
         range(k), k)
    return start, items


def _map(fn, items, workers: int) -> list:
    items = list(items)
    if workers < 2 or len(items) < 2:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))


def union_area_boundary(geoms, clip: Geometry, *, cell: float | None = None,
                        workers: int = 1) -> float | None:
    """Area of ``union(geoms) ∩ clip`` from its boundary (see the module docstring).

    Parameters
    ----------
    geoms : array_like of shapely.Geometry
        Valid polygons or multipolygons in a metric CRS; other geometries are ignored.
    clip : shapely.Polygon or shapely.MultiPolygon
        A valid polygonal area in the same CRS.
    cell : float, optional
        Side of the grid's cells (CRS units); default: a square holding about two
        edges of the box on average, or twice the median edge if longer.
    workers : int, default 1
        Threads for the crossings and the integration (the compiled loops release
        the GIL).

    Returns
    -------
    float or None
        The area in squared CRS units, or ``None`` where the configuration is
        degenerate for this method (then ask
        :func:`geocover.model.union.union_pieces_within`).

    Examples
    --------
    >>> import shapely
    >>> squares = [shapely.box(0, 0, 2, 2), shapely.box(1, 1, 3, 3)]
    >>> union_area_boundary(squares, shapely.box(-1, -1, 2.5, 2.5))
    5.25
    """
    polys = polygons_of(geoms)
    clips = polygons_of([clip])
    if len(polys) and len(clips):  # only what may meet the clip: the grid spans less
        cb, pb = shapely.total_bounds(clips), shapely.bounds(polys)
        polys = polys[(pb[:, 0] <= cb[2]) & (pb[:, 2] >= cb[0])
                      & (pb[:, 1] <= cb[3]) & (pb[:, 3] >= cb[1])]
    if len(polys) == 0 or len(clips) == 0:
        return 0.0
    polys = _drop_duplicates(polys)  # (the rings are turned as their edges are read)
    clip_poly = shapely.multipolygons(clips)
    # The apexes shared first; every shared vertex only if that was not enough (a
    # configuration the integral refuses may be one they explain).
    merged, group, coords = _merge_shared_vertices(polys, all_vertices=False)
    area = _area(merged, group, coords, clip_poly, cell, workers)
    if area is None:
        full = _merge_shared_vertices(polys, coords=coords)
        if full[1][-1] < group[-1]:  # fewer groups: more shared vertices
            area = _area(*full, clip_poly, cell, workers)
    return area


def _area(polys: np.ndarray, group: np.ndarray, coords: np.ndarray | None,
          clip_poly: Any, cell: float | None, workers: int) -> float | None:
    """:func:`union_area_boundary` of the ``polys`` (groups of parts: ``group``)."""
    # Owners are groups of parts (consecutive): an edge's, a ring's, each one's edges.
    npoly = int(group[-1]) + 1
    clip_owner = npoly  # every ring of the clip: one owner
    lead = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])  # each group's first part
    pc, pr, pp = _ring_csr(polys, coords)
    cc, cr, cp = _ring_csr(shapely.get_parts(clip_poly))
    edges, owner, ring_first, ring_len, set_ring, set_edges, ext = _edge_table(
        [(pc, pr, pp, group), (cc, cr, cp, np.full(len(cp) - 1, clip_owner))])
    nrp = set_ring[1]  # the polygons' rings, then the clip's
    mp = int(set_edges[1][0])  # the polygons' edges, then the clip's
    pro_part = np.repeat(np.arange(len(pp) - 1), np.diff(pp))  # each polygon ring's part
    pro = group[pro_part]
    poly_edges = set_edges[0][np.r_[lead, len(polys)]]
    is_clip = owner == clip_owner

    x0, y0, x1, y1 = (float(v) for v in ext)
    w, h = max(x1 - x0, 1e-9), max(y1 - y0, 1e-9)
    if cell is None:
        # About two edges per cell over the box (measured best at 10k-50k fields of view
        # in Metz: 1.5 against 0.75 and 2.5), and not much shorter than the edges (their
        # median length from at most 65,536 of them, evenly spaced: it only sizes cells).
        pe = edges[:mp:max(1, mp // 65_536)]
        length = np.maximum(np.abs(pe[:, 2] - pe[:, 0]), np.abs(pe[:, 3] - pe[:, 1]))
        cell = max(2.0 * float(np.median(length)), 1.5 * math.sqrt(w * h / len(edges)))
    cell = max(float(cell), math.sqrt(w * h / _MAX_CELLS), 1e-9 * max(w, h))
    ox, oy = x0 - cell, y0 - cell  # a cell of margin: every index is non-negative
    nx, ny = int((x1 - ox) / cell) + 2, int((y1 - oy) / cell) + 2

    npc = np.empty(len(edges), np.int32)
    total = int(_piece_counts(edges, cell, npc))
    pedge, pj = np.empty(total, np.int32), np.empty(total, np.int32)
    _pieces(npc, pedge, pj)
    eps = 1e-9 * cell  # a piece's box holds the true segment's points
    start, items = _cell_lists(total, _NO_BOXES, edges, npc, pedge, pj, eps, cell, ox, oy,
                               nx, ny, workers)
    # The cells in as many ranges as workers, of about as many entries each; the
    # kernels release the GIL.
    ncell = len(start) - 1
    cuts = np.searchsorted(start, np.linspace(0, start[-1], workers + 1)[1:-1])
    bounds = np.concatenate([[0], np.clip(cuts, 0, ncell), [ncell]])

    def cross(i: int):
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        cap = max(1024, int(start[hi] - start[lo]))  # about as many as the entries
        while True:  # (compact types: fewer pages to touch)
            ev = (np.empty(cap, np.int32), np.empty(cap), np.empty(cap, np.int8),
                  np.empty(cap, np.int8))
            n, status = _crossings(edges, owner, clip_owner, npc, pedge, pj, eps, start,
                                   items, cell, ox, oy, ny, lo, hi, *ev)
            if status != 2:
                return status, tuple(a[:n] for a in ev)
            cap *= 2

    found = _map(cross, range(workers), workers)
    if any(status == 1 for status, _ in found):
        return None
    ev_e, ev_t, ev_d, ev_c = (np.concatenate([f[1][k] for f in found]) for k in range(4))

    # The counters at each ring's first vertex: the winding numbers of the other
    # polygons (same signs as the crossings), and the clip's.
    first_pts = edges[ring_first, :2]
    ring_poly = np.concatenate([pro, np.full(len(ring_first) - nrp, clip_owner, dtype=np.int64)])
    bbox = shapely.bounds(polys)
    if len(lead) < len(polys):  # a group's box spans its parts'
        bbox = np.column_stack([np.minimum.reduceat(bbox[:, 0], lead),
                                np.minimum.reduceat(bbox[:, 1], lead),
                                np.maximum.reduceat(bbox[:, 2], lead),
                                np.maximum.reduceat(bbox[:, 3], lead)])
    ext = np.maximum(bbox[:, 2] - bbox[:, 0], bbox[:, 3] - bbox[:, 1])
    pcell = max(float(np.median(ext)), math.sqrt(w * h / _MAX_CELLS), 1e-9 * max(w, h))
    pox, poy = x0 - pcell, y0 - pcell
    pny = int((y1 - poy) / pcell) + 2
    pstart, pitems = _cell_lists(len(bbox), bbox, edges, npc, pedge, pj, 0.0, pcell, pox, poy,
                                 int((x1 - pox) / pcell) + 2, pny)
    depth0 = _start_depth(first_pts, ring_poly, edges, poly_edges[:-1], poly_edges[1:],
                          bbox, pstart, pitems, pcell, pox, poy, pny)
    if len(depth0) and depth0[0] < 0:
        return None
    clip0 = np.ones(len(ring_first), dtype=np.int64)
    shapely.prepare(clip_poly)
    px, py = first_pts[:nrp, 0], first_pts[:nrp, 1]
    clip0[:nrp] = shapely.contains_xy(clip_poly, px, py)
    # A first vertex within rounding of the clip's outline: GEOS's answer and the
    # crossings' signs might disagree there.
    # (Only the polygons whose box meets an edge of the outline need looking at.)
    tol = 1e-9 * max(w, h)
    outline = shapely.linestrings(edges[mp:].reshape(-1, 2, 2))
    _, near = shapely.STRtree(outline).query(polys)
    near_rings = np.flatnonzero(np.isin(pro_part, near))
    if len(near_rings) and shapely.dwithin(
            shapely.multilinestrings(outline), shapely.points(first_pts[near_rings]), tol).any():
        return None

    first, order = _sort_events(ev_e, ev_t, len(edges))
    nring = len(ring_first)
    rcuts = np.searchsorted(ring_first, np.linspace(0, len(edges), workers + 1)[1:-1])
    rb = np.concatenate([[0], np.clip(rcuts, 0, nring), [nring]])
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2

    def integrate(i: int):
        return _integrate(edges, is_clip, ring_first, ring_len, depth0, clip0, first, order,
                          ev_t, ev_d, ev_c, cx, cy, int(rb[i]), int(rb[i + 1]))

    parts = _map(integrate, range(workers), workers)
    if not all(ok for _, ok in parts):
        return None
    return math.fsum(a for a, _ in parts)
