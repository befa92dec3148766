"""The fast coverage engine: the union of many polygons inside a clip polygon, and its area.

``shapely.intersection(shapely.union_all(geoms), clip)`` is one cascaded overlay
of every input vertex on one core, although, where cameras are dense, almost
every vertex ends up deep inside the union. This engine avoids that work:

1. **Inner boxes.** For each convex input polygon (fields of view, discs), an
   axis-aligned box that lies inside it is computed with numpy from its
   vertices (the largest box of the polygon's bounding-box proportions centred
   on its vertex mean). Marking the cells of a fine grid that lie inside some
   inner box is a difference-array sum: no geometry predicate at all.
2. **Quadtree of tiles.** The clip's box is cut into square tiles aligned on
   that grid. A tile outside ``clip`` is dropped; a tile whose cells are all
   marked is *covered*: its share of the union is the tile itself. A tile
   with many geometries and enough marked cells is split in four, so that the
   split removes work; the others are *leaves*.
3. **Leaves.** The geometries that cross a leaf's edges are cut to it
   (``shapely.clip_by_rect``, vectorized). If one piece is the whole leaf, the
   leaf is covered; otherwise the pieces are unioned. Leaves that straddle the
   clip's boundary are intersected with the clip's piece.
4. **Threads.** Leaves run on a thread pool: shapely releases the GIL inside
   GEOS, so all cores work.

Tiles are disjoint, so their areas add up (``math.fsum``) and the union is the
collection of tile pieces; ``dissolve=True`` merges them into one
(Multi)Polygon. The loops are over tiles, never over geometries, and every
geometry operation is a vectorized shapely 2 call. Results differ from the
plain computation only by floating-point rounding at tile edges (relative
area differences around 1e-14).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely
from shapely import Geometry

__all__ = ["union_area_within", "union_within", "default_workers"]

#: A leaf never holds more pieces than this (bounds the cost of one union).
LEAF_MAX = 128
#: Cost model of a leaf's union, in pieces: a fixed cost worth this many pieces ...
LEAF_COST = 2.0
#: ... and a tile is split when its children are estimated to cost less than this
#: fraction of it.
SPLIT_GAIN = 0.8
#: Inner boxes are computed when the geometries' total area is at least this
#: multiple of the clip's area (below, too few tiles would be covered to pay).
DENSE = 2.0
#: Fine cells are the typical inscribed radius divided by this.
CELL_DIVISOR = 2.0
#: Leaves with at least this many pieces, piled up at most this much (total area over
#: tile area), are unioned with buffer(0) (see _union).
BUFFER_FROM = 8
BUFFER_MAX_DENSITY = 2.5
#: Upper bound on the number of cells of the fine grid.
MAX_CELLS = 1 << 22
#: Below this many geometries the plain computation is used (no tiling overhead).
SMALL_INPUT = 48
#: Absolute safety margin (CRS units) by which inner boxes are shrunk.
_MARGIN = 1e-6


def default_workers() -> int:
    """Worker threads: ``$GEOCOVER_WORKERS``, else the number of usable cores."""
    env = os.environ.get("GEOCOVER_WORKERS")
    if env:
        return max(1, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _polygons(geoms) -> np.ndarray:
    """The non-empty Polygons of ``geoms`` (multi-part geometries exploded)."""
    arr = np.asarray(geoms, dtype=object).ravel()
    if len(arr) == 0:
        return np.empty(0, dtype=object)
    arr = arr[~shapely.is_missing(arr)]
    for _ in range(8):  # nested collections
        tid = shapely.get_type_id(arr)
        multi = (tid == 6) | (tid == 7)
        if not multi.any():
            break
        arr = np.concatenate([arr[~multi], shapely.get_parts(arr[multi])])
    tid = shapely.get_type_id(arr)
    arr = arr[tid == 3]
    return arr[~shapely.is_empty(arr)]


def _inscribed_discs(polys: np.ndarray, pool, workers: int) -> tuple[np.ndarray, np.ndarray]:
    """A disc inside each polygon: centre and radius.

    The centre is the centroid (a point on the surface when the centroid falls
    outside) and the radius its distance to the boundary, holes included, so
    the disc lies inside the polygon whatever its shape. Radii are shrunk by a
    rounding margin; NaN where there is no disc.

    Returns
    -------
    centres : numpy.ndarray
        ``(n, 2)``.
    radii : numpy.ndarray
        ``(n,)``.
    """

    def work(sub: np.ndarray) -> np.ndarray:
        c = shapely.centroid(sub)
        inside = shapely.contains_xy(sub, shapely.get_x(c), shapely.get_y(c))
        if not inside.all():
            c[~inside] = shapely.point_on_surface(sub[~inside])
        rho = shapely.distance(c, shapely.boundary(sub))
        xy = shapely.get_coordinates(c)
        return np.column_stack([xy, rho]) if len(xy) == len(sub) else np.full((len(sub), 3), np.nan)

    chunks = np.array_split(polys, max(1, min(workers, len(polys) // 4096)))
    out = np.concatenate(list(pool.map(work, chunks)) if len(chunks) > 1 else [work(chunks[0])])
    r = out[:, 2] * (1 - 1e-9) - _MARGIN
    r[~(r > 0)] = np.nan
    return out[:, :2], r


class _Grid:
    """A fine grid of square cells (origin x0, y0; cell size c; nx × ny cells) and
    the integral image of its *marked* cells: cells inside some inscribed disc."""

    def __init__(self, x0: float, y0: float, c: float, nx: int, ny: int):
        self.x0, self.y0, self.c, self.nx, self.ny = x0, y0, c, nx, ny
        self._disc = np.zeros((nx, ny), dtype=bool)
        self._out = np.zeros((nx, ny), dtype=bool)
        self.sat = np.zeros((nx + 1, ny + 1), dtype=np.int64)  # disc-marked or outside
        self.sat_disc = np.zeros((nx + 1, ny + 1), dtype=np.int64)  # disc-marked

    def xs(self, i):
        return self.x0 + i * self.c

    def ys(self, j):
        return self.y0 + j * self.c

    def mark(self, centres: np.ndarray, radii: np.ndarray) -> None:
        """Mark the cells whose four corners lie in one of the discs."""
        ok = np.isfinite(radii)
        xy, r = centres[ok], radii[ok]
        c, nx, ny = self.c, self.nx, self.ny
        i0 = np.clip(np.ceil((xy[:, 0] - r - self.x0) / c), 0, nx).astype(np.int64)
        i1 = np.clip(np.floor((xy[:, 0] + r - self.x0) / c), 0, nx).astype(np.int64)
        j0 = np.clip(np.ceil((xy[:, 1] - r - self.y0) / c), 0, ny).astype(np.int64)
        j1 = np.clip(np.floor((xy[:, 1] + r - self.y0) / c), 0, ny).astype(np.int64)
        cx, cy = np.maximum(i1 - i0, 0), np.maximum(j1 - j0, 0)
        cnt = cx * cy
        m = cnt > 0
        xy, r, i0, j0, cx, cnt = xy[m], r[m], i0[m], j0[m], cx[m], cnt[m]
        covered = np.zeros(nx * ny, dtype=bool)
        # In batches, to bound the temporaries.
        bounds_ = np.r_[0, np.cumsum(cnt)]
        step = 1 << 18
        lo = 0
        while lo < len(cnt):
            hi = max(int(np.searchsorted(bounds_, bounds_[lo] + step, side="right")) - 1, lo + 1)
            sl = slice(lo, hi)
            k = cnt[sl]
            g = np.repeat(np.arange(hi - lo), k)
            off = np.arange(len(g)) - np.repeat(np.cumsum(k) - k, k)
            cxg = cx[sl][g]
            ii = i0[sl][g] + off % cxg
            jj = j0[sl][g] + off // cxg
            px, py, rr = xy[sl, 0][g], xy[sl, 1][g], r[sl][g]
            dx = np.maximum(np.abs(self.xs(ii) - px), np.abs(self.xs(ii + 1) - px))
            dy = np.maximum(np.abs(self.ys(jj) - py), np.abs(self.ys(jj + 1) - py))
            inside = dx * dx + dy * dy <= rr * rr
            covered[ii[inside] * ny + jj[inside]] = True
            lo = hi
        self._disc |= covered.reshape(nx, ny)
        self._update()

    def mark_outside(self, clip: Geometry) -> None:
        """Mark the cells that lie entirely outside ``clip``: nothing there counts.

        Scanline even-odd test of the cell centres against the clip's rings, minus
        a one-cell band around every cell the boundary passes through.
        """
        c, nx, ny = self.c, self.nx, self.ny
        rings = shapely.get_rings(shapely.get_parts(clip))
        xy, ridx = shapely.get_coordinates(rings, return_index=True)
        if len(xy) < 2:
            return
        same = ridx[1:] == ridx[:-1]
        p, q = xy[:-1][same], xy[1:][same]
        # Centre-row crossings: rows j with y0 + (j + 1/2) c in [min y, max y).
        ylo, yhi = np.minimum(p[:, 1], q[:, 1]), np.maximum(p[:, 1], q[:, 1])
        j0 = np.clip(np.ceil((ylo - self.y0) / c - 0.5), 0, ny).astype(np.int64)
        j1 = np.clip(np.ceil((yhi - self.y0) / c - 0.5), 0, ny).astype(np.int64)
        n = np.maximum(j1 - j0, 0)
        seg = np.repeat(np.arange(len(p)), n)
        jj = j0[seg] + np.arange(len(seg)) - np.repeat(np.cumsum(n) - n, n)
        yc = self.y0 + (jj + 0.5) * c
        a, b = p[seg], q[seg]
        x = a[:, 0] + (yc - a[:, 1]) * (b[:, 0] - a[:, 0]) / (b[:, 1] - a[:, 1])
        # Toggle from the first cell whose centre lies right of the crossing.
        ii = np.clip(np.ceil((x - self.x0) / c - 0.5), 0, nx).astype(np.int64)
        tog = np.zeros((ny, nx + 1), dtype=np.int64)
        np.add.at(tog, (jj, ii), 1)
        inside = (np.cumsum(tog, axis=1)[:, :nx] % 2 == 1).T
        # Boundary band: sample every segment at c/2, then dilate by one cell.
        length = np.hypot(*(q - p).T)
        k = np.maximum(np.ceil(length / (c / 2)).astype(np.int64), 1) + 1
        sid = np.repeat(np.arange(len(p)), k)
        t = (np.arange(len(sid)) - np.repeat(np.cumsum(k) - k, k)) / (k[sid] - 1)
        sx = p[sid, 0] + t * (q[sid, 0] - p[sid, 0])
        sy = p[sid, 1] + t * (q[sid, 1] - p[sid, 1])
        bi = np.floor((sx - self.x0) / c).astype(np.int64)
        bj = np.floor((sy - self.y0) / c).astype(np.int64)
        band = np.zeros((nx + 2, ny + 2), dtype=bool)
        ok = (bi >= -1) & (bi <= nx) & (bj >= -1) & (bj <= ny)
        band[bi[ok] + 1, bj[ok] + 1] = True
        dil = band.copy()
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                if di or dj:
                    dil[1:-1, 1:-1] |= band[1 + di:nx + 1 + di, 1 + dj:ny + 1 + dj]
        outside = ~inside & ~dil[1:-1, 1:-1]
        self._out |= outside
        self._update()

    def _update(self) -> None:
        self.sat[1:, 1:] = (self._disc | self._out).astype(np.int64).cumsum(0).cumsum(1)
        self.sat_disc[1:, 1:] = self._disc.astype(np.int64).cumsum(0).cumsum(1)

    def marked(self, i0, j0, k, disc_only: bool = False) -> np.ndarray:
        """Number of marked cells (disc-marked or outside the clip, or with
        ``disc_only`` disc-marked only) in the tiles [i0, i0+k) × [j0, j0+k)."""
        a0 = np.clip(i0, 0, self.nx)
        a1 = np.clip(i0 + k, 0, self.nx)
        b0 = np.clip(j0, 0, self.ny)
        b1 = np.clip(j0 + k, 0, self.ny)
        s = self.sat_disc if disc_only else self.sat
        return s[a1, b1] - s[a0, b1] - s[a1, b0] + s[a0, b0]

    def box_marked(self, bounds: np.ndarray) -> np.ndarray:
        """Whether every cell meeting each bounding box is marked."""
        c = self.c
        i0 = np.floor((bounds[:, 0] - self.x0) / c).astype(np.int64)
        i1 = np.ceil((bounds[:, 2] - self.x0) / c).astype(np.int64)
        j0 = np.floor((bounds[:, 1] - self.y0) / c).astype(np.int64)
        j1 = np.ceil((bounds[:, 3] - self.y0) / c).astype(np.int64)
        inside = (i0 >= 0) & (j0 >= 0) & (i1 <= self.nx) & (j1 <= self.ny) & (i1 > i0) & (j1 > j0)
        n = np.zeros(len(bounds), dtype=np.int64)
        w = (i1 - i0) * (j1 - j0)
        s = self.sat
        a0, a1 = np.clip(i0, 0, self.nx), np.clip(i1, 0, self.nx)
        b0, b1 = np.clip(j0, 0, self.ny), np.clip(j1, 0, self.ny)
        n = s[a1, b1] - s[a0, b1] - s[a1, b0] + s[a0, b0]
        return inside & (n == w)


def _make_grid(radii, bounds, clip_bounds, target_count: int) -> tuple[_Grid, int]:
    """The fine grid and the root tile size (in cells, a power of two).

    With inscribed discs the cells are about half their typical radius, so that
    most cells of a dense area lie inside one; without, half the typical
    geometry extent (the cells then only align the tiles).
    """
    cx0, cy0, cx1, cy1 = clip_bounds
    w, h = max(cx1 - cx0, 1e-9), max(cy1 - cy0, 1e-9)
    if radii is not None and np.isfinite(radii).any():
        c = float(np.nanmedian(radii)) / CELL_DIVISOR
    else:
        ext = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
        c = float(np.median(ext)) / 2
    c = max(c, math.sqrt(w * h / MAX_CELLS), 1e-6)
    # Root tiles: about target_count geometries each, at most the whole box.
    n = len(bounds)
    target = math.sqrt(w * h * target_count / max(n, 1))
    k = 1
    while k * c < target and k < (1 << 20):
        k *= 2
    nxr = max(1, math.ceil(w / (k * c)))
    nyr = max(1, math.ceil(h / (k * c)))
    return _Grid(cx0, cy0, c, nxr * k, nyr * k), k


def _pairs_root(bounds, grid: _Grid, k: int):
    """Root tiles (cell indices i0, j0) and (geometry, tile) pairs by bbox overlap."""
    size = k * grid.c
    nxr, nyr = grid.nx // k, grid.ny // k
    ix0 = np.clip(np.floor((bounds[:, 0] - grid.x0) / size), 0, nxr - 1).astype(np.int64)
    ix1 = np.clip(np.floor((bounds[:, 2] - grid.x0) / size), 0, nxr - 1).astype(np.int64)
    iy0 = np.clip(np.floor((bounds[:, 1] - grid.y0) / size), 0, nyr - 1).astype(np.int64)
    iy1 = np.clip(np.floor((bounds[:, 3] - grid.y0) / size), 0, nyr - 1).astype(np.int64)
    cx, cy = ix1 - ix0 + 1, iy1 - iy0 + 1
    cnt = cx * cy
    gi = np.repeat(np.arange(len(bounds)), cnt)
    off = np.arange(len(gi)) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    cxg = cx[gi]
    tid = (ix0[gi] + off % cxg) * nyr + (iy0[gi] + off // cxg)
    used, pt = np.unique(tid, return_inverse=True)
    ti = (used // nyr) * k
    tj = (used % nyr) * k
    keep = _overlaps(bounds, gi, grid, ti[pt], tj[pt], k)
    return ti, tj, gi[keep], pt[keep]


def _overlaps(bounds, gi, grid: _Grid, i0, j0, k) -> np.ndarray:
    b = bounds[gi]
    return (
        (b[:, 0] < grid.xs(i0 + k)) & (b[:, 2] > grid.xs(i0))
        & (b[:, 1] < grid.ys(j0 + k)) & (b[:, 3] > grid.ys(j0))
    )


def _boxes(grid: _Grid, i0, j0, k):
    return shapely.box(grid.xs(i0), grid.ys(j0), grid.xs(i0 + k), grid.ys(j0 + k))


def _plan(bounds, clip, grid: _Grid, k: int, leaf_max: int, extent: float):
    """Quadtree descent. Returns covered tiles and leaves as (i0, j0, k, inside) arrays,
    and the leaves' (geometry, leaf) pairs sorted by leaf.

    A tile is split when it holds more than ``leaf_max`` geometries, or when the
    estimated cost of its uncovered children is below its own (cost model: a
    fixed cost per union plus a cost per piece; a child of a tile of side s
    gets about ((s/2 + e) / (s + e))² of its pieces, e the typical geometry extent).
    """
    ti, tj, pg, pt = _pairs_root(bounds, grid, k)
    kk = np.full(len(ti), k, dtype=np.int64)
    b = _boxes(grid, ti, tj, kk)
    touch = shapely.intersects(clip, b)
    inside = shapely.contains_properly(clip, b)
    cov_out, leaf_out, leaf_pg, leaf_pt = [], [], [], []
    n_leaf = 0
    while len(ti):
        # Drop tiles outside the clip and their pairs.
        remap = np.cumsum(touch) - 1
        pm = touch[pt]
        pg, pt = pg[pm], remap[pt[pm]]
        ti, tj, kk, inside = ti[touch], tj[touch], kk[touch], inside[touch]
        if not len(ti):
            break
        count = np.bincount(pt, minlength=len(ti))
        full = grid.marked(ti, tj, kk) == kk * kk
        has = count > 0
        cov = full
        can_split = kk > 1
        # Children not fully marked, from the integral image.
        h = np.maximum(kk // 2, 1)
        open_children = sum(
            (grid.marked(ti + di * h, tj + dj * h, h) < h * h).astype(np.int64)
            for di in (0, 1) for dj in (0, 1)
        )
        s = kk * grid.c
        f = ((s / 2 + extent) / (s + extent)) ** 2
        cost_leaf = LEAF_COST + count
        cost_split = open_children * (LEAF_COST + count * f)
        split = ~cov & can_split & has & (
            (count > leaf_max) | (cost_split < SPLIT_GAIN * cost_leaf)
        )
        leaf = has & ~cov & ~split
        cov_out.append((ti[cov], tj[cov], kk[cov], inside[cov]))
        lid = np.full(len(ti), -1, dtype=np.int64)
        lid[leaf] = np.arange(int(leaf.sum())) + n_leaf
        n_leaf += int(leaf.sum())
        lm = leaf[pt]
        leaf_pg.append(pg[lm])
        leaf_pt.append(lid[pt[lm]])
        leaf_out.append((ti[leaf], tj[leaf], kk[leaf], inside[leaf]))
        if not split.any():
            break
        sid = np.full(len(ti), -1, dtype=np.int64)
        m = int(split.sum())
        sid[split] = np.arange(m)
        h = kk[split] // 2
        si, sj, sin_ = ti[split], tj[split], inside[split]
        ti = np.concatenate([si, si + h, si, si + h])
        tj = np.concatenate([sj, sj, sj + h, sj + h])
        kk = np.tile(h, 4)
        cin = np.tile(sin_, 4)
        sm = split[pt]
        spg, spt = pg[sm], sid[pt[sm]]
        npg = np.tile(spg, 4)
        npt = np.concatenate([spt + q * m for q in range(4)])
        ok = _overlaps(bounds, npg, grid, ti[npt], tj[npt], kk[npt])
        pg, pt = npg[ok], npt[ok]
        # Children of an inside tile are inside; the others are tested again.
        touch = np.ones(len(ti), dtype=bool)
        inside = cin.copy()
        todo = np.flatnonzero(~cin)
        if len(todo):
            bx = _boxes(grid, ti[todo], tj[todo], kk[todo])
            touch[todo] = shapely.intersects(clip, bx)
            inside[todo] = shapely.contains_properly(clip, bx)

    def cat(parts, i):
        return np.concatenate([p[i] for p in parts]) if parts else np.empty(0)

    covered = tuple(cat(cov_out, i) for i in range(4))
    leaves = tuple(cat(leaf_out, i) for i in range(4))
    lpg = np.concatenate(leaf_pg) if leaf_pg else np.empty(0, np.int64)
    lpt = np.concatenate(leaf_pt) if leaf_pt else np.empty(0, np.int64)
    order = np.argsort(lpt, kind="stable")
    return covered, leaves, lpg[order].astype(np.int64), lpt[order].astype(np.int64)


def _polygonal(geom: Geometry) -> np.ndarray:
    """The polygonal parts of a geometry (drops points/lines left by an intersection)."""
    if geom is None:
        return np.empty(0, dtype=object)
    parts = _polygons([geom])
    return parts


def _union(g: np.ndarray, density: float, op: str = "auto") -> Geometry:
    """Union of the pieces of one tile.

    GEOS's buffer(0) of the collection nodes every ring in one pass: two to four
    times faster than the cascaded union when the pieces overlap little, much
    slower when they pile up (its cost grows with the number of crossings). The
    cascaded union drops buried vertices as it goes. ``density`` is the pieces'
    total area over the tile's area.
    """
    if op == "union" or (op == "auto" and (len(g) < BUFFER_FROM or density > BUFFER_MAX_DENSITY)):
        return shapely.union_all(g)
    return shapely.buffer(shapely.geometrycollections(g), 0)


def _clip_piece(clip: Geometry, x0: float, y0: float, x1: float, y1: float) -> Geometry:
    """``clip ∩ box``: the fast rectangle clip, or the overlay if that is invalid."""
    piece = shapely.clip_by_rect(clip, x0, y0, x1, y1)
    if not shapely.is_valid(piece):
        piece = shapely.intersection(clip, shapely.box(x0, y0, x1, y1))
    return piece


def _clip_pieces(clip: Geometry, boxes: np.ndarray, pool, workers: int) -> np.ndarray:
    """``clip ∩ box`` for many boxes (overlay, vectorized, threaded)."""
    chunks = np.array_split(boxes, max(1, min(workers, len(boxes) // 64)))
    if pool is None or len(chunks) == 1:
        return shapely.intersection(clip, boxes)
    return np.concatenate(list(pool.map(lambda b: shapely.intersection(clip, b), chunks)))


def _tiled(polys, clip, workers, leaf_max, dissolve, union_op="auto"):
    bounds = shapely.bounds(polys)
    shapely.prepare(clip)
    density = float(shapely.area(polys).sum()) / max(float(clip.area), 1e-300)
    pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 else None
    try:
        return _tiled_run(polys, bounds, clip, density, pool, workers, leaf_max, dissolve, union_op)
    finally:
        if pool is not None:
            pool.shutdown()


def _tiled_run(polys, bounds, clip, density, pool, workers, leaf_max, dissolve, union_op):
    radii = None
    if density >= DENSE:
        centres, radii = _inscribed_discs(polys, pool, workers)
    grid, k = _make_grid(radii, bounds, clip.bounds, 2 * leaf_max)
    if radii is not None:
        grid.mark(centres, radii)
        grid.mark_outside(clip)
    extent = float(np.median(np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])))
    (ci, cj, ck, cin), (li, lj, lk, lin), lpg, lpt = _plan(
        bounds, clip, grid, k, leaf_max, extent
    )
    ci, cj, ck = ci.astype(np.int64), cj.astype(np.int64), ck.astype(np.int64)
    li, lj, lk = li.astype(np.int64), lj.astype(np.int64), lk.astype(np.int64)
    cin, lin = cin.astype(bool), lin.astype(bool)
    nleaf = len(li)
    starts = np.searchsorted(lpt, np.arange(nleaf))
    ends = np.searchsorted(lpt, np.arange(nleaf), side="right")
    lx0, ly0 = grid.xs(li), grid.ys(lj)
    lx1, ly1 = grid.xs(li + lk), grid.ys(lj + lk)

    areas = shapely.area(polys)

    def leaf(q: int) -> Geometry:
        idx = lpg[starts[q]:ends[q]]
        x0, y0, x1, y1 = lx0[q], ly0[q], lx1[q], ly1[q]
        tile_area = (x1 - x0) * (y1 - y0)
        g = polys[idx]
        bb = bounds[idx]
        cross = (bb[:, 0] < x0) | (bb[:, 1] < y0) | (bb[:, 2] > x1) | (bb[:, 3] > y1)
        a = areas[idx]
        u = None
        if cross.any():
            g = g.copy()
            a = a.copy()
            cut = shapely.clip_by_rect(g[cross], x0, y0, x1, y1)
            # clip_by_rect is fast but its output is not guaranteed valid (concave
            # inputs): redo the invalid pieces with the robust overlay.
            bad = ~shapely.is_valid(cut)
            if bad.any():
                cut[bad] = shapely.intersection(g[cross][bad], shapely.box(x0, y0, x1, y1))
            g[cross] = cut
            a[cross] = shapely.area(cut)
            # A piece that is the whole tile: the tile is covered.
            if (a[cross] >= tile_area * (1 - 1e-12)).any():
                u = shapely.box(x0, y0, x1, y1)
        if u is None:
            u = _union(g, float(a.sum()) / tile_area, union_op)
        if not lin[q]:
            u = shapely.intersection(u, _clip_piece(clip, x0, y0, x1, y1))
        return u

    # Biggest leaves first keeps every worker busy to the end.
    order = np.argsort(-(ends - starts), kind="stable")
    if pool is not None and nleaf > 1:
        pieces = list(pool.map(leaf, order, chunksize=max(1, nleaf // (workers * 32))))
    else:
        pieces = [leaf(q) for q in order]
    cov_boxes = _boxes(grid, ci, cj, ck)
    border = np.flatnonzero(~cin)
    if len(border):
        cov_boxes[border] = _clip_pieces(clip, cov_boxes[border], pool, workers)
    pieces_arr = np.empty(len(pieces), dtype=object)
    pieces_arr[:] = pieces
    parts = _polygons(np.concatenate([cov_boxes, pieces_arr]))
    area = math.fsum(shapely.area(parts).tolist())
    if dissolve:
        geom = shapely.union_all(parts) if len(parts) else shapely.MultiPolygon()
    else:
        geom = shapely.geometrycollections(parts) if len(parts) else shapely.GeometryCollection()
    return geom, area


def union_area_within(
    geoms,
    clip: Geometry,
    *,
    workers: int | None = None,
    dissolve: bool = False,
    leaf_max: int = LEAF_MAX,
) -> tuple[Geometry, float]:
    """The union of ``geoms`` inside ``clip``, and its area.

    The same area as ``shapely.intersection(shapely.union_all(geoms), clip).area``
    up to floating-point rounding (about 1e-14 relative), computed tile by tile
    on all cores, skipping the tiles that a single geometry covers.

    Parameters
    ----------
    geoms : array_like of shapely.Geometry
        Polygons or MultiPolygons in a metric CRS. ``None``, empty and
        non-polygonal geometries are ignored. They must be valid, as for
        ``shapely.union_all``.
    clip : shapely.Polygon or shapely.MultiPolygon
        The area of interest (e.g. a commune) in the same CRS; holes are honoured.
    workers : int, optional
        Threads; default :func:`default_workers` (``$GEOCOVER_WORKERS`` or the cores).
    dissolve : bool, default False
        Merge the tile pieces into one (Multi)Polygon, which is what ``ST_Union``
        returns. Otherwise the union is returned as a GeometryCollection of
        polygons with disjoint interiors, which is cheaper and has the same area.
    leaf_max : int, default 96
        Tiles with more geometries are always split.

    Returns
    -------
    union : shapely.Geometry
        A GeometryCollection of polygons with pairwise disjoint interiors, or
        with ``dissolve=True`` a Polygon/MultiPolygon. Empty when nothing lies
        inside ``clip``.
    area : float
        Its area, in squared CRS units.

    Examples
    --------
    >>> import shapely
    >>> discs = shapely.buffer(shapely.points([(0, 0), (10, 0)]), 1.0)
    >>> _, area = union_area_within(discs, shapely.box(-5, -5, 5, 5))
    >>> bool(abs(area - shapely.area(discs[0])) < 1e-9)
    True
    """
    empty = shapely.MultiPolygon() if dissolve else shapely.GeometryCollection()
    polys = _polygons(geoms)
    if clip is None or shapely.is_empty(clip) or len(polys) == 0:
        return empty, 0.0
    workers = default_workers() if workers is None else max(1, int(workers))
    if len(polys) < SMALL_INPUT:
        u = shapely.intersection(shapely.union_all(polys), clip)
        parts = _polygonal(u)
        if not len(parts):
            return empty, 0.0
        geom = shapely.union_all(parts) if dissolve else shapely.geometrycollections(parts)
        return geom, math.fsum(shapely.area(parts).tolist())
    return _tiled(polys, clip, workers, leaf_max, dissolve)


def union_within(geoms, clip: Geometry, *, workers: int | None = None) -> Geometry:
    """The union of ``geoms`` inside ``clip`` as one Polygon or MultiPolygon.

    Same as the polygonal part of ``shapely.intersection(shapely.union_all(geoms),
    clip)``, computed with :func:`union_area_within` and dissolved.

    Parameters
    ----------
    geoms : array_like of shapely.Geometry
        Polygons or MultiPolygons in a metric CRS.
    clip : shapely.Polygon or shapely.MultiPolygon
        Same CRS.
    workers : int, optional
        Threads (default: the usable cores).

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
    """
    geom, _ = union_area_within(geoms, clip, workers=workers, dissolve=True)
    return geom
