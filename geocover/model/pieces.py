"""The union's result: disjoint pieces, dissolved on demand, once.

:class:`UnionPieces` holds what the coverage engine (:mod:`geocover.model.union`)
computed: polygons with pairwise disjoint interiors and which of them meet a tile seam.
Its area is their sum; its dissolved form merges only the pieces that touch a seam, by
GEOS's coverage union once the seams' vertices are matched (:func:`node_axis_seams`), or,
should GEOS refuse them as a coverage, by overlaying each connected group on its own.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry as Geometry


def polygons_of(geoms) -> np.ndarray:
    """The non-empty Polygons of ``geoms`` (multi-part geometries and collections
    exploded; points and lines dropped)."""
    arr = np.asarray(geoms, dtype=object).ravel()
    if len(arr) == 0:
        return np.empty(0, dtype=object)
    arr = arr[~shapely.is_missing(arr)]
    for _ in range(16):  # nested collections
        tid = shapely.get_type_id(arr)
        multi = (tid == 6) | (tid == 7)
        if not multi.any():
            break
        arr = np.concatenate([arr[~multi], shapely.get_parts(arr[multi])])
    arr = arr[shapely.get_type_id(arr) == 3]
    return arr[~shapely.is_empty(arr)]



class UnionPieces:
    """The union of some polygons inside a clip, as disjoint pieces, dissolved on demand.

    What :func:`union_pieces_within` returns: the pieces (polygons with pairwise disjoint
    interiors, one or more per tile), their area, and which pieces touch a tile edge.
    :meth:`dissolved` merges only those, once, and keeps the result: the report needs the
    area, the map and figures the dissolved outline, and no one pays twice.

    Attributes
    ----------
    parts : numpy.ndarray
        Polygons with pairwise disjoint interiors.
    area : float
        Their total area (``math.fsum``), in squared CRS units.
    """

    __slots__ = ("_dissolved", "_seam", "area", "parts")

    def __init__(self, parts: np.ndarray, seam: np.ndarray | None) -> None:
        self.parts = parts
        self._seam = seam
        self.area = math.fsum(shapely.area(parts).tolist())
        self._dissolved: Geometry | None = None

    def collection(self) -> Geometry:
        """The pieces as one geometry: a Polygon, or a GeometryCollection of them (empty
        when there is none)."""
        if len(self.parts) == 0:
            return shapely.GeometryCollection()
        if len(self.parts) == 1:
            return self.parts[0]
        return shapely.geometrycollections(self.parts)  # type: ignore[return-value]  # one out

    def dissolved(self) -> Geometry:
        """One Polygon or MultiPolygon (what ``ST_Union`` returns), computed on the first
        call by merging only the pieces that meet a tile edge (a coverage union: no
        overlay)."""
        if self._dissolved is not None:
            return self._dissolved
        parts, seam = self.parts, self._seam
        out: Geometry
        if len(parts) == 0:
            out = shapely.MultiPolygon()
        else:
            if seam is not None and seam.sum() > 1:
                merged = _coverage_merge(parts[seam])
                if merged is None:  # not a noded coverage after all: overlay them
                    merged = _merge_touching(parts[seam])
                parts = np.concatenate([parts[~seam], merged])
            # stubs: an object array's item, and one geometry out of one array in
            out = parts[0] if len(parts) == 1 else shapely.multipolygons(parts)  # type: ignore[assignment]
        self._dissolved = out
        return out


def _union_groups(geoms: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """Union of ``geoms`` per ``group`` id (0..n_groups-1); empty Polygon for no member.

    Vectorized: members are laid out in a padded 2-D array (``None`` where a group has
    fewer members) and reduced with ``shapely.union_all(axis=1)``, in row batches that
    bound the padding.
    """
    out = np.full(n_groups, shapely.Polygon(), dtype=object)
    if len(geoms) == 0:
        return out
    order = np.argsort(group, kind="stable")
    geoms, group = geoms[order], group[order]
    counts = np.bincount(group, minlength=n_groups)
    first = np.cumsum(counts) - counts
    rank = np.arange(len(group)) - first[group]
    present = np.flatnonzero(counts)
    present = present[np.argsort(counts[present], kind="stable")]
    budget = 4_000_000  # cells of the padded array per batch
    i = 0
    while i < len(present):
        j = i + 1
        while j < len(present) and counts[present[j]] * (j + 1 - i) <= budget:
            j += 1
        batch = present[i:j]
        width = counts[batch].max()
        row_of = np.full(n_groups, -1)
        row_of[batch] = np.arange(len(batch))
        take = np.isin(group, batch)
        table = np.full((len(batch), width), None, dtype=object)
        table[row_of[group[take]], rank[take]] = geoms[take]
        out[batch] = shapely.union_all(table, axis=1)
        i = j
    return out


def _components(n: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Connected components of the graph of ``n`` nodes and edges ``(i, j)``: a label per
    node (minimum-label propagation with pointer jumping, numpy only)."""
    lab = np.arange(n)
    if len(i) == 0:
        return lab
    while True:
        m = np.minimum(lab[i], lab[j])
        new = lab.copy()
        np.minimum.at(new, i, m)
        np.minimum.at(new, j, m)
        new = new[new]
        if np.array_equal(new, lab):
            return lab
        lab = new


