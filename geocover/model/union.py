"""The fast coverage engine: the union of many polygons inside a clip polygon, and its area.

``shapely.intersection(shapely.union_all(geoms), clip)`` is one cascaded overlay
of every input vertex, on one core. This engine gives the same answer (to
floating-point rounding, about 1e-14 relative) faster, on every core, choosing
among three plans by how much the polygons pile up (``density``: their total
area over the clip's area):

``tiles`` (density below 2.5, e.g. fields of view along streets)
    The clip's box is cut into square tiles of about a hundred geometries. In
    each tile the geometries that cross its edges are cut to it
    (``shapely.clip_by_rect``, vectorized) and the pieces are unioned with
    GEOS's ``buffer(0)`` of their collection, which nodes every ring in one
    pass and is two to four times faster than the cascaded union when the
    pieces overlap little. Tiles straddling the clip's boundary are then
    intersected with the clip's own piece.
``marks`` (many geometries over every point, e.g. 50,000 discs in a commune)
    Almost every vertex ends up buried inside the union. An inscribed disc of
    each polygon (centroid, distance to the boundary) marks the cells of a
    fine grid it contains (numpy, no geometry predicate), as well as the cells
    entirely outside the clip. A quadtree of tiles then skips every tile whose
    cells are all marked (its share of the union is the tile, or the tile ∩
    clip), splits tiles that are half marked, and unions only what is left, as
    in ``tiles``.
``groups`` (in between, where cutting costs more than it saves)
    No cutting: the geometries are grouped by position, each group is unioned
    on its own thread, and the group unions are merged pairwise. On one thread,
    GEOS's cascaded union of them all (``plain``) instead.

Tiles are disjoint, so their areas add up (``math.fsum``) and the union is the
collection of tile pieces; ``dissolve=True`` merges them into one
(Multi)Polygon. The loops run over tiles or groups, never over geometries,
every geometry operation is a vectorized shapely 2 call, and the work runs on
a thread pool: shapely releases the GIL inside GEOS.

Where only the area is wanted, :func:`union_area` skips the union altogether for
large, sparse inputs: the area of the union comes from its boundary
(:mod:`geocover.model.boundary`), with the tiles as the fallback.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry as Geometry

from geocover.model.forked import in_processes
from geocover.model.pieces import UnionPieces, polygons_of
from geocover.model.threads import default_workers  # (here too: its first home)
from geocover.model.tiling import (
    _boxes,
    _make_grid,
    _plan,
)

#: The plans :func:`union_area_within` can follow (``"auto"`` chooses).
STRATEGIES = ("auto", "plain", "tiles", "marks", "groups")
#: Below this density the ``tiles`` plan is used.
TILES_MAX_DENSITY = 2.5
#: The ``marks`` plan is used when a typical grid cell is expected to lie in at
#: least this many inscribed discs (else ``groups``).
MARKS_MIN_DEPTH = 3.5
#: A tile holds at most this many geometries (``tiles``: about half as many).
LEAF_MAX = 128
#: ``marks``: grid cells are the typical inscribed radius divided by this.
CELL_DIVISOR = 4.0
#: Leaves with at least this many pieces, piled up at most this much (total area
#: over tile area), are unioned with buffer(0) (see :func:`_union`).
BUFFER_FROM = 8
BUFFER_MAX_DENSITY = 2.5
#: :func:`union_area` takes the area from the boundary from this many polygons on
#: (below, loading the compiled loops, about 0.5 s once per process, costs more than
#: they save).
BOUNDARY_FROM = 2_000
#: Below this many geometries the plain computation is used.
SMALL_INPUT = 48
#: Absolute safety margin (CRS units) by which inscribed discs are shrunk.
_MARGIN = 1e-6


def default_processes() -> bool:
    """Whether tiles run in forked processes rather than threads: ``$GEOCOVER_POOL``
    set to ``processes`` (default: threads)."""
    return os.environ.get("GEOCOVER_POOL", "threads").strip().lower() == "processes"


def _run(pool, fn, items) -> list:
    if not isinstance(pool, ThreadPoolExecutor) or len(items) < 2:
        return [fn(x) for x in items]
    return list(pool.map(fn, items))


# --------------------------------------------------------------------------- grid


def _inscribed_discs(polys: np.ndarray, pool) -> tuple[np.ndarray, np.ndarray]:
    """A disc inside each polygon: centre ``(n, 2)`` and radius ``(n,)``.

    The centre is the centroid (a point on the surface when the centroid falls
    outside) and the radius its distance to the boundary, holes included: the
    disc lies inside the polygon whatever its shape. Radii are shrunk by a
    rounding margin; NaN where there is no disc.
    """

    def work(sub: np.ndarray) -> np.ndarray:
        c = shapely.centroid(sub)
        inside = shapely.contains_xy(sub, shapely.get_x(c), shapely.get_y(c))
        if not inside.all():
            c[~inside] = shapely.point_on_surface(sub[~inside])
        rho = shapely.distance(c, shapely.boundary(sub))
        return np.column_stack([shapely.get_x(c), shapely.get_y(c), rho])

    chunks = np.array_split(polys, max(1, min(8, len(polys) // 4096)))
    out = np.concatenate(_run(pool, work, chunks))
    r = out[:, 2] * (1 - 1e-9) - _MARGIN
    r[~(r > 0)] = np.nan
    return out[:, :2], r


# --------------------------------------------------------------------------- unions


def _union(g: np.ndarray, density: float) -> Geometry:
    """Union of the pieces of one tile.

    GEOS's buffer(0) of the collection nodes every ring in one pass: two to four
    times faster than the cascaded union when the pieces overlap little, much
    slower when they pile up (its cost grows with the number of crossings, while
    the cascaded union drops buried vertices as it goes). ``density`` is the
    pieces' total area over the tile's area.
    """
    if len(g) < BUFFER_FROM or density > BUFFER_MAX_DENSITY:
        return shapely.union_all(g)
    # types-shapely: an array of pieces in gives one collection (then one geometry) out
    return shapely.buffer(shapely.geometrycollections(g), 0)  # type: ignore[return-value]


def _clip_piece(clip: Geometry, x0: float, y0: float, x1: float, y1: float) -> Geometry:
    """``clip ∩ box``: the fast rectangle clip, or the overlay when that is invalid."""
    piece = shapely.clip_by_rect(clip, x0, y0, x1, y1)
    if not shapely.is_valid(piece):
        piece = shapely.intersection(clip, shapely.box(x0, y0, x1, y1))
    return piece


def _tiles(polys, bounds, clip, pool, workers, leaf_max, grid, k, use_marks):
    """The ``tiles`` and ``marks`` plans: disjoint polygon pieces of the union ∩ clip."""
    (ci, cj, ck, cin), (li, lj, lk, lin), lpg, lpt = _plan(
        bounds, clip, grid, k, leaf_max, use_marks
    )
    nleaf = len(li)
    starts = np.searchsorted(lpt, np.arange(nleaf))
    ends = np.searchsorted(lpt, np.arange(nleaf), side="right")
    lx0, ly0 = grid.xs(li), grid.ys(lj)
    lx1, ly1 = grid.xs(li + lk), grid.ys(lj + lk)
    areas = shapely.area(polys)

    def leaf(q: int) -> Geometry | None:
        idx = lpg[starts[q]:ends[q]]
        x0, y0, x1, y1 = lx0[q], ly0[q], lx1[q], ly1[q]
        piece = None
        if not lin[q]:
            # On the clip's border: work in the box of clip ∩ tile only. (The prepared
            # clip is not used here: GEOS prepared geometries are not safe to query
            # from several threads at once.)
            piece = _clip_piece(clip, x0, y0, x1, y1)
            if piece.is_empty:
                return None
            px0, py0, px1, py1 = piece.bounds
            x0, y0, x1, y1 = max(x0, px0), max(y0, py0), min(x1, px1), min(y1, py1)
            if not (x1 > x0 and y1 > y0):
                return None
        rect_area = (x1 - x0) * (y1 - y0)
        g, a, bb = polys[idx], areas[idx], bounds[idx]  # fancy indexing: copies
        if piece is not None:
            inside = (bb[:, 0] < x1) & (bb[:, 2] > x0) & (bb[:, 1] < y1) & (bb[:, 3] > y0)
            g, a, bb = g[inside], a[inside], bb[inside]
        cross = (bb[:, 0] < x0) | (bb[:, 1] < y0) | (bb[:, 2] > x1) | (bb[:, 3] > y1)
        u = None
        if cross.any():
            cut = shapely.clip_by_rect(g[cross], x0, y0, x1, y1)
            # clip_by_rect is fast but its output is not guaranteed valid (concave
            # inputs): redo the invalid pieces with the robust overlay.
            bad = ~shapely.is_valid(cut)
            if bad.any():
                cut[bad] = shapely.intersection(g[cross][bad], shapely.box(x0, y0, x1, y1))
            g[cross] = cut
            a[cross] = shapely.area(cut)
            # A piece that is the whole rectangle: it is covered.
            if (a[cross] >= rect_area * (1 - 1e-12)).any():
                u = shapely.box(x0, y0, x1, y1)
        if piece is None:
            return u if u is not None else _union(g, float(a.sum()) / rect_area)
        if u is None:
            shapely.prepare(piece)  # this thread's own geometry: safe to prepare
            near = shapely.intersects(piece, g)  # pieces outside the clip add nothing
            if not near.any():
                return None
            u = _union(g[near], float(a[near].sum()) / rect_area)
        return shapely.intersection(u, piece)

    # Biggest leaves first keeps every worker busy to the end.
    order = np.argsort(-(ends - starts), kind="stable")
    if pool == "processes" and nleaf > 1:
        pieces = in_processes(leaf, order, workers)
    elif pool is not None and nleaf > 1:
        pieces = list(pool.map(leaf, order, chunksize=max(1, nleaf // (workers * 32))))
    else:
        pieces = [leaf(q) for q in order]
    if pool == "processes":
        pool = None
    cov = _boxes(grid, ci, cj, ck)
    border = np.flatnonzero(~cin)
    if len(border):
        chunks = np.array_split(border, max(1, min(workers, len(border) // 64)))
        res = _run(pool, lambda ix: shapely.intersection(clip, cov[ix]), chunks)
        cov[np.concatenate(chunks)] = np.concatenate(res)
    # The pieces' polygons, and whether each touches its tile's edge (a seam with
    # another tile's pieces): only those need merging to dissolve the union.
    tiles = np.concatenate([
        np.column_stack([grid.xs(ci), grid.ys(cj), grid.xs(ci + ck), grid.ys(cj + ck)]),
        np.column_stack([lx0[order], ly0[order], lx1[order], ly1[order]]),
    ])
    geoms = np.empty(len(cov) + len(pieces), dtype=object)
    geoms[:len(cov)] = cov
    geoms[len(cov):] = pieces
    geoms[shapely.is_missing(geoms)] = shapely.Polygon()
    parts, owner = geoms, np.arange(len(geoms))
    for _ in range(3):  # explode (Multi)Polygons and collections, keeping the owner tile
        tid = shapely.get_type_id(parts)
        multi = (tid == 6) | (tid == 7)
        if not multi.any():
            break
        sub, i = shapely.get_parts(parts[multi], return_index=True)
        parts = np.concatenate([parts[~multi], sub])
        owner = np.concatenate([owner[~multi], owner[multi][i]])
    keep = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    parts, tile = parts[keep], tiles[owner[keep]]
    b = shapely.bounds(parts)
    tol = 4e-9 * max(grid.c, 1.0)
    seam = ((b[:, 0] <= tile[:, 0] + tol) | (b[:, 1] <= tile[:, 1] + tol)
            | (b[:, 2] >= tile[:, 2] - tol) | (b[:, 3] >= tile[:, 3] - tol))
    return parts, seam


def _groups(polys, clip, pool, workers, per_worker: int = 4):
    """The ``groups`` plan: union ∩ clip as polygons, without cutting anything."""
    b = shapely.bounds(polys)
    cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
    ng = max(2, workers * per_worker)
    # Sort-tile-recursive grouping: strips by x, then runs by y within a strip.
    nstrip = max(1, round(math.sqrt(ng)))
    groups: list[np.ndarray] = []
    for strip in np.array_split(np.argsort(cx, kind="stable"), nstrip):
        by_y = strip[np.argsort(cy[strip], kind="stable")]
        groups.extend(g for g in np.array_split(by_y, max(1, ng // nstrip)) if len(g))
    unions = _run(pool, lambda ix: shapely.union_all(polys[ix]), groups)
    while len(unions) > 1:  # merge pairwise, neighbours first
        pairs = [unions[i:i + 2] for i in range(0, len(unions), 2)]
        unions = _run(pool, shapely.union_all, pairs)
    return polygons_of([shapely.intersection(unions[0], clip)])


def _choose(polys, bounds, clip, density: float) -> str:
    if density < TILES_MAX_DENSITY:
        return "tiles"
    # Expected number of inscribed discs containing a grid cell, from a sample:
    # density × (area of the shrunken inscribed disc / polygon area).
    rng = np.random.default_rng(0)
    sample = polys if len(polys) <= 2000 else polys[rng.choice(len(polys), 2000, replace=False)]
    _, r = _inscribed_discs(sample, None)
    ok = np.isfinite(r)
    if not ok.any():
        return "groups"
    rr = r[ok] * (1 - math.sqrt(2) / (2 * CELL_DIVISOR))
    depth = density * float(np.mean(math.pi * rr * rr / shapely.area(sample[ok])))
    return "marks" if depth >= MARKS_MIN_DEPTH else "groups"


def _compute(polys, clip, workers, strategy, leaf_max, processes=False):
    bounds = shapely.bounds(polys)
    # A private copy to prepare (the caller's geometry is left as it is); it is only
    # queried from the calling thread.
    clip = shapely.from_wkb(shapely.to_wkb(clip))
    shapely.prepare(clip)
    density = float(shapely.area(polys).sum()) / max(float(clip.area), 1e-300)
    if strategy == "auto":
        strategy = _choose(polys, bounds, clip, density)
        if strategy == "groups" and workers < 2:
            # On one thread the groups are only a worse cascade than GEOS's own (the
            # 6,561 observation fields of Paris: 0.38 s against 0.27 s plain).
            strategy = "plain"
    if strategy == "plain":
        return polygons_of([shapely.intersection(shapely.union_all(polys), clip)]), None
    pool: ThreadPoolExecutor | str | None
    if workers > 1 and processes and strategy in ("tiles", "marks"):
        pool = "processes"  # the leaves in forked processes, the rest on this thread
    else:
        pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 else None
    try:
        if strategy == "groups":
            return _groups(polys, clip, pool, workers), None
        if strategy == "marks":
            centres, radii = _inscribed_discs(polys, pool)
            c = float(np.nanmedian(radii)) / CELL_DIVISOR if np.isfinite(radii).any() else None
        else:
            c = None
        if c is None:  # cells only align the tiles: half a geometry
            ext = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
            c = float(np.median(ext)) / 2
        grid, k = _make_grid(c, len(polys), clip.bounds, 2 * leaf_max)
        if strategy == "marks":
            grid.mark_discs(centres, radii)
            grid.mark_outside(clip)
            grid.finish()
        lm = leaf_max if strategy == "marks" else 2 * leaf_max
        return _tiles(polys, bounds, clip, pool, workers, lm, grid, k, strategy == "marks")
    finally:
        if isinstance(pool, ThreadPoolExecutor):
            pool.shutdown()


# --------------------------------------------------------------------------- public


def union_pieces_within(
    geoms,
    clip: Geometry,
    *,
    workers: int | None = None,
    strategy: str = "auto",
    leaf_max: int = LEAF_MAX,
    processes: bool | None = None,
) -> UnionPieces:
    """The union of ``geoms`` inside ``clip`` as disjoint pieces (see :class:`UnionPieces`).

    Parameters are those of :func:`union_area_within`, and ``processes``: run the tiles
    in ``workers`` forked processes instead of threads (default
    :func:`default_processes`; Linux).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, not {strategy!r}")
    polys = polygons_of(geoms)
    # seam: None when the parts are already those of one valid (Multi)Polygon, else
    # which parts touch a tile edge (the others touch nothing but at points).
    seam = None
    if clip is None or shapely.is_empty(clip) or len(polys) == 0:
        parts = np.empty(0, dtype=object)
    else:
        workers = default_workers() if workers is None else max(1, int(workers))
        if strategy == "auto" and len(polys) < SMALL_INPUT:
            strategy = "plain"
        if processes is None:
            processes = default_processes()
        parts, seam = _compute(polys, clip, workers, strategy, leaf_max, processes)
    return UnionPieces(parts, seam)


