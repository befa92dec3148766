"""The area of a union from its boundary (model/boundary.py) against GEOS's overlay.

Every figure is checked against ``shapely.intersection(shapely.union_all(...), clip)``,
an independent computation (GEOS nodes and builds the union; the boundary method never
builds it). Synthetic scenes, generated here and labelled so.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
import shapely.affinity
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geocover.model import union as U
from geocover.model.boundary import union_area_boundary


def reference(geoms, clip) -> float:
    return float(shapely.intersection(shapely.union_all(np.asarray(geoms)), clip).area)


def wedges(xy, azimuth, radius=50.0, aperture=60.0, segments=32):
    """Synthetic circular sectors (the shape fields_of_view draws)."""
    out = []
    for (x, y), a in zip(xy, azimuth, strict=True):
        ang = np.radians(np.linspace(a - aperture / 2, a + aperture / 2, segments + 1))
        ring = np.column_stack([x + radius * np.sin(ang), y + radius * np.cos(ang)])
        out.append(shapely.Polygon(np.vstack([[x, y], ring])))
    return np.array(out, dtype=object)


def clip_with_hole():
    """A non-convex commune-like clip, in Lambert-93-sized coordinates, with a hole."""
    outer = shapely.Polygon([(900_000, 6_880_000), (902_000, 6_879_500), (903_000, 6_881_500),
                             (901_800, 6_881_000), (901_000, 6_882_200), (899_800, 6_881_600)])
    hole = shapely.Point(901_200, 6_880_900).buffer(250, quad_segs=8)
    return outer.difference(hole)


def scene(n, shape, seed):
    rng = np.random.default_rng(seed)
    xy = np.column_stack([rng.uniform(899_700, 903_100, n), rng.uniform(6_879_400, 6_882_300, n)])
    if shape == "wedges":
        return wedges(xy, rng.uniform(0, 360, n))
    return shapely.buffer(shapely.points(xy), rng.uniform(20, 80, n), quad_segs=12)


@pytest.mark.parametrize("shape", ["wedges", "discs"])
@pytest.mark.parametrize("n", [50, 800])
@pytest.mark.parametrize("workers", [1, 2])
def test_random_scenes_match_the_overlay(shape, n, workers):
    geoms, clip = scene(n, shape, seed=n), clip_with_hole()
    area = union_area_boundary(geoms, clip, workers=workers)
    assert area is not None  # general position: the boundary method answers
    ref = reference(geoms, clip)
    assert ref > 0
    assert abs(area - ref) <= 1e-12 * ref


def test_orientation_holes_and_concave_polygons():
    rng = np.random.default_rng(7)
    lines = [shapely.LineString(rng.uniform(0, 100, (5, 2))) for _ in range(40)]
    concave = shapely.buffer(np.array(lines, dtype=object), 3.0, quad_segs=4)
    rings = np.array([shapely.Point(rng.uniform(0, 100, 2)).buffer(12).difference(
        shapely.Point(*rng.uniform(0, 100, 2)).buffer(5)) for _ in range(30)], dtype=object)
    geoms = np.concatenate([concave, rings])
    # Clockwise exteriors and counter-clockwise holes: the method orients them itself.
    flipped = shapely.orient_polygons(geoms, exterior_cw=True)
    clip = shapely.box(5, 5, 95, 95)
    ref = reference(geoms, clip)
    for g in (geoms, flipped):
        area = union_area_boundary(g, clip)
        assert area is not None
        assert abs(area - ref) <= 1e-12 * ref


def test_multipolygon_clip_and_polygons_outside_or_around_it():
    clip = shapely.MultiPolygon([shapely.box(0, 0, 10, 10).difference(shapely.box(4, 4, 6, 6)),
                                 shapely.box(20, 0, 30, 10)])
    geoms = [shapely.Point(5.3, 5.1).buffer(3.0), shapely.Point(25.2, 5.3).buffer(40.0),
             shapely.Point(100.1, 100.3).buffer(2.0), shapely.Point(-3.1, 2.2).buffer(2.5)]
    area = union_area_boundary(geoms, clip)
    assert area is not None
    assert area == pytest.approx(reference(geoms, clip), rel=1e-12)
    assert union_area_boundary(geoms[2:3], clip) == 0.0
    assert union_area_boundary([], clip) == 0.0


def test_duplicates_are_dropped_and_degenerate_inputs_refused():
    geoms = scene(300, "wedges", seed=3)
    clip = clip_with_hole()
    doubled = np.concatenate([geoms, geoms[:120]])
    area = union_area_boundary(doubled, clip)
    assert area is not None and area == pytest.approx(reference(geoms, clip), rel=1e-12)
    # A vertex inside another ring's edge, collinear overlapping edges: the method says
    # so. (Polygons sharing vertices are merged first: see the tests below.)
    assert union_area_boundary([shapely.box(0, 0, 1, 1), shapely.box(1, 0.2, 2, 0.8)],
                               shapely.box(-1, -1, 3, 3)) is None
    assert union_area_boundary([shapely.box(0, 0, 2, 2),
                                shapely.Polygon([(2, 1), (3, 0), (3, 2)])],
                               shapely.box(-1, -1, 4, 4)) is None


def test_union_area_falls_back_and_says_which_method():
    shared = [shapely.box(0, 0, 1, 1), shapely.box(1, 0.2, 2, 0.8),
              shapely.box(0.5, 0.5, 1.5, 1.7)]
    clip = shapely.box(-1, -1, 3, 3)
    area, how = U.union_area(shared, clip, engine="boundary", explain=True)
    assert how == "boundary fell back"
    assert area == pytest.approx(reference(shared, clip), rel=1e-12)
    geoms = scene(400, "discs", seed=11)
    area, how = U.union_area(geoms, clip_with_hole(), engine="boundary", explain=True)
    assert how == "boundary"
    assert area == pytest.approx(reference(geoms, clip_with_hole()), rel=1e-12)
    # Below BOUNDARY_FROM polygons the tiles are used (no compiled loops to load).
    assert U.union_area(geoms, clip_with_hole(), explain=True)[1] == "tiles"
    with pytest.raises(ValueError, match="engine"):
        U.union_area(geoms, clip_with_hole(), engine="gpu")


def test_union_area_auto_takes_the_boundary_for_many_sparse_polygons(monkeypatch):
    monkeypatch.setattr(U, "BOUNDARY_FROM", 100)
    geoms = scene(500, "wedges", seed=5)
    area, how = U.union_area(geoms, clip_with_hole(), explain=True)
    assert how == "boundary"
    assert area == pytest.approx(U.union_pieces_within(geoms, clip_with_hole()).area, rel=1e-12)
    piled = np.concatenate([geoms] + [shapely.buffer(shapely.centroid(geoms), 300.0)] * 1)
    assert U.union_area(piled, clip_with_hole(), explain=True)[1] == "tiles"  # too dense


polygon = st.builds(
    lambda x, y, r, k, a: shapely.Point(x, y).buffer(r, quad_segs=k)
    if a < 0 else shapely.affinity.rotate(shapely.box(x - r, y - r / 2, x + r, y + r / 2), a),
    st.floats(0, 20), st.floats(0, 20), st.floats(0.5, 8), st.integers(1, 6), st.floats(-90, 90))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(polygon, min_size=1, max_size=25), st.floats(-2, 8), st.floats(2, 14))
def test_any_scene_agrees_or_is_refused(geoms, lo, side):
    clip = shapely.box(lo, lo, lo + side, lo + side * 1.3)
    ref = reference(geoms, clip)
    area = union_area_boundary(geoms, clip)
    if area is not None:
        assert abs(area - ref) <= 1e-9 * max(ref, 1.0)
    assert math.isclose(U.union_area(geoms, clip, engine="boundary"), ref,
                        rel_tol=1e-9, abs_tol=1e-9)


# ------------------------------------------------------------- shared vertices (one site)


def test_fields_of_one_site_share_their_apex():
    """Several directions on one pole: wedges sharing their apex, some an edge too
    (adjacent sectors), some only the apex (back to back). They are merged before the
    crossings are counted, so the boundary method answers, and agrees with the overlay."""
    rng = np.random.default_rng(21)
    sites = np.column_stack([rng.uniform(899_800, 903_000, 60),
                             rng.uniform(6_879_500, 6_882_200, 60)])
    xy, azimuth = [], []
    for (x, y), a in zip(sites, rng.uniform(0, 360, len(sites)), strict=True):
        for turn in (0.0, 60.0, 180.0, 200.0):  # 0/60: a shared edge; 0/180: only the apex
            xy.append((x, y))
            azimuth.append(a + turn)
    geoms = np.concatenate([wedges(xy, azimuth), scene(300, "wedges", seed=22)])
    clip = clip_with_hole()
    assert union_area_boundary(geoms[:4], shapely.box(-1e7, -1e7, 1e7, 1e7)) is not None
    area, how = U.union_area(geoms, clip, engine="boundary", explain=True)
    assert how == "boundary"
    ref = reference(geoms, clip)
    assert abs(area - ref) <= 1e-12 * ref


def test_components_agree_with_scipy():
    """The components that group shared vertices here and tile pieces in pieces.py."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from geocover.model.pieces import _components

    rng = np.random.default_rng(3)
    for n, links in ((1, 0), (10, 4), (500, 300), (2000, 1900)):
        a, b = rng.integers(0, n, links), rng.integers(0, n, links)
        label = _components(n, a, b)
        _, ref = connected_components(coo_matrix((np.ones(links), (a, b)), shape=(n, n)),
                                      directed=False)
        # The same partition, each labelled by its smallest node.
        assert np.array_equal(ref[label], ref)
        assert len(np.unique(label)) == len(np.unique(ref))
        assert (label <= np.arange(n)).all() and (label[label] == label).all()


