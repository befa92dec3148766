"""The union's result: disjoint pieces, dissolved on demand, once.

:class:`UnionPieces` holds what the coverage engine (:mod:`geocover.model.union`)
computed: polygons with pairwise disjoint interiors and which of them meet a tile seam.
Its area is their sum; its dissolved form merges only the connected groups of touching
seam pieces, each on its own.
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
        call by merging only the pieces that meet a tile edge."""
        if self._dissolved is not None:
            return self._dissolved
        parts, seam = self.parts, self._seam
        out: Geometry
        if len(parts) == 0:
            out = shapely.MultiPolygon()
        else:
            if seam is not None and seam.sum() > 1:
                parts = np.concatenate([parts[~seam], _merge_touching(parts[seam])])
            # stubs: an object array's item, and one geometry out of one array in
            out = parts[0] if len(parts) == 1 else shapely.multipolygons(parts)  # type: ignore[assignment]
        self._dissolved = out
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
