"""Tests of the fast coverage engine (geocover.model.union) against independent computations:
closed-form areas and the plain ``shapely.intersection(shapely.union_all(...), clip)``."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from geocover.model import pieces
from geocover.model import union as _union
from geocover.model.union import union_area_within, union_within

PLANS = ("tiles", "marks", "groups")
REL = 1e-9


def reference(geoms, clip) -> float:
    return float(shapely.intersection(shapely.union_all(geoms), clip).area)


def regular_polygon_area(r: float, segments: int) -> float:
    """Area of a regular polygon inscribed in a circle of radius r."""
    return 0.5 * segments * r * r * math.sin(2 * math.pi / segments)


def lens_area(r: float, d: float) -> float:
    """Area of the intersection of two circles of radius r whose centres are d apart."""
    return 2 * r * r * math.acos(d / (2 * r)) - 0.5 * d * math.sqrt(4 * r * r - d * d)


def wedges(xy: np.ndarray, azimuth_deg: np.ndarray, radius: float = 50.0) -> np.ndarray:
    t = np.radians(np.linspace(-30, 30, 33))
    ang = np.radians(azimuth_deg)[:, None] + t[None, :]
    ring = np.empty((len(xy), len(t) + 2, 2))
    ring[:, 0] = ring[:, -1] = xy
    ring[:, 1:-1, 0] = xy[:, :1] + radius * np.sin(ang)
    ring[:, 1:-1, 1] = xy[:, 1:] + radius * np.cos(ang)
    return shapely.polygons(ring)


def star(cx: float, cy: float, r: float, k: int = 7) -> shapely.Polygon:
    """A concave star: clip_by_rect may cut it into pieces."""
    a = np.linspace(0, 2 * np.pi, 2 * k, endpoint=False)
    rr = np.where(np.arange(2 * k) % 2 == 0, r, r * 0.35)
    return shapely.Polygon(np.column_stack([cx + rr * np.cos(a), cy + rr * np.sin(a)]))


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(12345)


# --------------------------------------------------------------------------- closed forms


@pytest.mark.parametrize("plan", ("auto",) + PLANS)
def test_empty_input(plan):
    clip = shapely.box(0, 0, 10, 10)
    for geoms in ([], np.array([], dtype=object), [None, shapely.Polygon()]):
        geom, area = union_area_within(geoms, clip, strategy=plan)
        assert area == 0.0
        assert geom.is_empty
    assert union_within([], clip).is_empty


def test_empty_clip():
    discs = shapely.buffer(shapely.points([(0, 0)]), 1.0)
    assert union_area_within(discs, shapely.Polygon())[1] == 0.0


@pytest.mark.parametrize("plan", PLANS)
def test_disjoint_discs_add_up(plan):
    r, seg = 10.0, 64
    xy = np.array([(x, y) for x in range(0, 2000, 50) for y in range(0, 1000, 50)], dtype=float)
    discs = shapely.buffer(shapely.points(xy), r, quad_segs=seg // 4)
    clip = shapely.box(-100, -100, 2100, 1100)
    _, area = union_area_within(discs, clip, strategy=plan, workers=2)
    assert area == pytest.approx(len(xy) * regular_polygon_area(r, seg), rel=REL)


@pytest.mark.parametrize("plan", ("auto",) + PLANS)
def test_two_overlapping_discs_lens(plan):
    r, d = 30.0, 40.0
    discs = shapely.buffer(shapely.points([(0, 0), (d, 0)]), r, quad_segs=512)
    clip = shapely.box(-100, -100, 100, 100)
    _, area = union_area_within(discs, clip, strategy=plan)
    expected = 2 * math.pi * r * r - lens_area(r, d)
    assert area == pytest.approx(expected, rel=1e-5)  # polygons approximate circles
    assert area == pytest.approx(reference(discs, clip), rel=REL)


@pytest.mark.parametrize("plan", PLANS)
def test_partly_outside_the_clip(plan):
    # 200 unit-height boxes straddling x = 0, half of each inside the clip.
    boxes = shapely.box(-5, np.arange(200) * 2.0, 5, np.arange(200) * 2.0 + 1)
    clip = shapely.box(0, -10, 100, 1000)
    _, area = union_area_within(boxes, clip, strategy=plan)
    assert area == pytest.approx(200 * 5.0, rel=REL)


@pytest.mark.parametrize("plan", PLANS)
def test_clip_with_a_hole(plan):
    # A 100 × 100 grid of 1 × 1 squares, each of area 0.64, in a clip with a hole.
    x, y = np.meshgrid(np.arange(100.0), np.arange(100.0))
    cells = shapely.box(x.ravel() + 0.1, y.ravel() + 0.1, x.ravel() + 0.9, y.ravel() + 0.9)
    clip = shapely.Polygon([(0, 0), (100, 0), (100, 100), (0, 100)],
                           [[(20, 20), (60, 20), (60, 60), (20, 60)]])
    _, area = union_area_within(cells, clip, strategy=plan)
    assert area == pytest.approx((10_000 - 40 * 40) * 0.64, rel=REL)


@pytest.mark.parametrize("plan", PLANS)
def test_multipolygon_inputs_and_clip(plan):
    # Each input is two disjoint unit squares; the clip is two squares.
    mp = [shapely.MultiPolygon([shapely.box(i * 3, 0, i * 3 + 1, 1),
                                shapely.box(i * 3, 5, i * 3 + 1, 6)]) for i in range(300)]
    clip = shapely.MultiPolygon([shapely.box(-1, -1, 450.5, 2), shapely.box(-1, 4, 450.5, 7)])
    _, area = union_area_within(mp, clip, strategy=plan)
    assert area == pytest.approx(150 * 2 + 0.5 * 2, rel=REL)  # squares 0..149, half of 150


def test_non_polygonal_inputs_are_ignored():
    clip = shapely.box(0, 0, 10, 10)
    geoms = [shapely.box(1, 1, 3, 3), shapely.Point(5, 5), shapely.LineString([(0, 0), (9, 9)]),
             shapely.GeometryCollection([shapely.box(4, 4, 5, 5), shapely.Point(1, 1)]), None]
    geom, area = union_area_within(geoms, clip)
    assert area == pytest.approx(5.0, rel=REL)
    assert all(shapely.get_type_id(p) == 3 for p in shapely.get_parts(geom))


def test_unknown_strategy():
    with pytest.raises(ValueError, match="strategy"):
        union_area_within([shapely.box(0, 0, 1, 1)], shapely.box(0, 0, 1, 1), strategy="fast")


# --------------------------------------------------------------------------- against shapely


def _metz_like_clip() -> shapely.Polygon:
    """A concave clip with a hole, about 3 km across."""
    outer = star(1500, 1500, 1500, k=9).buffer(200)
    return shapely.difference(outer, shapely.box(1300, 1300, 1700, 1600))


def _random_points(clip, n, rng):
    x0, y0, x1, y1 = clip.bounds
    xy = np.column_stack([rng.uniform(x0 - 60, x1 + 60, n), rng.uniform(y0 - 60, y1 + 60, n)])
    return xy


@pytest.mark.parametrize("plan", ("auto",) + PLANS)
@pytest.mark.parametrize("n", [300, 4000])
def test_wedges_match_shapely(plan, n, rng):
    clip = _metz_like_clip()
    xy = _random_points(clip, n, rng)
    geoms = wedges(xy, rng.uniform(0, 360, n))
    _, area = union_area_within(geoms, clip, strategy=plan, workers=2)
    assert area == pytest.approx(reference(geoms, clip), rel=REL)


@pytest.mark.parametrize("plan", ("auto",) + PLANS)
@pytest.mark.parametrize("n", [500, 3000, 12000])
def test_discs_match_shapely(plan, n, rng):
    clip = _metz_like_clip()
    geoms = shapely.buffer(shapely.points(_random_points(clip, n, rng)), 50, quad_segs=16)
    _, area = union_area_within(geoms, clip, strategy=plan, workers=2)
    assert area == pytest.approx(reference(geoms, clip), rel=REL)


def test_auto_uses_every_plan(rng):
    """The sizes above exercise each plan on its own ground (else they test little)."""
    clip = _metz_like_clip()

    def plan(geoms):
        polys = _union.polygons_of(geoms)
        density = float(shapely.area(polys).sum()) / clip.area
        return _union._choose(polys, shapely.bounds(polys), clip, density)

    few = wedges(_random_points(clip, 4000, rng), rng.uniform(0, 360, 4000))
    many = shapely.buffer(shapely.points(_random_points(clip, 12000, rng)), 50, quad_segs=16)
    mid = shapely.buffer(shapely.points(_random_points(clip, 3000, rng)), 50, quad_segs=16)
    assert plan(few) == "tiles"
    assert plan(many) == "marks"
    assert plan(mid) == "groups"


def test_on_one_thread_the_groups_plan_gives_way_to_geos_own_cascade(rng, monkeypatch):
    """Where auto would group (3,000 discs of 50 m: in between), one worker takes the
    plain union (groups on one thread are a worse cascade), two workers the groups; the
    same area either way."""
    clip = _metz_like_clip()
    mid = shapely.buffer(shapely.points(_random_points(clip, 3000, rng)), 50, quad_segs=16)
    calls = []
    real = _union._groups
    monkeypatch.setattr(_union, "_groups", lambda *a, **k: calls.append(a[3]) or real(*a, **k))
    one = union_area_within(mid, clip, workers=1)[1]
    assert calls == []
    two = union_area_within(mid, clip, workers=2)[1]
    assert calls == [2]
    forced = union_area_within(mid, clip, workers=1, strategy="groups")[1]  # as asked
    assert calls == [2, 1]
    assert one == pytest.approx(reference(mid, clip), rel=REL)
    assert two == pytest.approx(one, rel=1e-12) and forced == pytest.approx(one, rel=1e-12)


@pytest.mark.parametrize("plan", PLANS)
def test_concave_polygons_with_holes(plan, rng):
    clip = _metz_like_clip()
    xy = _random_points(clip, 1500, rng)
    stars = np.array([star(x, y, rng.uniform(20, 90)) for x, y in xy], dtype=object)
    # Some with holes, some squares with a hole.
    rings = shapely.box(xy[:200, 0] - 40, xy[:200, 1] - 40, xy[:200, 0] + 40, xy[:200, 1] + 40)
    holes = shapely.box(xy[:200, 0] - 10, xy[:200, 1] - 10, xy[:200, 0] + 10, xy[:200, 1] + 10)
    framed = shapely.difference(rings, holes)
    geoms = np.concatenate([stars, framed])
    _, area = union_area_within(geoms, clip, strategy=plan, workers=2)
    assert area == pytest.approx(reference(geoms, clip), rel=REL)


@pytest.mark.parametrize("plan", PLANS)
def test_one_or_two_workers_same_answer(plan, rng):
    clip = _metz_like_clip()
    geoms = shapely.buffer(shapely.points(_random_points(clip, 3000, rng)), 50, quad_segs=16)
    a1 = union_area_within(geoms, clip, strategy=plan, workers=1)[1]
    a2 = union_area_within(geoms, clip, strategy=plan, workers=2)[1]
    assert a1 == pytest.approx(a2, rel=1e-12)


# --------------------------------------------------------------------------- the geometry


@pytest.mark.parametrize("plan", PLANS)
def test_pieces_are_disjoint_and_inside_the_clip(plan, rng):
    clip = _metz_like_clip()
    geoms = shapely.buffer(shapely.points(_random_points(clip, 3000, rng)), 50, quad_segs=16)
    geom, area = union_area_within(geoms, clip, strategy=plan)
    parts = shapely.get_parts(geom)
    assert (shapely.get_type_id(parts) == 3).all()
    assert shapely.is_valid(parts).all()
    assert math.fsum(shapely.area(parts)) == pytest.approx(area, rel=1e-12)
    # Disjoint interiors: dissolving them loses no area.
    assert shapely.union_all(parts).area == pytest.approx(area, rel=REL)
    # Inside the clip (up to rounding along its boundary).
    assert shapely.difference(geom, clip).area <= 1e-9 * area


@pytest.mark.parametrize("plan", PLANS)
def test_union_within_is_the_union(plan, rng):
    clip = _metz_like_clip()
    geoms = wedges(_random_points(clip, 2000, rng), rng.uniform(0, 360, 2000))
    expected = shapely.intersection(shapely.union_all(geoms), clip)
    got, area = union_area_within(geoms, clip, strategy=plan, dissolve=True)
    assert shapely.get_type_id(got) in (3, 6)
    assert got.is_valid
    assert area == pytest.approx(expected.area, rel=REL)
    assert shapely.symmetric_difference(got, expected).area <= 1e-9 * expected.area
    assert union_within(geoms, clip).area == pytest.approx(expected.area, rel=REL)


def test_grid_marks_are_inside_the_union(rng):
    """Every marked cell lies inside some geometry or entirely outside the clip."""
    clip = _metz_like_clip()
    polys = shapely.buffer(shapely.points(_random_points(clip, 5000, rng)), 50, quad_segs=16)
    centres, radii = _union._inscribed_discs(polys, None)
    grid, _ = _union._make_grid(float(np.nanmedian(radii)) / _union.CELL_DIVISOR, len(polys),
                                clip.bounds, 256)
    grid.mark_discs(centres, radii)
    i, j = np.nonzero(grid._marked)
    cells = shapely.box(grid.xs(i), grid.ys(j), grid.xs(i + 1), grid.ys(j + 1))
    assert len(cells) > 1000
    assert shapely.covers(shapely.union_all(polys), cells).all()
    grid._marked[:] = False
    grid.mark_outside(clip)
    i, j = np.nonzero(grid._marked)
    cells = shapely.box(grid.xs(i), grid.ys(j), grid.xs(i + 1), grid.ys(j + 1))
    assert len(cells) > 100
    assert not shapely.intersects(clip, cells).any()


def test_pieces_dissolve_once_into_the_union(rng):
    clip = _metz_like_clip()
    geoms = wedges(_random_points(clip, 2000, rng), rng.uniform(0, 360, 2000))
    expected = shapely.intersection(shapely.union_all(geoms), clip)
    pieces = _union.union_pieces_within(geoms, clip, strategy="tiles")
    assert pieces.area == pytest.approx(expected.area, rel=1e-12)
    assert pieces.area == math.fsum(shapely.area(pieces.parts))
    got = pieces.dissolved()
    assert got is pieces.dissolved()  # computed once, kept
    assert got.is_valid and shapely.get_type_id(got) in (3, 6)
    assert shapely.symmetric_difference(got, expected).area <= 1e-9 * expected.area
    assert shapely.equals(got, shapely.union_all(pieces.parts))


def test_touching_pieces_merge_by_groups():
    # Three groups: a chain of 5 unit squares sharing edges, two squares meeting at a
    # corner only, and a lone square; the chain dissolves into one 5 x 1 rectangle.
    chain = [shapely.box(i, 0, i + 1, 1) for i in range(5)]
    corner = [shapely.box(10, 10, 11, 11), shapely.box(11, 11, 12, 12)]
    lone = [shapely.box(20, 0, 21, 1)]
    parts = np.array(chain + corner + lone, dtype=object)
    lab = pieces._components(len(parts), np.array([0, 1, 2, 3, 5]), np.array([1, 2, 3, 4, 6]))
    assert len(set(lab[:5])) == 1 and lab[5] == lab[6] and len(set(lab)) == 3
    merged = pieces._merge_touching(parts)
    assert math.fsum(shapely.area(merged)) == pytest.approx(8.0, rel=1e-15)
    assert any(shapely.equals(m, shapely.box(0, 0, 5, 1)) for m in merged)
    assert shapely.multipolygons(merged).is_valid


@pytest.mark.parametrize(("shape", "n", "leaf_max"), [
    ("wedges", 3000, 128), ("wedges", 12000, 32), ("discs", 2500, 64), ("discs", 6000, 16),
])
def test_seam_pieces_dissolve_by_coverage_union_as_the_overlay_does(shape, n, leaf_max):
    """The tiles' pieces, vertices added along the seams, dissolve by GEOS's coverage
    union (no overlay) into the same polygons as the overlay of every piece, valid, with
    the same area to 1e-12; and the coverage path is the one taken."""
    rng = np.random.default_rng([n, leaf_max])
    clip = _metz_like_clip()
    xy = _random_points(clip, n, rng)
    geoms = (wedges(xy, rng.uniform(0, 360, n)) if shape == "wedges"
             else shapely.buffer(shapely.points(xy), 50.0, quad_segs=8))
    got = _union.union_pieces_within(geoms, clip, strategy="tiles", leaf_max=leaf_max)
    seam = got.parts[got._seam]
    assert len(seam) > 50
    merged = pieces._coverage_merge(seam)
    assert merged is not None  # the pieces are a noded coverage once seams are refined
    noded = pieces.node_axis_seams(seam)
    assert shapely.equals(noded, seam).all()  # vertices added on edges: the same polygons
    _, holes, _ = pieces._split_inner_holes(seam)
    assert holes is not None and len(holes) > 10  # the inner holes skip the coverage union
    dissolved = got.dissolved()
    expected = shapely.union_all(got.parts)
    assert dissolved.is_valid and shapely.get_type_id(dissolved) in (3, 6)
    assert shapely.get_num_geometries(dissolved) == shapely.get_num_geometries(expected)
    assert (shapely.get_num_interior_rings(shapely.get_parts(dissolved)).sum()
            == shapely.get_num_interior_rings(shapely.get_parts(expected)).sum())
    assert shapely.symmetric_difference(dissolved, expected).area <= 1e-12 * expected.area
    assert dissolved.area == pytest.approx(got.area, rel=1e-12)


def test_inner_holes_skip_the_coverage_union_and_come_back_in_their_polygon():
    """Holes that touch no seam are taken out before the coverage union and put back in
    the polygon that holds their piece, found by box, then point in polygon among the
    smaller candidates; a hole that holds another piece stays in (filled, its piece
    would overlap that one). Same polygons as the overlay, valid, same area to 1e-12."""
    frame = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)],
                            [[(2, 2), (8, 2), (8, 8), (2, 8)]])  # left tile; its hole holds isle
    right = shapely.Polygon([(10, 0), (20, 0), (20, 10), (10, 10)],
                            [[(12, 2), (14, 2), (14, 4), (12, 4)]])  # right tile, one inner hole
    isle = shapely.Polygon([(3, 3), (7, 3), (7, 4.5), (4.5, 4.5), (4.5, 7), (3, 7)],
                           [[(3.5, 3.5), (4, 3.5), (4, 4), (3.5, 4)]])  # an L, in the frame's hole
    inlet = shapely.Polygon([(5, 5), (6.8, 5), (6.8, 6.8), (5, 6.8)],
                            [[(5.5, 5.5), (6, 5.5), (6, 6), (5.5, 6)]])  # in the L's box, not in it
    parts = np.array([frame, right, isle, inlet], dtype=object)
    shells, holes, owner = pieces._split_inner_holes(parts)
    assert holes is not None and len(holes) == 3
    assert sorted(owner.tolist()) == [1, 2, 3]  # the frame's hole holds the isle: it stays
    assert shapely.get_num_interior_rings(shells).tolist() == [1, 0, 0, 0]
    merged = pieces._coverage_merge(parts)
    assert merged is not None
    got = pieces.UnionPieces(parts, np.ones(4, dtype=bool)).dissolved()
    expected = shapely.union_all(parts)
    assert got.is_valid and shapely.get_num_geometries(got) == 3
    assert shapely.equals(got, expected)
    assert got.area == pytest.approx(math.fsum(shapely.area(parts)), rel=1e-12)
    # Each hole back in its own polygon: the frame and its right neighbour in one (two
    # holes), the L and the inlet with one each.
    rings = sorted(shapely.get_num_interior_rings(shapely.get_parts(got)).tolist())
    assert rings == [1, 1, 2]


@pytest.mark.parametrize("dx", [-1e-9, -1e-3])
def test_pieces_that_overlap_are_overlaid_not_coverage_unioned(dx):
    """A piece reaching across the seam (a vertex ``dx`` inside its neighbour) is not a
    coverage: GEOS refuses it, and the overlay dissolves the pieces instead."""
    left = shapely.box(0, 0, 1, 1)
    right = shapely.Polygon([(1, 0), (2, 0), (2, 1), (1, 1), (1 + dx, 0.5)])
    tail = shapely.box(2, 0, 3, 1)
    parts = np.array([left, right, tail], dtype=object)
    assert pieces._coverage_merge(parts) is None
    got = pieces.UnionPieces(parts, np.ones(3, dtype=bool)).dissolved()
    assert got.is_valid and got.equals(shapely.box(0, 0, 3, 1))


def test_pieces_with_a_sliver_between_them_stay_apart():
    """A sliver gap along the seam (a vertex 1e-9 outside it): the coverage union keeps
    the two sides apart, touching at points, as the overlay does."""
    left = shapely.box(0, 0, 1, 1)
    right = shapely.Polygon([(1, 0), (2, 0), (2, 1), (1, 1), (1 + 1e-9, 0.5)])
    parts = np.array([left, right, shapely.box(2, 0, 3, 1)], dtype=object)
    got = pieces.UnionPieces(parts, np.ones(3, dtype=bool)).dissolved()
    expected = shapely.union_all(parts)
    assert got.is_valid and shapely.get_num_geometries(got) == 2
    assert shapely.symmetric_difference(got, expected).area < 1e-15


def test_node_axis_seams_adds_the_far_sides_vertices_in_edge_order():
    # A covered tile (its 4 corners) beside two pieces split at y = 0.25 and 0.6: the
    # tile's right edge gets both vertices, going down the edge the ring runs along.
    tile = shapely.Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])  # clockwise: (1,1) -> (1,0)
    low = shapely.box(1, 0, 2, 0.25)
    mid = shapely.box(1, 0.25, 2, 0.6)
    high = shapely.box(1, 0.6, 2, 1)
    out = pieces.node_axis_seams(np.array([tile, low, mid, high], dtype=object))
    ring = shapely.get_coordinates(out[0]).tolist()
    assert ring == [[0, 0], [0, 1], [1, 1], [1, 0.6], [1, 0.25], [1, 0], [0, 0]]
    assert shapely.equals(out, [tile, low, mid, high]).all()
    assert shapely.coverage_union_all(out).equals(shapely.box(0, 0, 2, 1))


@pytest.mark.parametrize("plan", ("auto",) + PLANS)
def test_area_only_path_is_exact_on_integer_boxes(plan):
    """Union area of 3,000 overlapping integer boxes inside an integer clip, counted
    exactly cell by cell with numpy: the area-only path agrees to 1e-12."""
    rng = np.random.default_rng(2024)
    x0, y0 = rng.integers(0, 950, 3000), rng.integers(0, 950, 3000)
    w, h = rng.integers(1, 40, 3000), rng.integers(1, 40, 3000)
    boxes = shapely.box(x0, y0, x0 + w, y0 + h)
    clip = shapely.box(100, 50, 900, 980)
    cells = np.zeros((1000, 1000), dtype=bool)
    for a, b, c, d in zip(x0, y0, x0 + w, y0 + h, strict=False):
        cells[a:c, b:d] = True
    expected = float(cells[100:900, 50:980].sum())
    area = _union.union_pieces_within(boxes, clip, strategy=plan).area
    assert abs(area - expected) <= 1e-12 * expected
    assert abs(float(shapely.intersection(shapely.union_all(boxes), clip).area) - expected) \
        <= 1e-12 * expected


@pytest.mark.parametrize("plan", ("auto",) + PLANS)
def test_area_only_path_matches_union_all_to_1e12(plan, rng):
    clip = _metz_like_clip()
    geoms = wedges(_random_points(clip, 5000, rng), rng.uniform(0, 360, 5000))
    area = _union.union_pieces_within(geoms, clip, strategy=plan).area
    assert area == pytest.approx(reference(geoms, clip), rel=1e-12)


@pytest.mark.parametrize("plan", ("tiles", "marks"))
def test_forked_processes_give_the_same_pieces(plan, rng):
    clip = _metz_like_clip()
    geoms = shapely.buffer(shapely.points(_random_points(clip, 3000, rng)), 50, quad_segs=16)
    threads = _union.union_pieces_within(geoms, clip, strategy=plan, workers=2, processes=False)
    forked = _union.union_pieces_within(geoms, clip, strategy=plan, workers=2, processes=True)
    assert forked.area == threads.area
    assert len(forked.parts) == len(threads.parts)
    assert shapely.equals(forked.dissolved(), threads.dissolved())
