"""What a camera sees past its casting edges, as the nearest-edge envelope around it.

:func:`geocover.model.occlusion.visible_fields` builds each front-facing chain's
shadow, unions a camera's shadows and subtracts the union from its field of view:
two GEOS overlays per camera, about half of the time. When the field of view is
star-shaped from the viewpoint (a wedge whose apex is the camera, a disc around it:
every field of view :func:`geocover.model.fov.fields_of_view` draws for a camera
standing outside the buildings), the same region has a direct description: along
each ray from the viewpoint, what is visible ends at the nearest of the field of
view's outline and the casting edges. That lower envelope is computed here with
numpy, exactly (no sampling):

1. The field of view's outline edges (the two radial edges of a wedge aside) tile
   its angular range; the casting edges are clipped to it by angle.
2. The angular *events* are the outline's vertices, the casting edges' endpoints
   and the points where a casting edge crosses the outline. Between two
   consecutive events no edge starts, ends or crosses the outline, so the nearest
   edge along the middle ray is the nearest along the whole interval, provided no
   two casting edges cross there (footprints that overlap): that is checked at both
   ends of every interval, and a camera where it fails is left to the overlays.
3. The visible polygon is the viewpoint (for a wedge), then, interval after
   interval, the nearest edge's points on the interval's two rays, computed from
   the events' own vectors (an event on the nearest edge gives its exact vertex);
   where the nearest edge changes the outline jumps along the ray.

Coordinates are taken relative to the viewpoint, so the intersections are computed
on numbers of tens of metres, not millions. Each polygon is checked valid before it
is used; a camera that fails any check gets ``None`` and goes the overlay way.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely import GeometryType

_TAU = 2.0 * np.pi
#: Camera ``c``'s angles are keyed ``c * _KEY + angle`` so that one sort orders the
#: events of every camera (``_KEY`` > 2π).
_KEY = 8.0
#: Relative slack of the crossing check at an interval's ends (rounding, not geometry:
#: two edges that meet at an event are equally near there).
_TIE = 1e-9


def _cross(u: np.ndarray, w: np.ndarray) -> np.ndarray:
    return u[:, 0] * w[:, 1] - u[:, 1] * w[:, 0]


def _angle(u: np.ndarray) -> np.ndarray:
    return np.mod(np.arctan2(u[:, 1], u[:, 0]), _TAU)


def _along(d: np.ndarray, a: np.ndarray, e: np.ndarray) -> np.ndarray:
    """``t`` such that ``t * d`` is on the line through ``a`` along ``e`` (rows)."""
    return _cross(a, e) / _cross(d, e)


def _outlines(fov: np.ndarray, view: np.ndarray) -> tuple[np.ndarray, ...]:
    """The outline edges of the fields of view star-shaped from their viewpoint.

    Returns ``ok`` (per field of view), then for the outline edges of the ``ok`` ones
    in angular order: their camera, start ``a`` and end ``b`` (relative to the
    viewpoint), start angle from the camera's first edge, and per camera the
    angular span and the start angle.
    """
    n = len(fov)
    ok = np.isfinite(view).all(axis=1)
    ok &= (shapely.get_type_id(fov) == GeometryType.POLYGON)
    ok &= shapely.get_num_interior_rings(fov) == 0
    idx = np.flatnonzero(ok)
    coords, ring = shapely.get_coordinates(shapely.get_exterior_ring(fov[idx]),
                                           return_index=True)
    # The angular walk goes counter-clockwise: clockwise rings are read backwards.
    size = np.bincount(ring, minlength=len(idx))
    begin = np.cumsum(size) - size
    at = np.arange(len(ring)) - begin[ring]
    area2 = np.zeros(len(idx))
    np.add.at(area2, ring[:-1][ring[:-1] == ring[1:]],
              _cross(coords[:-1], coords[1:])[ring[:-1] == ring[1:]])
    cw = (area2 < 0.0)[ring]
    coords = coords[np.where(cw, begin[ring] + size[ring] - 1 - at, np.arange(len(ring)))]
    cam = idx[ring]
    local = coords - view[cam]
    same = ring[:-1] == ring[1:]
    a, b, ecam = local[:-1][same], local[1:][same], cam[:-1][same]
    at_apex_a = (a == 0.0).all(axis=1)
    at_apex_b = (b == 0.0).all(axis=1)
    radial = at_apex_a | at_apex_b
    cross = _cross(a, b)
    # The viewpoint is in the polygon's kernel iff it is on the inner (left) side of
    # every edge of the counter-clockwise ring: a x b > 0 around it, or an edge from
    # or to the viewpoint itself (a wedge's sides). It may be a vertex once at most.
    ok[ecam[~((cross > 0.0) | radial)]] = False
    apexes = np.bincount(ecam[at_apex_a], minlength=n)
    ok &= (apexes <= 1) & (np.bincount(ecam[at_apex_b], minlength=n) == apexes)
    per = np.bincount(ecam, minlength=n)
    first_edge = np.cumsum(per) - per
    pos = np.arange(len(ecam)) - first_edge[ecam]
    # Angular order is ring order from the edge after the apex (a wedge), or from
    # the ring's first edge (a disc around the viewpoint).
    start = np.zeros(n, dtype=np.int64)
    start[ecam[at_apex_a]] = pos[at_apex_a] + 1
    # (edges are grouped by camera: rotate each group in place, no sort)
    order = first_edge[ecam] + np.mod(pos + start[ecam], np.maximum(per[ecam], 1))
    order = order[(ok[ecam] & ~radial)[order]]
    fcam, fa, fb = ecam[order], a[order], b[order]
    count = np.bincount(fcam, minlength=n)
    ok &= count >= 2
    head = np.cumsum(count) - count
    theta0 = np.zeros(n)
    present = count > 0
    theta0[present] = _angle(fa[head[present]])
    phi = np.mod(_angle(fa) - theta0[fcam], _TAU)
    phi[head[present]] = 0.0
    span = np.zeros(n)
    tail = head + count - 1
    wedge = apexes > 0
    span[present] = np.where(wedge[present],
                             np.mod(_angle(fb[tail[present]]) - theta0[present], _TAU), _TAU)
    # Strictly increasing angles within each camera, inside (0, span).
    rising = np.ones(len(fcam), dtype=bool)
    rising[1:] = (np.diff(phi) > 0.0) | (fcam[1:] != fcam[:-1])
    ok[fcam[~rising]] = False
    ok[present & (span <= 0.0)] = False
    ok[fcam[phi >= span[fcam]]] = False
    return ok, wedge, fcam, fa, fb, phi, span, theta0


def visible_envelopes(fov: np.ndarray, view: np.ndarray, owner: np.ndarray,
                      p1: np.ndarray, p2: np.ndarray) -> np.ndarray:
    """The visible part of each field of view, or ``None`` where this path does not apply.

    Parameters
    ----------
    fov : array of Polygon
        Fields of view (metric CRS).
    view : (n, 2) array
        Their viewpoints.
    owner : (m,) int array
        The field of view each casting edge belongs to.
    p1, p2 : (m, 2) arrays
        The casting edges: front-facing (the viewpoint on their outer side, so they
        turn clockwise from ``p1`` to ``p2`` seen from it) and not seen edge-on.

    Returns
    -------
    numpy.ndarray
        Per field of view: its visible Polygon, or ``None`` (not star-shaped from
        its viewpoint, overlapping footprints crossing in view, or an invalid
        result): compute it with the overlays.
    """
    n = len(fov)
    out = np.full(n, None, dtype=object)
    if n == 0:
        return out
    ok, wedge, fcam, fa, fb, phi, span, theta0 = _outlines(fov, view)
    fe = fb - fa
    if not ok.any():
        return out
    keep = ok[owner]
    owner = owner[keep]
    # Counter-clockwise around the viewpoint: from p2 to p1.
    # (each end from its own coordinates: a vertex two edges share is one direction)
    sa = p2[keep] - view[owner]
    sb = p1[keep] - view[owner]
    se = sb - sa
    lo = np.mod(_angle(sa) - theta0[owner], _TAU)
    hi = np.mod(_angle(sb) - theta0[owner], _TAU)
    # A casting edge as one or two angular pieces in [0, 2π) (two if it crosses the
    # start direction), clipped to the outline's range.
    wraps = hi < lo
    second = np.flatnonzero(wraps)
    piece = np.concatenate([np.arange(len(owner)), second])
    own_lo = np.r_[np.ones(len(owner), dtype=bool), np.zeros(len(second), dtype=bool)]
    p_lo = np.concatenate([lo, np.zeros(len(second))])
    end = np.concatenate([np.where(wraps, _TAU, hi), hi[second]])
    p_cam = owner[piece]
    p_hi = np.minimum(end, span[p_cam])
    own_hi = np.r_[~wraps, np.ones(len(second), dtype=bool)] & (end < span[p_cam])
    own_lo &= p_lo > 0.0
    inside = p_hi > p_lo
    piece, p_lo, p_hi, p_cam = piece[inside], p_lo[inside], p_hi[inside], p_cam[inside]
    own_lo, own_hi = own_lo[inside], own_hi[inside]

    # Outline edges each piece overlaps, and the points where they cross.
    f_key = fcam * _KEY + phi
    first = np.searchsorted(f_key, p_cam * _KEY + p_lo, side="right") - 1
    last = np.searchsorted(f_key, p_cam * _KEY + p_hi, side="left") - 1
    count = np.maximum(last - first + 1, 0)
    row = np.repeat(np.arange(len(piece)), count)
    f = first[row] + np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    s = piece[row]
    denom = _cross(se[s], fe[f])
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = fa[f] - sa[s]
        t = _cross(rel, fe[f]) / denom
        u = _cross(rel, se[s]) / denom
    crossing = (denom != 0.0) & (t > 0.0) & (t < 1.0) & (u > 0.0) & (u < 1.0)
    x_pt = sa[s[crossing]] + t[crossing, None] * se[s[crossing]]
    x_cam = owner[s[crossing]]

    # Events: outline vertices (and the end of the range), edge ends within range,
    # crossings; each with the vector it lies on.
    has = np.flatnonzero(np.bincount(fcam, minlength=n) > 0)
    has = has[ok[has]]
    fl = fcam[np.r_[fcam[1:] != fcam[:-1], True]]  # each camera's last outline edge
    last_edge = np.flatnonzero(np.r_[fcam[1:] != fcam[:-1], True])
    end_vec = np.where(wedge[fl, None], fb[last_edge],
                       fa[last_edge - np.bincount(fcam)[fl] + 1])
    f_ok = ok[fcam]
    lo_in, hi_in = own_lo, own_hi
    e_cam = np.concatenate([fcam[f_ok], fl[ok[fl]], p_cam[lo_in], p_cam[hi_in], x_cam])
    e_ang = np.concatenate([phi[f_ok], span[fl[ok[fl]]], p_lo[lo_in], p_hi[hi_in],
                            np.mod(_angle(x_pt) - theta0[x_cam], _TAU)])
    e_vec = np.concatenate([fa[f_ok], end_vec[ok[fl]], sa[piece[lo_in]],
                            sb[piece[hi_in]], x_pt])
    order = np.argsort(e_cam * _KEY + e_ang)
    e_cam, e_ang, e_vec = e_cam[order], e_ang[order], e_vec[order]
    # Intervals between consecutive events of one camera, empty ones dropped.
    nxt = np.r_[e_cam[1:] == e_cam[:-1], False]
    iv = np.flatnonzero(nxt & (np.r_[e_ang[1:], 0.0] > e_ang))
    i_cam = e_cam[iv]
    d0, d1 = e_vec[iv], e_vec[iv + 1]
    mid = d0 / np.hypot(d0[:, 0], d0[:, 1])[:, None] + d1 / np.hypot(d1[:, 0], d1[:, 1])[:, None]
    m_key = i_cam * _KEY + 0.5 * (e_ang[iv] + e_ang[iv + 1])

    # Candidates per interval: its outline edge and the pieces spanning it.
    f_of = np.searchsorted(f_key, m_key, side="right") - 1
    a_lo = np.searchsorted(m_key, p_cam * _KEY + p_lo, side="left")
    a_hi = np.searchsorted(m_key, p_cam * _KEY + p_hi, side="right")
    count = np.maximum(a_hi - a_lo, 0)
    row = np.repeat(np.arange(len(piece)), count)
    c_iv = np.concatenate([np.arange(len(iv)),
                           a_lo[row] + np.arange(count.sum())
                           - np.repeat(np.cumsum(count) - count, count)])
    c_a = np.concatenate([fa[f_of], sa[piece[row]]])
    c_e = np.concatenate([fe[f_of], se[piece[row]]])
    c_id = np.concatenate([-1 - f_of, piece[row]])  # outline edges negative
    with np.errstate(divide="ignore", invalid="ignore"):
        t_mid = _along(mid[c_iv], c_a, c_e)
        t0 = _along(d0[c_iv], c_a, c_e)
        t1 = _along(d1[c_iv], c_a, c_e)
    bad = ~(np.isfinite(t_mid) & (t_mid > 0.0))
    t_mid[bad] = np.inf
    # The nearest per interval: its outline edge, beaten by any nearer piece (the
    # interval's candidates are its outline edge, row i, then pieces in any order).
    n_iv = len(iv)
    near = t_mid[:n_iv].copy()
    np.minimum.at(near, c_iv[n_iv:], t_mid[n_iv:])
    win = np.arange(n_iv)
    beaten = np.flatnonzero(t_mid[n_iv:] < t_mid[c_iv[n_iv:]])
    beaten = beaten[t_mid[n_iv:][beaten] == near[c_iv[n_iv:][beaten]]]
    np.maximum.at(win, c_iv[n_iv:][beaten], n_iv + beaten)
    best = win
    n_id, n_t0, n_t1 = c_id[best], t0[best], t1[best]
    # A candidate nearer than the nearest at either end crosses it inside: leave the
    # camera to the overlays.
    crossed = ((t0 < n_t0[c_iv] * (1.0 - _TIE)) | (t1 < n_t1[c_iv] * (1.0 - _TIE))
               | bad | ~np.isfinite(t0) | ~np.isfinite(t1))
    ok[i_cam[c_iv[crossed]]] = False

    # The outline: per interval its two points. Where the nearest edge goes on past an
    # event, the point between is inside it and dropped; where the next edge starts
    # where this one ends (an outline vertex, a chain's corner), the end point is the
    # next start again and is dropped (the start is the exact vertex).
    p_start = n_t0[:, None] * d0
    p_end = n_t1[:, None] * d1
    follows = np.r_[i_cam[1:] == i_cam[:-1], False]
    same_next = follows & np.r_[n_id[1:] == n_id[:-1], False]
    gap = np.full(len(iv), np.inf)
    gap[:-1] = np.hypot(*(p_end[:-1] - p_start[1:]).T)
    touch_next = follows & ~same_next & (gap <= 1e-12 * np.hypot(d1[:, 0], d1[:, 1]))
    same_prev = np.r_[False, same_next[:-1]]
    same_next |= touch_next
    slot = np.arange(len(iv))
    pts = np.concatenate([p_start[~same_prev], p_end[~same_next]])
    p_cam_out = np.concatenate([i_cam[~same_prev], i_cam[~same_next]])
    p_slot = np.concatenate([2 * slot[~same_prev], 2 * slot[~same_next] + 1])
    apex = has[wedge[has]]
    pts = np.concatenate([pts, np.zeros((len(apex), 2))])
    p_cam_out = np.concatenate([p_cam_out, apex])
    p_slot = np.concatenate([p_slot, np.full(len(apex), -1)])
    order = np.lexsort((p_slot, p_cam_out))
    pts, p_cam_out = pts[order], p_cam_out[order]
    done = np.unique(p_cam_out)
    done = done[ok[done]]
    take = ok[p_cam_out]
    pts, p_cam_out = pts[take], p_cam_out[take]
    if len(done) == 0:
        return out
    # Closed rings for from_ragged_array: each ring's first point again at its end.
    per = np.bincount(p_cam_out, minlength=n)[done]
    ring_first = np.cumsum(per) - per
    closed = np.insert(pts, np.cumsum(per), pts[ring_first], axis=0)
    closed_cam = np.insert(p_cam_out, np.cumsum(per), done)
    closed += view[closed_cam]
    offsets = np.r_[0, np.cumsum(per + 1)]
    polys = shapely.from_ragged_array(GeometryType.POLYGON, closed,
                                      (offsets, np.arange(len(done) + 1)))
    valid = shapely.is_valid(polys)
    out[done[valid]] = polys[valid]
    return out