#: Groups of at most this many pieces are merged in one vectorized call (padded rows).
_PAD_MAX = 32


def _merge_touching(parts: np.ndarray) -> np.ndarray:
    """Merge the pieces that meet across tile seams: each connected group of touching
    pieces is unioned on its own (small overlays) instead of one union of them all,
    which would overlay every seam piece against distant ones for nothing. The groups
    are disjoint from each other, so their unions make one valid MultiPolygon."""
    tree = shapely.STRtree(parts)
    i, j = tree.query(parts, predicate="intersects")
    keep = i < j
    lab = _components(len(parts), i[keep], j[keep])
    order = np.argsort(lab, kind="stable")
    lab_sorted = lab[order]
    starts = np.flatnonzero(np.r_[True, lab_sorted[1:] != lab_sorted[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    out = [parts[order[starts[sizes == 1]]]]
    small = np.flatnonzero((sizes > 1) & (sizes <= _PAD_MAX))
    if len(small):
        width = int(sizes[small].max())
        table = np.full((len(small), width), None, dtype=object)
        col = np.arange(width)
        for k in range(2, width + 1):  # rows by group size: one fancy assignment each
            rows = np.flatnonzero(sizes[small] == k)
            if len(rows):
                idx = order[starts[small[rows]][:, None] + col[None, :k]]
                table[rows, :k] = parts[idx]
        out.append(polygons_of(shapely.union_all(table, axis=1)))
    for g in np.flatnonzero(sizes > _PAD_MAX):
        out.append(polygons_of([shapely.union_all(parts[order[starts[g]:starts[g] + sizes[g]]])]))
    return np.concatenate(out)


def node_axis_seams(parts: np.ndarray) -> np.ndarray:
    """The same polygons, with a vertex added wherever another polygon's vertex lies inside
    one of their axis-parallel edges.

    Tiles cut the union along grid lines, so two pieces facing each other across a seam
    share that edge, but each side has the vertices of its own tile's overlay (a covered
    tile has only its four corners). Adding the other side's vertices makes the shared edges
    identical vertex for vertex, which GEOS's coverage union requires. Only edges exactly
    parallel to an axis are refined, and only with vertices lying exactly on them: the
    geometry (and every area) is unchanged.
    """
    if len(parts) == 0:
        return parts
    gtype, coords, (ring_off, geom_off) = shapely.to_ragged_array(parts)
    n = len(coords)
    first = np.ones(n, dtype=bool)
    first[ring_off[1:] - 1] = False  # a ring's closing vertex starts no edge
    k = np.flatnonzero(first)
    at: list[np.ndarray] = []
    pts: list[np.ndarray] = []
    for axis in (0, 1):
        a, b = coords[:, axis], coords[:, 1 - axis]
        seg = k[(a[k] == a[k + 1]) & (b[k] != b[k + 1])]
        if not len(seg):
            continue
        lines = np.unique(a[seg])
        # The vertices lying on those lines (the candidates), once each, ordered by (line,
        # position along it): an integer key per pair.
        la = np.minimum(np.searchsorted(lines, a), len(lines) - 1)
        on = lines[la] == a
        la, cb = la[on].astype(np.int64), b[on]
        ub = np.unique(np.concatenate([cb, b[seg], b[seg + 1]]))
        m = np.int64(len(ub) + 1)
        key = np.unique(la * m + np.searchsorted(ub, cb))
        cand = np.empty((len(key), 2))
        cand[:, axis], cand[:, 1 - axis] = lines[key // m], ub[key % m]
        line = np.searchsorted(lines, a[seg]).astype(np.int64) * m
        b0, b1 = np.searchsorted(ub, b[seg]), np.searchsorted(ub, b[seg + 1])
        lo = np.searchsorted(key, line + np.minimum(b0, b1), side="right")
        hi = np.searchsorted(key, line + np.maximum(b0, b1), side="left")
        # Every candidate strictly inside each edge, in the edge's direction.
        cnt = np.maximum(hi - lo, 0)
        e = np.repeat(np.arange(len(seg)), cnt)
        off = np.arange(len(e)) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        at.append(seg[e])
        pts.append(cand[np.where(b0[e] < b1[e], lo[e] + off, hi[e] - 1 - off)])
    where = np.concatenate(at) if at else np.empty(0, dtype=np.int64)
    if not len(where):
        return parts
    extra = np.bincount(where, minlength=n)
    shift = np.concatenate([[0], np.cumsum(extra)[:-1]])
    pos = np.arange(n) + shift
    out = np.empty((n + len(where), 2))
    out[pos] = coords
    # The j-th point added after vertex i goes right after it, in edge order.
    order = np.argsort(where, kind="stable")
    where_sorted = where[order]
    rank = np.arange(len(where)) - np.searchsorted(where_sorted, where_sorted)
    out[pos[where_sorted] + 1 + rank] = np.concatenate(pts)[order]
    rings = np.concatenate([[0], pos[ring_off[1:] - 1] + 1])
    return shapely.from_ragged_array(gtype, out, (rings, geom_off))


def _split_inner_holes(parts: np.ndarray):
    """The pieces without the holes the dissolve cannot change, and those holes.

    A hole whose box lies strictly inside its piece's box touches no tile edge, hence no
    other piece's ring: merging across the seams leaves it as it is. Filled in, it need not
    go through the coverage union (at 10,000 discs in Metz 45% of the seam pieces'
    vertices are such holes). A hole whose box holds another piece's box is kept (that
    piece would overlap the filled one).

    Returns
    -------
    shells : numpy.ndarray
        The pieces, their inner holes filled (the same array when there is none).
    holes, owner : numpy.ndarray or None
        The inner holes (LinearRings) and the index of the piece each comes from.
    """
    nh = shapely.get_num_interior_rings(parts)
    if not nh.any():
        return parts, None, None
    rings, ridx = shapely.get_rings(parts, return_index=True)  # each shell, then its holes
    first = np.concatenate([[0], np.cumsum(1 + nh)[:-1]])
    hole = np.arange(len(rings)) != first[ridx]
    hi = np.flatnonzero(hole)
    hb, pb = shapely.bounds(rings[hi]), shapely.bounds(parts)
    ob = pb[ridx[hi]]
    inner = ((hb[:, 0] > ob[:, 0]) & (hb[:, 1] > ob[:, 1])
             & (hb[:, 2] < ob[:, 2]) & (hb[:, 3] < ob[:, 3]))
    hi, hb = hi[inner], hb[inner]
    if len(hi):
        # Holes whose box holds another piece's box stay. (A tree of the pieces queried
        # with the rings: both by their boxes, without building one box per piece.)
        tree = shapely.STRtree(parts)
        qh, qp = tree.query(rings[hi])
        q = pb[qp]
        held = ((qp != ridx[hi[qh]]) & (q[:, 0] >= hb[qh, 0]) & (q[:, 1] >= hb[qh, 1])
                & (q[:, 2] <= hb[qh, 2]) & (q[:, 3] <= hb[qh, 3]))
        hi = hi[~np.isin(np.arange(len(hi)), qh[held])]
    if not len(hi):
        return parts, None, None
    strip = np.zeros(len(rings), dtype=bool)
    strip[hi] = True
    shells = shapely.polygons(rings[~strip], indices=ridx[~strip])
    return shells, rings[strip], ridx[strip]


def _put_back_holes(merged: np.ndarray, shells: np.ndarray, holes: np.ndarray,
                    owner: np.ndarray) -> np.ndarray | None:
    """``merged`` (the coverage union of ``shells``) with the inner holes put back, each
    in the polygon that holds its piece; None when some piece is in none of them."""
    pieces, back = np.unique(owner, return_inverse=True)
    pts = shapely.point_on_surface(shells[pieces])  # inside the piece: in one polygon only
    x, y = shapely.get_x(pts), shapely.get_y(pts)
    qi, qo = shapely.STRtree(merged).query(pts)  # candidates by box
    n_cand = np.bincount(qi, minlength=len(pts))
    if (n_cand == 0).any():
        return None
    # Several candidates: test all but the one with the most vertices (the big polygon
    # a point-in-polygon test would walk), which holds the point if no other does.
    size = shapely.get_num_coordinates(merged)[qo]
    by = np.lexsort((-size, qi))  # per point, its biggest candidate first
    qi, qo = qi[by], qo[by]
    lead = np.concatenate([[True], qi[1:] != qi[:-1]])
    target = np.full(len(pts), -1, dtype=np.int64)
    target[qi[lead]] = qo[lead]
    test = ~lead
    if test.any():
        hit = shapely.contains_xy(merged[qo[test]], x[qi[test]], y[qi[test]])
        target[qi[test][hit]] = qo[test][hit]
    into = target[back]
    hb, tb = shapely.bounds(holes), shapely.bounds(merged[into])
    if ((hb[:, :2] < tb[:, :2]) | (hb[:, 2:] > tb[:, 2:])).any():  # not in its polygon's box
        return None
    done = np.unique(into)
    rings, ridx = shapely.get_rings(merged[done], return_index=True)
    idx = np.concatenate([ridx, np.searchsorted(done, into)])
    order = np.argsort(idx, kind="stable")  # each polygon's own rings (shell first), then its holes
    out = merged.copy()
    out[done] = shapely.polygons(np.concatenate([rings, holes])[order], indices=idx[order])
    return out


def _coverage_merge(parts: np.ndarray) -> np.ndarray | None:
    """Dissolve pieces with disjoint interiors that meet along tile seams by GEOS's
    coverage union (linear in the vertices: it drops the shared edges, no overlay), after
    :func:`node_axis_seams`; the holes no seam can reach skip it and are put back after
    (:func:`_split_inner_holes`). None when GEOS finds them not noded after all, or when
    the area moved (then the caller overlays them)."""
    shells, holes, owner = _split_inner_holes(parts)
    noded = node_axis_seams(shells)
    try:
        merged = shapely.coverage_union_all(noded)
    except shapely.errors.GEOSException:
        return None
    out = polygons_of([merged])
    if holes is not None and owner is not None:
        back = _put_back_holes(out, shells, holes, owner)
        if back is None:
            return None
        out = back
    want = math.fsum(shapely.area(parts).tolist())
    got = math.fsum(shapely.area(out).tolist())
    if abs(got - want) > 1e-12 * max(want, 1e-300):
        return None
    return out
