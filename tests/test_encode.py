"""The map's ring encoding, vectorized (geocover.outputs.webmap.encode._encode_all), checked
against an independent per-ring encoder written from the format's definition, and decoded
back against the input coordinates."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import shapely

from geocover.outputs.webmap.encode import _encode_all
from geocover.outputs.webmap.style import _SCALE, SIMPLIFY_DEGREES


def _ring_by_hand(coords) -> list[int]:
    """One ring: rounded to 1e-5°, closing point and repeats dropped, then first point and
    differences; [] when fewer than 3 points are left. Plain Python, point by point."""
    pts = [(round(x * _SCALE), round(y * _SCALE)) for x, y in coords]
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts = pts[:-1]
    kept = []
    for p in pts:
        if not kept or p != kept[-1]:
            kept.append(p)
    if len(kept) < 3:
        return []
    out = list(kept[0])
    for a, b in itertools.pairwise(kept):
        out += [b[0] - a[0], b[1] - a[1]]
    return out


def _geometry_by_hand(geom):
    polygons = []
    for part in shapely.get_parts(geom):
        if part.geom_type != "Polygon" or part.is_empty:
            continue
        outer = _ring_by_hand(part.exterior.coords)
        if not outer:
            continue
        polygons.append([outer] + [r for r in (_ring_by_hand(i.coords) for i in part.interiors)
                                   if r])
    return polygons or None


def _by_hand(geoms):
    out = []
    for g in geoms:
        if g is None or g.is_empty:
            out.append(None)
            continue
        simple = shapely.simplify(g, SIMPLIFY_DEGREES, preserve_topology=False)
        out.append(_geometry_by_hand(simple) or _geometry_by_hand(g))
    return out


def _decode_ring(ints):
    q = np.asarray(ints, dtype=np.int64).reshape(-1, 2)
    return np.cumsum(q, axis=0) / _SCALE


@pytest.fixture(scope="module")
def mixed():
    rng = np.random.default_rng(7)
    centres = np.column_stack([rng.uniform(6.0, 6.3, 300), rng.uniform(49.0, 49.2, 300)])
    discs = shapely.buffer(shapely.points(centres), 0.0005, quad_segs=8)
    square = shapely.box(6.1, 49.1, 6.11, 49.11)
    tiny = shapely.box(6.2, 49.1, 6.200001, 49.100001)  # gone at 1e-5°
    return np.array([
        *discs,
        None,
        shapely.Polygon(),
        shapely.Point(6.1, 49.1),
        square.difference(shapely.box(6.101, 49.101, 6.102, 49.102)),  # a hole
        square.difference(shapely.box(6.101, 49.101, 6.101001, 49.101001)),  # a lost hole
        tiny,
        shapely.MultiPolygon([tiny, square]),
        shapely.GeometryCollection([square, shapely.Point(1, 1), shapely.box(3, 3, 3.01, 3.01)]),
        shapely.union_all(discs[:40]),
    ], dtype=object)


def test_vectorized_encoding_equals_the_hand_encoder(mixed):
    assert _encode_all(mixed) == _by_hand(mixed)


def test_missing_empty_and_non_polygonal_are_none(mixed):
    out = _encode_all(mixed)
    assert out[300] is None and out[301] is None and out[302] is None


def test_what_simplification_erases_is_kept_unsimplified(mixed):
    out = _encode_all(mixed)
    tiny = out[305]
    assert tiny is None  # 1e-6° box: nothing at 1e-5° precision
    assert len(out[306]) == 1  # the MultiPolygon keeps its square only


def test_decoded_rings_are_the_input_within_half_a_unit(mixed):
    out = _encode_all(mixed)
    for geom, enc in zip(mixed[:300], out[:300], strict=False):
        [[ring]] = enc
        xy = _decode_ring(ring)
        # Every decoded point is within rounding (plus simplification) of the disc boundary.
        d = shapely.distance(shapely.points(xy), geom.exterior)
        assert d.max() <= SIMPLIFY_DEGREES + 1 / _SCALE
    [[outer, hole]] = out[303]
    assert len(_decode_ring(outer)) == 4 and len(_decode_ring(hole)) == 4
