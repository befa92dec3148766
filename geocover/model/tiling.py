"""The coverage engine's plan (:mod:`geocover.model.union`): a grid of square cells over
the clip, the *marked* cells (inside an inscribed disc of a polygon, or outside the clip)
in an integral image, and the quadtree of tiles that skips the fully marked ones, splits
the half-marked ones and gives each leaf its geometries. numpy, and vectorized shapely
calls on the clip and the tiles' boxes only: the polygons themselves are unioned in
:mod:`geocover.model.union`.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry as Geometry

#: ``marks``: split a tile (of more than LEAF_MIN geometries) when at least this
#: fraction of its cells is marked.
SPLIT_MARKED = 0.5
LEAF_MIN = 6
#: Upper bound on the number of grid cells.
MAX_CELLS = 1 << 20

class _Grid:
    """Square cells (origin ``x0, y0``, side ``c``, ``nx × ny``) and the integral
    image of the *marked* cells: inside an inscribed disc, or outside the clip."""

    def __init__(self, x0: float, y0: float, c: float, nx: int, ny: int):
        self.x0, self.y0, self.c, self.nx, self.ny = x0, y0, c, nx, ny
        self._marked = np.zeros((nx, ny), dtype=bool)
        self.sat = np.zeros((nx + 1, ny + 1), dtype=np.int32)

    def xs(self, i):
        """x of the grid line(s) ``i`` (the one formula, so shared edges are equal)."""
        return self.x0 + i * self.c

    def ys(self, j):
        return self.y0 + j * self.c

    def mark_discs(self, centres: np.ndarray, radii: np.ndarray) -> None:
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
        flat = self._marked.reshape(-1)
        # Candidate cells of each disc's box, in batches to bound the temporaries.
        ends = np.cumsum(cnt)
        lo = 0
        while lo < len(cnt):
            base = ends[lo - 1] if lo else 0
            hi = max(int(np.searchsorted(ends, base + (1 << 18), side="right")), lo + 1)
            k = cnt[lo:hi]
            g = np.repeat(np.arange(hi - lo), k)
            off = np.arange(len(g)) - np.repeat(np.cumsum(k) - k, k)
            cxg = cx[lo:hi][g]
            ii = i0[lo:hi][g] + off % cxg
            jj = j0[lo:hi][g] + off // cxg
            px, py, rr = xy[lo:hi, 0][g], xy[lo:hi, 1][g], r[lo:hi][g]
            dx = np.maximum(np.abs(self.xs(ii) - px), np.abs(self.xs(ii + 1) - px))
            dy = np.maximum(np.abs(self.ys(jj) - py), np.abs(self.ys(jj + 1) - py))
            inside = dx * dx + dy * dy <= rr * rr
            flat[ii[inside] * ny + jj[inside]] = True
            lo = hi

    def mark_outside(self, clip: Geometry) -> None:
        """Mark the cells lying entirely outside ``clip``: nothing there counts.

        Even-odd scanline test of the cell centres against the clip's rings, minus
        a one-cell band around every cell the boundary passes through.
        """
        c, nx, ny = self.c, self.nx, self.ny
        rings = shapely.get_rings(shapely.get_parts(clip))
        xy, ridx = shapely.get_coordinates(rings, return_index=True)
        if len(xy) < 2:
            return
        same = ridx[1:] == ridx[:-1]
        p, q = xy[:-1][same], xy[1:][same]
        # Crossings with the rows of centres y0 + (j + 1/2) c in [min y, max y).
        ylo, yhi = np.minimum(p[:, 1], q[:, 1]), np.maximum(p[:, 1], q[:, 1])
        j0 = np.clip(np.ceil((ylo - self.y0) / c - 0.5), 0, ny).astype(np.int64)
        j1 = np.clip(np.ceil((yhi - self.y0) / c - 0.5), 0, ny).astype(np.int64)
        n = np.maximum(j1 - j0, 0)
        seg = np.repeat(np.arange(len(p)), n)
        jj = j0[seg] + np.arange(len(seg)) - np.repeat(np.cumsum(n) - n, n)
        yc = self.y0 + (jj + 0.5) * c
        a, b = p[seg], q[seg]
        x = a[:, 0] + (yc - a[:, 1]) * (b[:, 0] - a[:, 0]) / (b[:, 1] - a[:, 1])
        # Toggle from the first cell whose centre lies right of the crossing; the
        # parity of the toggles met along a row says inside.
        ii = np.clip(np.ceil((x - self.x0) / c - 0.5), 0, nx).astype(np.int64)
        tog = (np.bincount(ii * ny + jj, minlength=(nx + 1) * ny) & 1).astype(np.uint8)
        inside = np.bitwise_xor.accumulate(tog.reshape(nx + 1, ny), axis=0)[:nx].astype(bool)
        # Boundary band: sample every segment at c/2, then dilate by one cell.
        length = np.hypot(q[:, 0] - p[:, 0], q[:, 1] - p[:, 1])
        k = np.maximum(np.ceil(length / (c / 2)).astype(np.int64), 1) + 1
        sid = np.repeat(np.arange(len(p)), k)
        t = (np.arange(len(sid)) - np.repeat(np.cumsum(k) - k, k)) / (k[sid] - 1)
        bi = np.floor((p[sid, 0] + t * (q[sid, 0] - p[sid, 0]) - self.x0) / c).astype(np.int64)
        bj = np.floor((p[sid, 1] + t * (q[sid, 1] - p[sid, 1]) - self.y0) / c).astype(np.int64)
        band = np.zeros((nx + 2, ny + 2), dtype=bool)
        ok = (bi >= -1) & (bi <= nx) & (bj >= -1) & (bj <= ny)
        band[bi[ok] + 1, bj[ok] + 1] = True
        near = band[1:-1, 1:-1].copy()
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                if di or dj:
                    near |= band[1 + di:nx + 1 + di, 1 + dj:ny + 1 + dj]
        self._marked |= ~inside & ~near

    def finish(self) -> None:
        """Build the integral image (after the last ``mark_*``)."""
        np.cumsum(self._marked, axis=0, dtype=np.int32, out=self.sat[1:, 1:])
        np.cumsum(self.sat[1:, 1:], axis=1, out=self.sat[1:, 1:])

    def marked(self, i0, j0, k) -> np.ndarray:
        """Number of marked cells in the tiles ``[i0, i0+k) × [j0, j0+k)``."""
        a0, a1 = np.clip(i0, 0, self.nx), np.clip(i0 + k, 0, self.nx)
        b0, b1 = np.clip(j0, 0, self.ny), np.clip(j0 + k, 0, self.ny)
        s = self.sat
        return s[a1, b1] - s[a0, b1] - s[a1, b0] + s[a0, b0]


def _make_grid(c: float, n: int, clip_bounds, target_count: int) -> tuple[_Grid, int]:
    """A grid of cells of side about ``c`` over the clip's box, and the root tile
    side in cells (a power of two) so that a root tile holds ``target_count``
    of the ``n`` geometries on average."""
    cx0, cy0, cx1, cy1 = clip_bounds
    w, h = max(cx1 - cx0, 1e-9), max(cy1 - cy0, 1e-9)
    c = max(c, math.sqrt(w * h / MAX_CELLS), 1e-9 * max(w, h))
    target = math.sqrt(w * h * target_count / max(n, 1))
    k = 1
    while k * c < target and k < (1 << 20):
        k *= 2
    nxr = max(1, math.ceil(w / (k * c)))
    nyr = max(1, math.ceil(h / (k * c)))
    return _Grid(cx0, cy0, c, nxr * k, nyr * k), k


def _root_pairs(bounds, grid: _Grid, k: int):
    """Root tiles (cell indices ``i0, j0``) and (geometry, tile) pairs whose boxes overlap."""
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
    ti, tj = (used // nyr) * k, (used % nyr) * k
    keep = _overlaps(bounds, gi, grid, ti[pt], tj[pt], k)
    return ti, tj, gi[keep], pt.ravel()[keep]


def _overlaps(bounds, gi, grid: _Grid, i0, j0, k) -> np.ndarray:
    b = bounds[gi]
    return (
        (b[:, 0] < grid.xs(i0 + k)) & (b[:, 2] > grid.xs(i0))
        & (b[:, 1] < grid.ys(j0 + k)) & (b[:, 3] > grid.ys(j0))
    )


def _boxes(grid: _Grid, i0, j0, k):
    return shapely.box(grid.xs(i0), grid.ys(j0), grid.xs(i0 + k), grid.ys(j0 + k))


def _plan(bounds, clip, grid: _Grid, k: int, leaf_max: int, use_marks: bool):
    """Quadtree descent from the root tiles.

    Returns
    -------
    covered, leaves : tuple of arrays
        ``(i0, j0, k, inside)`` per tile; ``inside``: entirely inside the clip.
    pairs_geom, pairs_leaf : numpy.ndarray
        The leaves' geometries, sorted by leaf.
    """
    ti, tj, pg, pt = _root_pairs(bounds, grid, k)
    kk = np.full(len(ti), k, dtype=np.int64)
    b = _boxes(grid, ti, tj, kk)
    touch = shapely.intersects(clip, b)
    inside = shapely.contains_properly(clip, b)
    cov_out, leaf_out, leaf_pg, leaf_pt = [], [], [], []
    n_leaf = 0
    while len(ti):
        # Drop the tiles outside the clip, and their pairs.
        remap = np.cumsum(touch) - 1
        pm = touch[pt]
        pg, pt = pg[pm], remap[pt[pm]]
        ti, tj, kk, inside = ti[touch], tj[touch], kk[touch], inside[touch]
        if not len(ti):
            break
        count = np.bincount(pt, minlength=len(ti))
        has = count > 0
        if use_marks:
            marked = grid.marked(ti, tj, kk)
            cov = marked == kk * kk
            want = (count > LEAF_MIN) & (marked >= SPLIT_MARKED * kk * kk)
        else:
            cov = np.zeros(len(ti), dtype=bool)
            want = np.zeros(len(ti), dtype=bool)
        split = ~cov & has & (kk > 1) & ((count > leaf_max) | want)
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
        # Split in four; the pairs follow by box overlap.
        m = int(split.sum())
        sid = np.full(len(ti), -1, dtype=np.int64)
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

    def cat(parts, i, dtype):
        return np.concatenate([p[i] for p in parts]).astype(dtype) if parts else np.empty(0, dtype)

    types = (np.int64, np.int64, np.int64, bool)
    covered = tuple(cat(cov_out, i, t) for i, t in enumerate(types))
    leaves = tuple(cat(leaf_out, i, t) for i, t in enumerate(types))
    lpg = np.concatenate(leaf_pg) if leaf_pg else np.empty(0, np.int64)
    lpt = np.concatenate(leaf_pt) if leaf_pt else np.empty(0, np.int64)
    order = np.argsort(lpt, kind="stable")
    return covered, leaves, lpg[order], lpt[order]
