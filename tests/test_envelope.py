"""The nearest-edge envelope against the shadow overlays it replaces, on random scenes.

``visible_fields(..., engine="overlay")`` computes every camera by unioning its
shadows and subtracting them (GEOS), the way the envelope's region is defined; both
are checked against brute-force ray casting in tests/test_occlusion.py. Here the two
engines must give the same region camera by camera, and the envelope must be the
path actually taken where it applies (and refused where it does not).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geocover.model.envelope import visible_envelopes
from geocover.model.fov import Preset, fields_of_view
from geocover.model.occlusion import visible_fields

X0, Y0 = 931_000.0, 6_895_000.0
CRS = "EPSG:2154"


def _scene(seed: int, n_buildings: int = 60, extent: float = 90.0):
    """Random footprints that do not overlap (rotated boxes, L shapes, a courtyard)."""
    rng = np.random.default_rng(seed)
    shapes: list[shapely.Geometry] = []
    taken = shapely.Polygon()
    for _ in range(n_buildings * 3):
        if len(shapes) == n_buildings:
            break
        cx, cy = rng.uniform(-extent, extent, 2)
        w, h = rng.uniform(3, 18, 2)
        kind = rng.integers(3)
        if kind == 0:
            g = shapely.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        elif kind == 1:
            g = shapely.Polygon([(cx, cy), (cx + w, cy), (cx + w, cy + h / 3),
                                 (cx + w / 3, cy + h / 3), (cx + w / 3, cy + h), (cx, cy + h)])
        else:
            g = shapely.box(cx, cy, cx + w + 6, cy + h + 6).difference(
                shapely.box(cx + 3, cy + 3, cx + w + 3, cy + h + 3))
        g = shapely.affinity.rotate(g, rng.uniform(0, 360), origin="centroid")
        if g.intersects(taken):
            continue
        taken = taken.union(g)
        shapes.append(shapely.affinity.translate(g, X0, Y0))
    return gpd.GeoSeries(shapes, crs=CRS)


def _cameras(seed: int, buildings: gpd.GeoSeries, n: int = 40, extent: float = 90.0):
    """Cameras outside every footprint: fixed wedges (one or two directions, some wider
    than 180°) and domes."""
    rng = np.random.default_rng(seed + 1000)
    footprints = shapely.union_all(buildings.to_numpy())
    rows, points = [], []
    while len(points) < n:
        x, y = X0 + rng.uniform(-extent, extent), Y0 + rng.uniform(-extent, extent)
        if footprints.distance(shapely.Point(x, y)) < 0.5:
            continue
        kind = rng.choice(["fixed", "fixed", "dome", "wide", "two"])
        a = float(rng.uniform(0, 360))
        if kind == "dome":
            rows.append(("dome", []))
        elif kind == "wide":
            rows.append(("fixed", [(a, (a + 170.0) % 360)]))
        elif kind == "two":
            rows.append(("fixed", [(a, a), ((a + 150.0) % 360, (a + 150.0) % 360)]))
        else:
            rows.append(("fixed", [(a, a)]))
        points.append(shapely.Point(x, y))
    return gpd.GeoDataFrame({"camera_type": [r[0] for r in rows],
                             "directions": [r[1] for r in rows],
                             "height_m": np.nan, "tilt_deg": np.nan},
                            geometry=points, crs=CRS)


PRESET = Preset(name="test-envelope", label="test", source="test", fixed_angle_deg=70.0,
                range_m=45.0)


def _compare(fovs, cams, blds):
    auto = visible_fields(fovs, cams, blds).to_numpy()
    overlay = visible_fields(fovs, cams, blds, engine="overlay").to_numpy()
    assert shapely.is_valid(auto).all()
    sym = shapely.area(shapely.symmetric_difference(auto, overlay))
    assert sym.max() < 1e-6, f"camera {sym.argmax()} differs by {sym.max():.3g} m²"
    total_a, total_o = shapely.area(auto).sum(), shapely.area(overlay).sum()
    assert abs(total_a - total_o) <= 1e-12 * total_o
    return auto, overlay


@pytest.mark.parametrize("seed", range(12))
def test_random_scenes_give_the_overlays_region(seed: int) -> None:
    blds = _scene(seed)
    cams = _cameras(seed, blds)
    fovs = fields_of_view(cams, PRESET)
    auto, _ = _compare(fovs, cams, blds)
    # Something was hidden, so the envelope had edges to work with.
    assert (shapely.area(auto) < fovs.area.to_numpy() - 1e-6).sum() >= 10


def test_the_envelope_is_the_path_taken_for_cameras_off_the_buildings() -> None:
    blds = _scene(3)
    cams = _cameras(3, blds)
    fovs = fields_of_view(cams, PRESET)
    fov = fovs.to_numpy()
    view = shapely.get_coordinates(cams.geometry.to_numpy())
    # Every outline edge of every footprint, the ones facing each camera kept.
    rings = shapely.get_rings(shapely.orient_polygons(blds.to_numpy()))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[:-1] == ring[1:]
    p1, p2 = xy[:-1][same], xy[1:][same]
    owner = np.repeat(np.arange(len(cams)), len(p1))
    p1, p2 = np.tile(p1, (len(cams), 1)), np.tile(p2, (len(cams), 1))
    d1, d2 = p1 - view[owner], p2 - view[owner]
    front = d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0] < -1e-6
    env = visible_envelopes(fov, view, owner[front], p1[front], p2[front])
    handled = np.not_equal(env, None)
    # The two-direction cameras' wedges can be two polygons (not star-shaped).
    single = shapely.get_type_id(fov) == 3
    assert handled[single].all()
    expected = visible_fields(fovs, cams, blds, engine="overlay").to_numpy()
    sym = shapely.area(shapely.symmetric_difference(env[handled].astype(object),
                                                    expected[handled]))
    assert sym.max() < 1e-6


def test_footprints_crossing_in_view_fall_back_to_the_overlays() -> None:
    # Two overlapping footprints (as OSM has: a building and its part): their edges
    # cross in front of the camera, which the envelope refuses.
    a = shapely.box(X0 - 10, Y0 + 20, X0 + 10, Y0 + 24)
    b = shapely.affinity.rotate(shapely.box(X0 - 8, Y0 + 18, X0 + 8, Y0 + 22), 25)
    blds = gpd.GeoSeries([a, b], crs=CRS)
    cams = gpd.GeoDataFrame({"camera_type": ["fixed"], "directions": [[(0.0, 0.0)]],
                             "height_m": np.nan, "tilt_deg": np.nan},
                            geometry=[shapely.Point(X0, Y0)], crs=CRS)
    fovs = fields_of_view(cams, PRESET)
    view = np.array([[X0, Y0]])
    p1, p2 = [], []
    for g in shapely.orient_polygons(blds.to_numpy()):
        c = np.asarray(g.exterior.coords)
        p1.append(c[:-1])
        p2.append(c[1:])
    p1, p2 = np.concatenate(p1), np.concatenate(p2)
    d1, d2 = p1 - view, p2 - view
    front = d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0] < 0
    env = visible_envelopes(fovs.to_numpy(), view, np.zeros(front.sum(), int),
                            p1[front], p2[front])
    assert env[0] is None
    _compare(fovs, cams, blds)


def test_a_field_of_view_not_around_its_camera_is_refused() -> None:
    view = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    fov = np.array([shapely.box(10, 10, 20, 20),  # the camera outside it
                    shapely.Polygon([(0, 0), (30, 0), (30, 30), (15, 5), (0, 30)]),  # notch
                    shapely.box(-5, -5, 5, 5).difference(shapely.box(1, 1, 2, 2))],  # hole
                   dtype=object)
    env = visible_envelopes(fov, view, np.zeros(0, int), np.zeros((0, 2)), np.zeros((0, 2)))
    assert list(env) == [None, None, None]


def test_clockwise_fields_of_view_are_read_the_other_way() -> None:
    blds = _scene(5)
    cams = _cameras(5, blds)
    fovs = fields_of_view(cams, PRESET)
    cw = gpd.GeoSeries(shapely.reverse(fovs.to_numpy()), index=fovs.index, crs=CRS)
    assert not shapely.is_ccw(shapely.get_exterior_ring(cw.to_numpy()[:3])).any()
    auto, _ = _compare(cw, cams, blds)
    ccw_auto = visible_fields(fovs, cams, blds).to_numpy()
    assert shapely.area(shapely.symmetric_difference(auto, ccw_auto)).max() < 1e-6


def test_cameras_on_walls_and_inside_footprints_still_match() -> None:
    blds = _scene(8)
    rng = np.random.default_rng(8)
    pts = []
    for g in blds.to_numpy()[:15]:
        ring = g.exterior
        pts.append(ring.interpolate(rng.uniform(0, ring.length)))  # on a wall
        pts.append(shapely.Point(shapely.get_coordinates(g.representative_point())[0]))
    cams = gpd.GeoDataFrame({"camera_type": ["fixed"] * len(pts),
                             "directions": [[(float(a), float(a))]
                                            for a in rng.uniform(0, 360, len(pts))],
                             "height_m": np.nan, "tilt_deg": np.nan},
                            geometry=pts, crs=CRS)
    _compare(fields_of_view(cams, PRESET), cams, blds)


def test_an_unknown_engine_is_a_usage_error() -> None:
    from geocover.errors import UsageError

    blds = _scene(1, n_buildings=3)
    cams = _cameras(1, blds, n=2)
    with pytest.raises(UsageError, match="engine"):
        visible_fields(fields_of_view(cams, PRESET), cams, blds, engine="fast")
