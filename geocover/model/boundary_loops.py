"""The compiled loops of :mod:`geocover.model.boundary` (numba, cached on disk).

Each works on plain arrays: the edges ``(m, 4)`` as ``x0, y0, x1, y1``, their owners,
the grid's cells as CSR lists. The orientation sign is computed by one function,
:func:`_orient`, everywhere (crossings and winding numbers), so that the counters the
crossings carry agree with the winding numbers they start from.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _orient(ax, ay, bx, by, px, py):  # pragma: no cover - compiled
    """Twice the signed area of (a, b, p): > 0 when p is left of a→b."""
    return (bx - ax) * (py - ay) - (by - ay) * (px - ax)


@njit(cache=True)
def _within_box(px, py, ax, ay, bx, by):  # pragma: no cover - compiled
    return min(ax, bx) <= px <= max(ax, bx) and min(ay, by) <= py <= max(ay, by)


@njit(cache=True)
def _pieces(npc, pedge, pj):  # pragma: no cover - compiled
    """Number the pieces: edge ``e`` is cut into ``npc[e]`` pieces at most a cell long;
    piece ``i`` is the ``pj[i]``-th of edge ``pedge[i]``."""
    i = 0
    for e in range(npc.shape[0]):
        for j in range(npc[e]):
            pedge[i] = e
            pj[i] = j
            i += 1


@njit(cache=True, inline="always")
def _piece(edges, npc, e, j, eps):  # pragma: no cover - compiled
    """Piece ``j`` of edge ``e``: its parameter range [t0, t1) and its box, widened by
    a rounding margin (computed where needed rather than stored: a fresh process pays
    for every new page of memory)."""
    k = npc[e]
    x0, y0, x1, y1 = edges[e, 0], edges[e, 1], edges[e, 2], edges[e, 3]
    ta, tb = j / k, (j + 1) / k
    ax, ay = x0 + ta * (x1 - x0), y0 + ta * (y1 - y0)
    if j == k - 1:
        bx, by = x1, y1
    else:
        bx, by = x0 + tb * (x1 - x0), y0 + tb * (y1 - y0)
    return (ta, tb, min(ax, bx) - eps, min(ay, by) - eps,
            max(ax, bx) + eps, max(ay, by) + eps)


@njit(cache=True, inline="always")
def _box(i, boxes, edges, npc, pedge, pj, eps):  # pragma: no cover - compiled
    """Box ``i``: of ``boxes`` if given, else of piece ``i``."""
    if boxes.shape[0]:
        return boxes[i, 0], boxes[i, 1], boxes[i, 2], boxes[i, 3]
    _, _, x0, y0, x1, y1 = _piece(edges, npc, pedge[i], pj[i], eps)
    return x0, y0, x1, y1


@njit(cache=True, nogil=True)
def _cell_counts(lo, hi, boxes, edges, npc, pedge, pj, eps, cell, ox, oy, ny,
                 counts):  # pragma: no cover - compiled
    """``counts[c + 1]``: how many of the boxes ``lo`` to ``hi`` meet cell ``c``."""
    for i in range(lo, hi):
        x0, y0, x1, y1 = _box(i, boxes, edges, npc, pedge, pj, eps)
        for ix in range(int((x0 - ox) / cell), int((x1 - ox) / cell) + 1):
            for iy in range(int((y0 - oy) / cell), int((y1 - oy) / cell) + 1):
                counts[ix * ny + iy + 1] += 1


@njit(cache=True, nogil=True)
def _cell_fill(lo, hi, boxes, edges, npc, pedge, pj, eps, cell, ox, oy, ny, fill,
               items):  # pragma: no cover - compiled
    """Each of the boxes ``lo`` to ``hi``, by number, in every cell it meets: from
    ``items[fill[c]]`` on for cell ``c`` (``fill`` is advanced)."""
    for i in range(lo, hi):
        x0, y0, x1, y1 = _box(i, boxes, edges, npc, pedge, pj, eps)
        for ix in range(int((x0 - ox) / cell), int((x1 - ox) / cell) + 1):
            for iy in range(int((y0 - oy) / cell), int((y1 - oy) / cell) + 1):
                c = ix * ny + iy
                items[fill[c]] = i
                fill[c] += 1


@njit(cache=True, nogil=True)
def _crossings(edges, owner, clip_owner, npc, pedge, pj, eps, start, items,
               cell, ox, oy, ny, c_lo, c_hi, ev_e, ev_t, ev_d, ev_c):  # pragma: no cover - compiled
    """Every proper crossing of two edges of different owners, once, among the pairs
    seen in cells ``c_lo`` to ``c_hi``, written into the ``ev_*`` arrays.

    Returns, per crossing end, the edge, where on it (t), the change of depth and of
    the clip counter, and whether the configuration is degenerate.
    """
    cap = ev_e.shape[0]
    n = 0
    most = 0
    for c in range(c_lo, c_hi):
        most = max(most, start[c + 1] - start[c])
    # A cell's pieces, gathered once and sorted by their boxes' left side, so that
    # each is compared only with those whose box starts before its own ends.
    box = np.empty((most, 6))
    edge = np.empty(most, np.int64)
    order = np.empty(most, np.int64)
    for c in range(c_lo, c_hi):
        s, f = start[c], start[c + 1]
        m = f - s
        if m < 2:
            continue
        for i in range(m):
            pa = items[s + i]
            edge[i] = pedge[pa]
            t0, t1, x0, y0, x1, y1 = _piece(edges, npc, pedge[pa], pj[pa], eps)
            box[i, 0], box[i, 1], box[i, 2], box[i, 3], box[i, 4], box[i, 5] = \
                t0, t1, x0, y0, x1, y1
            j = i - 1
            while j >= 0 and box[order[j], 2] > x0:
                order[j + 1] = order[j]
                j -= 1
            order[j + 1] = i
        for ii in range(m):
            a = order[ii]
            ea = edge[a]
            oa = owner[ea]
            ta0, ta1, ax0, ay0, ax1, ay1 = (box[a, 0], box[a, 1], box[a, 2], box[a, 3],
                                            box[a, 4], box[a, 5])
            for jj in range(ii + 1, m):
                b = order[jj]
                if box[b, 2] > ax1:
                    break  # the others start further right still
                eb = edge[b]
                ob = owner[eb]
                if oa == ob or (oa == clip_owner and ob == clip_owner):
                    continue
                tb0, tb1, bx0, by0, bx1, by1 = (box[b, 0], box[b, 1], box[b, 2], box[b, 3],
                                                box[b, 4], box[b, 5])
                qx0 = max(ax0, bx0)
                qy0 = max(ay0, by0)
                if qx0 > min(ax1, bx1) or qy0 > min(ay1, by1):
                    continue
                # The pair is seen in the cell of its boxes' lower-left common corner only.
                if int((qx0 - ox) / cell) * ny + int((qy0 - oy) / cell) != c:
                    continue
                ax, ay, bx, by = edges[ea, 0], edges[ea, 1], edges[ea, 2], edges[ea, 3]
                cx, cy, dx, dy = edges[eb, 0], edges[eb, 1], edges[eb, 2], edges[eb, 3]
                o1 = _orient(ax, ay, bx, by, cx, cy)  # b's ends against a
                o2 = _orient(ax, ay, bx, by, dx, dy)
                o3 = _orient(cx, cy, dx, dy, ax, ay)  # a's ends against b
                o4 = _orient(cx, cy, dx, dy, bx, by)
                if ((o1 == 0 and _within_box(cx, cy, ax, ay, bx, by))
                        or (o2 == 0 and _within_box(dx, dy, ax, ay, bx, by))
                        or (o3 == 0 and _within_box(ax, ay, cx, cy, dx, dy))
                        or (o4 == 0 and _within_box(bx, by, cx, cy, dx, dy))):
                    return n, 1
                if o1 == 0 or o2 == 0 or o3 == 0 or o4 == 0:
                    continue
                if (o1 < 0) == (o2 < 0) or (o3 < 0) == (o4 < 0):
                    continue
                ta = o3 / (o3 - o4)
                tb = o1 / (o1 - o2)
                # Two pieces of the same edges may both see it: the pieces holding it.
                if not (ta0 <= ta < ta1 or (ta == 1.0 and ta1 == 1.0)):
                    continue
                if not (tb0 <= tb < tb1 or (tb == 1.0 and tb1 == 1.0)):
                    continue
                if n + 2 > cap:
                    return n, 2  # the caller gives more room and starts again
                # a enters b's polygon when it starts on b's right (polygons lie left
                # of their rings), and b enters a's likewise.
                da = 1 if o3 < 0 else -1
                db = 1 if o1 < 0 else -1
                ev_e[n], ev_t[n] = ea, ta
                if ob == clip_owner:
                    ev_d[n], ev_c[n] = 0, da
                else:
                    ev_d[n], ev_c[n] = da, 0
                ev_e[n + 1], ev_t[n + 1] = eb, tb
                if oa == clip_owner:
                    ev_d[n + 1], ev_c[n + 1] = 0, db
                else:
                    ev_d[n + 1], ev_c[n + 1] = db, 0
                n += 2
    return n, 0


@njit(cache=True)
def _winding(px, py, edges, lo, hi):  # pragma: no cover - compiled
    """Winding number of edges[lo:hi] (closed rings) around p, and whether p lies on
    one of them (then the number means nothing)."""
    w = 0
    for e in range(lo, hi):
        x0, y0, x1, y1 = edges[e, 0], edges[e, 1], edges[e, 2], edges[e, 3]
        o = _orient(x0, y0, x1, y1, px, py)
        if o == 0 and _within_box(px, py, x0, y0, x1, y1):
            return 0, True
        if y0 <= py:
            if y1 > py and o > 0:
                w += 1
        elif y1 <= py and o < 0:
            w -= 1
    return w, False


@njit(cache=True, nogil=True)
def _start_depth(pts, own, edges, poly_lo, poly_hi, bbox, start, items, cell, ox, oy,
                 ny):  # pragma: no cover - compiled
    """How many polygons other than ``own[i]`` hold each point ``pts[i]`` (their boxes
    listed per cell in ``start``/``items``); -1 first on a degenerate configuration
    (a point on another polygon's ring)."""
    n = pts.shape[0]
    depth = np.zeros(n, np.int64)
    for i in range(n):
        px, py = pts[i, 0], pts[i, 1]
        c = int((px - ox) / cell) * ny + int((py - oy) / cell)
        for k in range(start[c], start[c + 1]):
            g = items[k]
            if g == own[i]:
                continue
            if not (bbox[g, 0] <= px <= bbox[g, 2] and bbox[g, 1] <= py <= bbox[g, 3]):
                continue
            w, on = _winding(px, py, edges, poly_lo[g], poly_hi[g])
            if on:
                depth[0] = -1
                return depth
            if w != 0:
                depth[i] += 1
    return depth


@njit(cache=True, nogil=True)
def _sort_events(ev_e, ev_t, m):  # pragma: no cover - compiled
    """The events of each edge, by t: ``order[first[e]:first[e + 1]]`` (an edge has
    few: counting sort by edge, insertion sort by t)."""
    first = np.zeros(m + 1, np.int32)
    for k in range(ev_e.shape[0]):
        first[ev_e[k] + 1] += 1
    for e in range(m):
        first[e + 1] += first[e]
    fill = first[:-1].copy()
    order = np.empty(ev_e.shape[0], np.int32)
    for k in range(ev_e.shape[0]):
        e = ev_e[k]
        order[fill[e]] = k
        fill[e] += 1
    for e in range(m):
        lo, hi = first[e], first[e + 1]
        for i in range(lo + 1, hi):
            k = order[i]
            j = i - 1
            while j >= lo and ev_t[order[j]] > ev_t[k]:
                order[j + 1] = order[j]
                j -= 1
            order[j + 1] = k
    return first, order


@njit(cache=True, nogil=True)
def _integrate(edges, is_clip, ring_first, ring_len, depth0, clip0, first, order,
               ev_t, ev_d, ev_c, ox, oy, r_lo, r_hi):  # pragma: no cover - compiled
    """Carry the counters along rings ``r_lo`` to ``r_hi`` and add up ½ p × q over
    the kept parts. Returns (area, ok)."""
    total = 0.0
    comp = 0.0  # Neumaier's compensation
    for r in range(r_lo, r_hi):
        d = depth0[r]
        c = clip0[r]
        for e in range(ring_first[r], ring_first[r] + ring_len[r]):
            clip_edge = is_clip[e]
            t_prev = 0.0
            kept = 0.0
            for i in range(first[e], first[e + 1]):
                k = order[i]
                t = ev_t[k]
                if (d >= 1) if clip_edge else (d == 0 and c == 1):
                    kept += t - t_prev
                d += ev_d[k]
                c += ev_c[k]
                if d < 0 or c < 0 or c > 1:
                    return 0.0, False
                t_prev = t
            if (d >= 1) if clip_edge else (d == 0 and c == 1):
                kept += 1.0 - t_prev
            if kept != 0.0:
                x0, y0 = edges[e, 0] - ox, edges[e, 1] - oy
                x1, y1 = edges[e, 2] - ox, edges[e, 3] - oy
                term = (x0 * y1 - y0 * x1) * kept
                s = total + term
                if abs(total) >= abs(term):
                    comp += (total - s) + term
                else:
                    comp += (term - s) + total
                total = s
        if d != depth0[r] or c != clip0[r]:
            return 0.0, False
    return 0.5 * (total + comp), True


@njit(cache=True)
def _edges_of(coords, ring_off, poly_off, owner_of, edges, owner,
              ext):  # pragma: no cover - compiled
    """Fill ``edges`` with the edges (x0, y0, x1, y1) of closed rings given as CSR
    coordinates, each ring turned so that its polygon lies on its left (exterior
    counter-clockwise, holes clockwise; a turned ring starts at the same vertex),
    ``owner`` with each edge's owner (``owner_of[p]`` for polygon ``p``), and widen
    ``ext`` (x0, y0, x1, y1) to hold every vertex: one pass over the coordinates, where
    numpy's reductions and copies took as long again and touched as many new pages."""
    k = 0
    xmin, ymin, xmax, ymax = ext[0], ext[1], ext[2], ext[3]
    for p in range(poly_off.shape[0] - 1):
        o = owner_of[p]
        for r in range(poly_off[p], poly_off[p + 1]):
            lo, hi = ring_off[r], ring_off[r + 1]  # coords[hi - 1] is coords[lo]
            x0, y0 = coords[lo, 0], coords[lo, 1]
            twice = 0.0
            for i in range(lo + 1, hi - 2):
                twice += ((coords[i, 0] - x0) * (coords[i + 1, 1] - y0)
                          - (coords[i, 1] - y0) * (coords[i + 1, 0] - x0))
            for i in range(lo, hi - 1):
                x, y = coords[i, 0], coords[i, 1]
                xmin, xmax = min(xmin, x), max(xmax, x)
                ymin, ymax = min(ymin, y), max(ymax, y)
            if (twice > 0) == (r == poly_off[p]):
                for i in range(lo, hi - 1):
                    edges[k, 0], edges[k, 1] = coords[i, 0], coords[i, 1]
                    edges[k, 2], edges[k, 3] = coords[i + 1, 0], coords[i + 1, 1]
                    owner[k] = o
                    k += 1
            else:
                for i in range(hi - 1, lo, -1):
                    edges[k, 0], edges[k, 1] = coords[i, 0], coords[i, 1]
                    edges[k, 2], edges[k, 3] = coords[i - 1, 0], coords[i - 1, 1]
                    owner[k] = o
                    k += 1
    ext[0], ext[1], ext[2], ext[3] = xmin, ymin, xmax, ymax


@njit(cache=True)
def _piece_counts(edges, cell, npc):  # pragma: no cover - compiled
    """``npc[e]``: into how many pieces at most ``cell`` long edge ``e`` is cut (at
    least one); returns their total."""
    total = 0
    for e in range(edges.shape[0]):
        span = max(abs(edges[e, 2] - edges[e, 0]), abs(edges[e, 3] - edges[e, 1]))
        k = max(1, int(np.ceil(span / cell)))
        npc[e] = k
        total += k
    return total


@njit(cache=True)
def _shared_vertex_pairs(coords, bits, poly_off, all_vertices, out_a,
                         out_b):  # pragma: no cover - compiled
    """Pairs of distinct polygons with a vertex in common, exactly.

    ``coords`` (n, 2) are the vertices, polygon by polygon (``poly_off``: CSR), ``bits``
    the same memory read as 64-bit integers (to hash them; 0.0 and -0.0 alike). An
    open-addressing table holds the first vertex seen at each position: of every vertex
    (``all_vertices``), or only of each polygon's first one (the apex of a field of view
    as drawn: a table of one slot per polygon, which stays in cache). Then every vertex
    at a position of the table that is another polygon's gives the pair (that polygon,
    its own), in ``out_a``/``out_b`` (n long at most; a pair may repeat). Returns the
    number of pairs. (Sorting the 350,000 vertices of 10,000 wedges took 26 ms.)"""
    npoly = poly_off.shape[0] - 1
    n = coords.shape[0] if all_vertices else npoly
    size = 16
    while size < (2 * n if not all_vertices else n + n // 2):  # (firsts: half full at most)
        size *= 2
    mask = size - 1
    table = np.full(size, -1, np.int32)  # (a vertex index; half the memory of int64)
    # Beside each slot, 32 other bits of its vertex's hash: a probe compares the vertex
    # itself (a read at random in the coordinates) only when they agree.
    tags = np.zeros(size, np.uint32)
    k = 0
    for phase in range(1 if all_vertices else 2):
        insert = all_vertices or phase == 0  # (firsts only: fill the table, then probe)
        record = all_vertices or phase == 1
        for p in range(npoly):
            lo, end = poly_off[p], poly_off[p + 1]
            hi = end if record else min(lo + 1, end)
            for i in range(lo, hi):
                x, y = coords[i, 0], coords[i, 1]
                bx = np.uint64(0) if x == 0.0 else bits[i, 0]
                by = np.uint64(0) if y == 0.0 else bits[i, 1]
                h = (bx * np.uint64(0x9E3779B97F4A7C15) + by) * np.uint64(0xBF58476D1CE4E5B9)
                s = np.int64(h >> np.uint64(40)) & mask
                tag = np.uint32(h & np.uint64(0xFFFFFFFF))
                while True:
                    j = table[s]
                    if j < 0:
                        if insert:
                            table[s] = i
                            tags[s] = tag
                        break
                    if tags[s] == tag and coords[j, 0] == x and coords[j, 1] == y:
                        if record and (j < lo or j >= end):
                            # Another polygon's (its own closing vertex repeats its
                            # first): which one, by bisection, only on a hit.
                            out_a[k] = np.searchsorted(poly_off, j, side="right") - 1
                            out_b[k] = p
                            k += 1
                        break
                    s = (s + 1) & mask
    return k