def test_shared_vertex_pairs_link_what_a_set_of_positions_links():
    """The compiled hash table links the same owners as Python's dicts of exact
    positions (planted repeats, a -0.0 beside 0.0, owners repeating their own vertex):
    every shared vertex, or (``all_vertices=False``) each owner's first vertex found
    among the others'."""
    from geocover.model.boundary_loops import _shared_vertex_pairs
    from geocover.model.pieces import _components

    rng = np.random.default_rng(11)
    for n, owners in ((0, 1), (50, 5), (20_000, 3_000)):
        xy = rng.integers(0, max(2, int(3 * n ** 0.5)), (n, 2)).astype(np.float64) * 0.5
        if n:
            xy[0] = (-0.0, 0.0)
            xy[-1] = (0.0, -0.0)
        which = np.sort(rng.integers(0, owners, n))
        poly_off = np.searchsorted(which, np.arange(owners + 1)).astype(np.int64)
        points = [(x + 0.0, y + 0.0) for x, y in xy.tolist()]
        # Every shared vertex: the first owner seen at a position links each later one.
        first: dict[tuple[float, float], int] = {}
        ra, rb = [], []
        for pt, w in zip(points, which.tolist(), strict=True):
            j = first.setdefault(pt, w)
            if j != w:
                ra.append(j)
                rb.append(w)
        # First vertices only: the owners whose first vertex is at each position.
        starts: dict[tuple[float, float], list[int]] = {}
        for q in range(owners):
            if poly_off[q] < poly_off[q + 1]:
                starts.setdefault(points[poly_off[q]], []).append(q)
        fa, fb = [], []
        for pt, w in zip(points, which.tolist(), strict=True):
            for q in starts.get(pt, []):
                if q != w:
                    fa.append(q)
                    fb.append(w)
        for all_vertices, (la, lb) in ((True, (ra, rb)), (False, (fa, fb))):
            a, b = np.empty(n, np.int64), np.empty(n, np.int64)
            k = _shared_vertex_pairs(xy, xy.view(np.uint64), poly_off, all_vertices, a, b)
            if all_vertices:
                assert sorted(zip(a[:k].tolist(), b[:k].tolist(), strict=True)) \
                    == sorted(zip(la, lb, strict=True))
            assert k > 0 or n == 0
            got = _components(owners, a[:k], b[:k])
            ref = _components(owners, np.array(la, np.int64), np.array(lb, np.int64))
            assert np.array_equal(got, ref)