def union_area_within(
    geoms,
    clip: Geometry,
    *,
    workers: int | None = None,
    dissolve: bool = False,
    strategy: str = "auto",
    leaf_max: int = LEAF_MAX,
) -> tuple[Geometry, float]:
    """The union of ``geoms`` inside ``clip``, and its area.

    The same area as ``shapely.intersection(shapely.union_all(geoms), clip).area``
    up to floating-point rounding (about 1e-14 relative), computed on all cores
    (see the module docstring for how).

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
        Merge the pieces into one Polygon or MultiPolygon (what ``ST_Union``
        returns). Otherwise the union may come as a GeometryCollection of
        polygons with disjoint interiors (one per tile), which is cheaper and
        has the same area.
    strategy : {"auto", "plain", "tiles", "marks", "groups"}, default "auto"
        Force a plan (for tests and benchmarks); ``"plain"`` is the reference
        computation.
    leaf_max : int, default 128
        Most geometries in one tile.

    Returns
    -------
    union : shapely.Geometry
        Polygonal, inside ``clip``: a GeometryCollection of polygons with
        pairwise disjoint interiors, or with ``dissolve=True`` a Polygon or
        MultiPolygon. Empty when nothing lies inside ``clip``.
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
    pieces = union_pieces_within(geoms, clip, workers=workers, strategy=strategy,
                                 leaf_max=leaf_max)
    if dissolve:
        return pieces.dissolved(), pieces.area
    return pieces.collection(), pieces.area


def union_area(geoms, clip: Geometry, *, workers: int | None = None,
               engine: str = "auto", explain: bool = False):
    """The area of ``union(geoms) ∩ clip`` alone, when no geometry is wanted.

    From ``BOUNDARY_FROM`` polygons piled up less than ``TILES_MAX_DENSITY``, from the
    union's boundary (:func:`geocover.model.boundary.union_area_boundary`, no overlay);
    else, or on a degenerate input, :func:`union_pieces_within`'s area (to ~1e-14).

    Parameters
    ----------
    geoms, clip, workers
        As for :func:`union_area_within`.
    engine : {"auto", "boundary", "tiles"}, default "auto"
        Force a method (``"boundary"`` still falls back on a degenerate input).
    explain : bool, default False
        Also say which method gave the area: ``"boundary"``, or ``"tiles"`` (the
        engine's own plan), with ``"boundary fell back"`` on a degenerate input.

    Returns
    -------
    float, or (float, str) with ``explain``
        The area in squared CRS units.

    Examples
    --------
    >>> import shapely
    >>> discs = shapely.buffer(shapely.points([(0, 0), (10, 0)]), 1.0)
    >>> bool(abs(union_area(discs, shapely.box(-5, -5, 5, 5)) - shapely.area(discs[0])) < 1e-9)
    True
    """
    if engine not in ("auto", "boundary", "tiles"):
        raise ValueError(f"engine must be auto, boundary or tiles, not {engine!r}")
    if clip is None or shapely.is_empty(clip):
        return (0.0, "tiles") if explain else 0.0
    polys = polygons_of(geoms)
    workers = default_workers() if workers is None else max(1, int(workers))
    use = engine == "boundary"
    if engine == "auto" and len(polys) >= BOUNDARY_FROM:
        density = float(shapely.area(polys).sum()) / max(float(shapely.area(clip)), 1e-300)
        use = density < TILES_MAX_DENSITY
    if use:
        from geocover.model.boundary import union_area_boundary  # numba: loaded on use

        area = union_area_boundary(polys, clip, workers=workers)
        if area is not None:
            return (area, "boundary") if explain else area
    area = union_pieces_within(polys, clip, workers=workers).area
    return (area, "boundary fell back" if use else "tiles") if explain else area


def union_within(geoms, clip: Geometry, *, workers: int | None = None) -> Geometry:
    """The union of ``geoms`` inside ``clip`` as one Polygon or MultiPolygon.

    The polygonal part of ``shapely.intersection(shapely.union_all(geoms), clip)``,
    computed with :func:`union_area_within` and dissolved.

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
