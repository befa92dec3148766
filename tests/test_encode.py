"""The map's ring encoding, vectorized (geocover.outputs.webmap.encode._encode_all), checked
against an independent per-ring encoder written from the format's definition, and decoded
back against the input coordinates; its JSON text (written by numpy, digit by digit) is
``json.dumps`` of the hand encoder's lists, character for character."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import shapely

from geocover.outputs.escape import js_json
from geocover.outputs.webmap.elements import features_json, geometries_json
from geocover.outputs.webmap.encode import _encode, _encode_all, _encode_many, _encode_texts
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


def _dumps(encoded):
    return None if encoded is None else json.dumps(encoded, separators=(",", ":"))


def test_the_text_is_json_dumps_of_the_hand_encoder(mixed):
    assert _encode_texts(mixed) == [_dumps(e) for e in _by_hand(mixed)]


@pytest.fixture(scope="module")
def holes_and_parts():
    """Polygons with holes (some lost at 1e-5°), multi-part geometries whose parts are
    lost or kept, negative and large coordinates, in random order."""
    rng = np.random.default_rng(11)
    out = []
    for i in range(120):
        x, y = rng.uniform(-180, 180), rng.uniform(-85, 85)
        size = rng.choice([1e-6, 3e-5, 1e-3, 0.5])
        outer = shapely.box(x, y, x + size, y + size)
        holes = [shapely.box(x + size * f, y + size * f, x + size * (f + 0.1),
                             y + size * (f + 0.1)).exterior for f in (0.2, 0.5)[: i % 3]]
        polygon = shapely.Polygon(outer.exterior, holes)
        if i % 4 == 0:
            polygon = shapely.MultiPolygon([polygon, shapely.box(x - 1, y - 1, x - 0.999,
                                                                 y - 0.999),
                                            shapely.box(x + 2, y, x + 2 + 1e-6, y + 1e-6)])
        out.append(polygon)
    out.insert(7, None)
    out.insert(30, shapely.Polygon())
    return np.array(out, dtype=object)


def test_holes_parts_signs_and_large_numbers_are_written_as_json_would(holes_and_parts):
    assert _encode_texts(holes_and_parts) == [_dumps(e) for e in _by_hand(holes_and_parts)]
    # Unsimplified, one by one, and beyond int32 (x = 20,000° is 2e9 units).
    assert _encode_many(holes_and_parts[8:12]) == [_dumps(_geometry_by_hand(g))
                                                   for g in holes_and_parts[8:12]]
    far = shapely.box(20_000.0, -15_000.0, 20_000.01, -14_999.99)
    assert _encode_texts([far]) == [_dumps(_by_hand([far])[0])]
    assert _encode(far) == _geometry_by_hand(far)
    assert _encode_texts([]) == [] and _encode_texts([None]) == [None]


def test_features_json_is_js_json_of_the_decoded_features(mixed):
    texts = [t for t in _encode_texts(mixed) if t is not None][:5]
    hostile = ['</script><script>alert(1)</script>', "{{ 7*7 }}", "${x}`", "\u2028"]
    features = [{"g": t, "t": hostile[i % 4], "r": [[hostile[(i + 1) % 4], float("nan")]]}
                for i, t in enumerate(texts)] + [{"g": texts[0]}]
    decoded = [{**f, "g": json.loads(f["g"])} for f in features]
    assert features_json(features) == js_json(decoded)
    assert features_json([]) == js_json([])
    assert geometries_json(texts) == js_json([json.loads(t) for t in texts])
    with pytest.raises(ValueError):
        features_json([{"t": "x", "g": texts[0]}])  # the geometry not first
    with pytest.raises(ValueError):
        features_json([{"g": '1];alert("x");['}])
    with pytest.raises(ValueError):
        geometries_json(["[[[1,2]]]", "</script>"])