def test_a_vertex_shared_away_from_the_apexes_is_found_by_the_second_pass():
    """Wedges whose rings start on their arc, not at their shared apex: the first pass
    (first vertices only) misses the apex, the integral refuses it, the pass over every
    vertex finds it, and the area is the overlay's."""
    from geocover.model.boundary import _area, _merge_shared_vertices

    rng = np.random.default_rng(31)
    sites = np.column_stack([rng.uniform(899_800, 903_000, 40),
                             rng.uniform(6_879_500, 6_882_200, 40)])
    xy, azimuth = [], []
    for (x, y), a in zip(sites, rng.uniform(0, 360, len(sites)), strict=True):
        for turn in (0.0, 180.0):  # back to back: only the apex in common
            xy.append((x, y))
            azimuth.append(a + turn)
    apex_first = wedges(xy, azimuth)
    # The same wedges, each ring starting at its third vertex (on the arc).
    rolled = np.array([shapely.Polygon(np.roll(np.asarray(g.exterior.coords)[:-1], -2, axis=0))
                       for g in apex_first], dtype=object)
    assert shapely.equals(rolled, apex_first).all()
    geoms = np.concatenate([rolled, scene(200, "wedges", seed=32)])
    clip = clip_with_hole()
    cheap = _merge_shared_vertices(geoms, all_vertices=False)
    assert cheap[1][-1] == len(geoms) - 1  # nothing merged
    assert _area(*cheap, shapely.multipolygons(shapely.get_parts(clip)), None, 1) is None
    area, how = U.union_area(geoms, clip, engine="boundary", explain=True)
    assert how == "boundary"
    ref = reference(geoms, clip)
    assert abs(area - ref) <= 1e-12 * ref


def test_real_sites_sharing_a_position_take_the_boundary(bundle):
    """sous-surveillance.net in Paris (the bundle's file, read as the product reads it):
    3,623 cameras at 3,611 positions, several with their own direction. Before the merge
    of shared vertices every preset fell back to the overlay here."""
    import geopandas as gpd

    from geocover.model import fov
    from geocover.sources.citizen_map import SOUS_SURVEILLANCE_PATH, read_sous_surveillance

    paris = gpd.read_file(bundle / "communes/paris-75056-adminexpress2018.geojson")
    cams, _, _ = read_sous_surveillance(bundle / SOUS_SURVEILLANCE_PATH,
                                        area=paris.geometry.union_all())
    xy = shapely.get_coordinates(cams.geometry.to_numpy())
    assert len(np.unique(xy, axis=0)) < len(xy)  # the case this test is about
    metric = cams.to_crs("EPSG:2154")
    clip = paris.to_crs("EPSG:2154").geometry.union_all()
    for preset in ("panopticity-identification", "factsheet-300m"):
        fields = fov.fields_of_view(metric, preset).to_numpy()
        area, how = U.union_area(fields, clip, engine="boundary", explain=True)
        assert how == "boundary", preset
        ref = reference(fields, clip)
        assert abs(area - ref) <= 1e-12 * ref, preset


def test_cell_lists_on_two_threads_are_those_of_one():
    """Above _CELL_LISTS_SPLIT_FROM boxes the cell lists are built on several threads;
    each cell lists the same boxes in the same order as on one, so the area is the same
    to the last bit, and the overlay's."""
    from geocover.model import boundary as B

    geoms, clip = scene(4_000, "wedges", seed=7), clip_with_hole()
    edges = np.concatenate([shapely.get_coordinates(shapely.get_exterior_ring(g))[:-1]
                            for g in geoms[:200]])
    n = len(edges)
    assert n > 0
    boxes = np.column_stack([edges, edges + 3.0])  # (x0, y0, x1, y1) boxes of 3 m
    boxes = np.tile(boxes, (B._CELL_LISTS_SPLIT_FROM * 2 // n + 1, 1))
    x0, y0 = boxes[:, :2].min(axis=0) - 5.0
    x1, y1 = boxes[:, 2:].max(axis=0) + 5.0
    cell = 4.0
    nx, ny = int((x1 - x0) / cell) + 2, int((y1 - y0) / cell) + 2
    none = np.empty(0, np.int32)
    one = B._cell_lists(len(boxes), boxes, np.empty((0, 4)), none, none, none, 0.0, cell,
                        x0, y0, nx, ny, 1)
    two = B._cell_lists(len(boxes), boxes, np.empty((0, 4)), none, none, none, 0.0, cell,
                        x0, y0, nx, ny, 2)
    assert len(boxes) >= 2 * B._CELL_LISTS_SPLIT_FROM
    assert np.array_equal(one[0], two[0]) and np.array_equal(one[1], two[1])
    a1 = union_area_boundary(geoms, clip, workers=1)
    a2 = union_area_boundary(geoms, clip, workers=2)
    assert a1 is not None and a1 == a2
    ref = reference(geoms, clip)
    assert abs(a1 - ref) <= 1e-12 * ref
