"""Fields of view: wedge and disc geometry against closed forms, presets, ranges."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geocover import settings
from geocover.errors import UsageError
from geocover.model import fov
from geocover.model.fov import (
    DEFAULT_PRESETS,
    PRESETS,
    Preset,
    camera_ranges_m,
    capacity_km2,
    disc_area,
    fields_of_view,
    get_preset,
    wedge_area,
)

# Lambert-93 coordinates in Metz: large offsets exercise the arithmetic for real.
X0, Y0 = 931_000.0, 6_895_000.0
CRS = "EPSG:2154"


def cameras(*rows, index=None) -> gpd.GeoDataFrame:
    """Cameras from (dx, dy, camera_type, directions[, height_m[, tilt_deg]]) tuples."""
    records = [tuple(row) + (math.nan,) * (6 - len(row)) for row in rows]
    return gpd.GeoDataFrame(
        {
            "id": [f"test:{i}" for i in range(len(records))],
            "camera_type": [r[2] for r in records],
            "directions": [list(r[3]) for r in records],
            "height_m": [float(r[4]) for r in records],
            "tilt_deg": [float(r[5]) for r in records],
        },
        geometry=[shapely.Point(X0 + r[0], Y0 + r[1]) for r in records],
        crs=CRS,
        index=index,
    )


def preset(angle: float, radius: float) -> Preset:
    return Preset(name=f"test-{angle}-{radius}", label="test", source="test",
                  fixed_angle_deg=angle, range_m=radius)


def bearing_point(bearing: float, distance: float) -> shapely.Point:
    b = math.radians(bearing)
    return shapely.Point(X0 + distance * math.sin(b), Y0 + distance * math.cos(b))


@pytest.mark.parametrize("radius", [1.0, 15.7, 35.0, 157.0, 300.0])
@pytest.mark.parametrize("angle", [3.0, 57.0, 80.0, 120.0, 270.0])
def test_wedge_area_matches_closed_form(radius: float, angle: float) -> None:
    fov = fields_of_view(cameras((0, 0, "fixed", [(30.0, 30.0)])), preset(angle, radius))
    expected = math.pi * radius**2 * angle / 360.0
    assert wedge_area(radius, angle) == pytest.approx(expected, rel=1e-12)
    assert fov.iloc[0].is_valid
    assert fov.area.iloc[0] == pytest.approx(expected, rel=0.005)
    # The outline follows the circle: no vertex strays by more than 0.1 % of the radius.
    xy = shapely.get_coordinates(fov.iloc[0])
    distance = np.hypot(xy[:, 0] - X0, xy[:, 1] - Y0)
    arc = distance[distance > radius / 2]
    assert arc.min() >= radius * 0.999 and arc.max() <= radius * 1.001


@pytest.mark.parametrize("radius", [1.0, 35.0, 157.0, 300.0])
@pytest.mark.parametrize("segments", [16, 64, 256])
def test_disc_area_matches_closed_form(radius: float, segments: int) -> None:
    fov = fields_of_view(cameras((0, 0, "dome", [])), preset(57.0, radius),
                         arc_segments=segments)
    assert fov.area.iloc[0] == pytest.approx(disc_area(radius), rel=0.005)
    assert fov.area.iloc[0] == pytest.approx(math.pi * radius**2, rel=0.005)


def test_rings_come_out_counter_clockwise_as_orient_polygons_turns_them() -> None:
    """The rings are drawn counter-clockwise directly (no orient_polygons pass): each
    field is exactly what shapely.orient_polygons makes of it, vertex for vertex."""
    rows = [(0, 0, "fixed", [(d, w)]) for d in (0.0, 45.0, 200.0, 350.0)
            for w in (0.0, 3.0, 120.0, 359.0)]
    rows += [(5, 5, "dome", []), (9, 9, "panning", [(10.0, 90.0)]), (3, 3, "fixed", [])]
    cams = cameras(*rows)
    for p in (*DEFAULT_PRESETS, preset(3.0, 300.0), preset(300.0, 20.0)):
        for segments in (4, 64):
            fov = fields_of_view(cams, p, arc_segments=segments).to_numpy()
            fov = fov[~shapely.is_empty(fov)]
            assert shapely.is_ccw(shapely.get_exterior_ring(fov)).all(), p
            assert shapely.equals_exact(shapely.orient_polygons(fov), fov, tolerance=0).all()
            turned = shapely.get_coordinates(shapely.orient_polygons(fov))
            assert np.array_equal(turned, shapely.get_coordinates(fov))


@pytest.mark.parametrize("distance", [5.0, 35.0, 60.0])
def test_union_of_two_overlapping_discs_is_the_closed_form(distance: float) -> None:
    r = 35.0
    fovs = fields_of_view(cameras((0, 0, "dome", []), (distance, 0, "panning", [])),
                          preset(57.0, r))
    lens = 2 * r**2 * math.acos(distance / (2 * r)) \
        - distance / 2 * math.sqrt(4 * r**2 - distance**2)
    union = shapely.union_all(fovs.to_numpy())
    assert union.area == pytest.approx(2 * math.pi * r**2 - lens, rel=0.005)
    assert fovs.iloc[0].intersection(fovs.iloc[1]).area == pytest.approx(lens, rel=0.005)


def test_a_direction_range_widens_the_wedge_through_north() -> None:
    fov = fields_of_view(cameras((0, 0, "fixed", [(350.0, 10.0)])), "sunders").iloc[0]
    # [350 - 28.5, 10 + 28.5] = 321.5° .. 38.5°, clockwise through north: 77°.
    assert fov.area == pytest.approx(wedge_area(35.0, 77.0), rel=0.005)
    for bearing in (323.0, 350.0, 0.0, 10.0, 37.0):
        assert fov.contains(bearing_point(bearing, 20.0)), bearing
    for bearing in (320.0, 40.0, 180.0, 90.0, 270.0):
        assert not fov.contains(bearing_point(bearing, 20.0)), bearing


def test_several_directions_are_a_union_of_wedges() -> None:
    opposite, overlapping = fields_of_view(
        cameras((0, 0, "fixed", [(0.0, 0.0), (180.0, 180.0)]),
                (0, 0, "fixed", [(0.0, 0.0), (30.0, 30.0)])),
        "sunders",
    )
    assert opposite.area == pytest.approx(2 * wedge_area(35.0, 57.0), rel=0.005)
    assert opposite.contains(bearing_point(180.0, 20.0))
    assert opposite.contains(bearing_point(0.0, 20.0))
    assert not opposite.contains(bearing_point(90.0, 20.0))
    assert overlapping.area == pytest.approx(wedge_area(35.0, 87.0), rel=0.005)
    assert overlapping.is_valid and overlapping.geom_type == "Polygon"


def test_discs_for_turning_cameras_and_unknown_directions() -> None:
    disc = disc_area(35.0)
    wedge = wedge_area(35.0, 57.0)
    fovs = fields_of_view(
        cameras(
            (0, 0, "fixed", [(0.0, 360.0)]),  # all round
            (0, 0, "fixed", []),  # where it looks is unknown
            (0, 0, "unknown", []),
            (0, 0, "unknown", [(45.0, 45.0)]),  # a direction: a wedge
            (0, 0, "dome", [(45.0, 45.0)]),  # a dome turns: a disc
            (0, 0, "panning", []),
            (0, 0, "fixed", [(10.0, 350.0)]),  # 340° + 57° >= 360°: a disc
            (0, 0, "fixed", [(10.0, 300.0)]),  # 290° + 57° = 347°: a wedge
        ),
        "sunders",
    )
    expected = [disc, disc, disc, wedge, disc, disc, disc, wedge_area(35.0, 347.0)]
    assert fovs.area.to_numpy() == pytest.approx(expected, rel=0.005)


@pytest.mark.parametrize("direction, dx, dy", [(0, 0, 1), (90, 1, 0), (180, 0, -1),
                                                (270, -1, 0), (45, 1, 1)])
def test_bearings_are_clockwise_from_north(direction: float, dx: float, dy: float) -> None:
    fov = fields_of_view(cameras((0, 0, "fixed", [(direction, direction)])), "sunders")
    c = fov.iloc[0].centroid
    heading = np.array([c.x - X0, c.y - Y0])
    assert np.dot(heading / np.linalg.norm(heading), np.array([dx, dy]) / math.hypot(dx, dy)) \
        == pytest.approx(1.0, abs=1e-9)


def test_preset_ranges_scale_with_height() -> None:
    sunders = PRESETS["sunders"]
    assert sunders.range_at(5.0) == pytest.approx(35.0)
    assert sunders.range_at(10.0) == pytest.approx(70.0)
    assert sunders.range_at(math.nan) == pytest.approx(35.0)  # the default height
    assert sunders.range_at(2.0) == pytest.approx(21.0)  # SunderS clamps to 3-12 m
    assert sunders.range_at(20.0) == pytest.approx(84.0)
    for name, at_5 in (("panopticity-identification", 15.7),
                       ("panopticity-recognition", 60.5),
                       ("panopticity-observation", 157.0)):
        p = PRESETS[name]
        assert p.range_at(5.0) == pytest.approx(at_5, rel=0.003)
        # PanoptiCity's height factor is (1 + h/10): 2 at 10 m against 1.5 at 5 m.
        assert p.range_at(10.0) == pytest.approx(at_5 * 2.0 / 1.5, rel=0.003)
        assert p.fixed_angle_deg == 80.0 and p.dome_angle_deg == 360.0
    assert PRESETS["factsheet-300m"].range_at(3.0) == PRESETS["factsheet-300m"].range_at(12.0) \
        == 300.0
    # The field of view follows the camera's height_m.
    fovs = fields_of_view(cameras((0, 0, "dome", [], 5.0), (0, 0, "dome", [], 10.0),
                                  (0, 0, "dome", [])), "sunders")
    assert fovs.area.to_numpy() == pytest.approx(
        [disc_area(35.0), disc_area(70.0), disc_area(35.0)], rel=0.005)


def test_tilt_shortens_fixed_cameras_only() -> None:
    cams = cameras((0, 0, "fixed", [(0.0, 0.0)], 5.0, 45.0),
                   (0, 0, "dome", [], 5.0, 45.0),
                   (0, 0, "fixed", [(0.0, 0.0)], 5.0, 10.0),
                   (0, 0, "fixed", [(0.0, 0.0)], 5.0))
    ranges = camera_ranges_m(cams, "sunders").to_numpy()
    assert ranges == pytest.approx([35.0 * math.cos(math.radians(30.0)), 35.0, 35.0, 35.0])
    assert camera_ranges_m(cams, "factsheet-300m").to_numpy() == pytest.approx([300.0] * 4)


def test_unknown_preset_raises_usage_error_listing_the_presets() -> None:
    with pytest.raises(UsageError) as caught:
        get_preset("sunderz")
    message = str(caught.value)
    assert "sunderz" in message
    for name in PRESETS:
        assert name in message
    with pytest.raises(UsageError):
        fields_of_view(cameras((0, 0, "dome", [])), "nope")


def test_presets_are_documented_and_the_defaults_exist() -> None:
    assert set(DEFAULT_PRESETS) <= set(PRESETS)
    assert {"sunders", "panopticity-identification", "panopticity-recognition",
            "panopticity-observation", "factsheet-300m"} <= set(PRESETS)
    for name, p in PRESETS.items():
        assert p.name == name and p.label and len(p.source) > 40
        assert get_preset(p) is p
    assert PRESETS["sunders"].fixed_angle_deg == 57.0
    with pytest.raises(UsageError):
        Preset(name="bad", label="bad", source="x", fixed_angle_deg=0.0, range_m=10.0)
    with pytest.raises(UsageError):
        Preset(name="bad", label="bad", source="x", fixed_angle_deg=60.0)


def test_capacity_is_n_times_one_field_of_view() -> None:
    assert capacity_km2(148, "sunders") == pytest.approx(148 * wedge_area(35.0, 57.0) / 1e6)
    assert capacity_km2(148, "sunders", camera_type="dome") \
        == pytest.approx(148 * disc_area(35.0) / 1e6)
    assert capacity_km2(10, "panopticity-observation", camera_type="panning") \
        == pytest.approx(10 * disc_area(PRESETS["panopticity-observation"].range_at()) / 1e6)
    assert capacity_km2(1, "factsheet-300m") == pytest.approx(wedge_area(300.0, 3.0) / 1e6)
    assert capacity_km2(0, "sunders") == 0.0
    assert capacity_km2(2, "sunders", height_m=10.0) == pytest.approx(
        2 * wedge_area(70.0, 57.0) / 1e6)
    with pytest.raises(UsageError):
        capacity_km2(-1, "sunders")
    with pytest.raises(UsageError):
        capacity_km2(3, "sunders", camera_type="bullet")


def test_index_and_crs_are_kept_and_missing_points_are_empty() -> None:
    cams = cameras((0, 0, "fixed", [(0.0, 0.0)]), (5, 5, "dome", []), (9, 9, "dome", []),
                   index=["osm:node/1", "osm:node/2", "contrib:3"])
    cams.loc["contrib:3", "geometry"] = None
    fovs = fields_of_view(cams, "panopticity-identification")
    assert list(fovs.index) == list(cams.index)
    assert fovs.crs == cams.crs
    assert fovs.is_empty.tolist() == [False, False, True]
    empty = fields_of_view(cams.iloc[:0], "sunders")
    assert len(empty) == 0 and empty.crs == cams.crs


def test_geographic_crs_and_bad_arguments_are_usage_errors() -> None:
    cams = cameras((0, 0, "dome", []))
    with pytest.raises(UsageError, match="metric CRS"):
        fields_of_view(cams.to_crs(settings.STORAGE_CRS), "sunders")
    with pytest.raises(UsageError, match="arc_segments"):
        fields_of_view(cams, "sunders", arc_segments=2)
    with pytest.raises(UsageError, match="directions"):
        fields_of_view(cams.drop(columns="directions"), "sunders")


def test_300m_seen_at_one_moment_versus_reach_by_turning():
    """Synthetic cameras: what is seen at one moment is one 3° wedge per camera (a dome
    along its current heading, an undirected camera at an arbitrary heading); what a dome
    could reach by turning is the 300 m disc. The disc is never the 'seen' preset."""
    import geopandas as gpd
    import shapely

    from geocover.model.fov import capacity_km2, disc_area, fields_of_view, wedge_area

    cams = gpd.GeoDataFrame(
        {"camera_type": ["fixed", "dome", "dome", "panning", "unknown"],
         "directions": [[(90.0, 90.0)], [(10.0, 50.0)], [], [(0.0, 360.0)], []]},
        geometry=[shapely.Point(1000.0 * i, 0) for i in range(5)], crs="EPSG:2154")
    wedge = math.pi * 300 ** 2 * 3 / 360  # hand computation: 2,356.19 m²
    disc = math.pi * 300 ** 2             # 282,743.34 m²
    seen = fields_of_view(cams, "factsheet-300m")
    assert seen.area.to_numpy() == pytest.approx([wedge] * 5, rel=1e-9)
    # the dome with a 10-50° range looks along its middle, 30°: the wedge's axis
    axis = seen.iloc[1].centroid
    assert math.degrees(math.atan2(axis.x - 1000.0, axis.y)) == pytest.approx(30.0, abs=0.5)
    reach = fields_of_view(cams, "factsheet-300m-reach")
    assert reach.area.to_numpy() == pytest.approx([wedge, disc, disc, disc, disc], rel=1e-9)
    assert wedge_area(300.0, 3.0) == pytest.approx(wedge)
    assert disc_area(300.0) == pytest.approx(disc)
    # 148 cameras: 0.349 km² at one moment, whatever their type; 41.85 km² by turning
    for kind in ("dome", "unknown", "fixed"):
        got = capacity_km2(148, "factsheet-300m", camera_type=kind)
        assert got == pytest.approx(148 * wedge / 1e6)
    got = capacity_km2(148, "factsheet-300m-reach", camera_type="dome")
    assert got == pytest.approx(148 * disc / 1e6)
    assert PRESETS["factsheet-300m"].moment and not PRESETS["factsheet-300m-reach"].moment
    assert "one moment" in PRESETS["factsheet-300m"].label
    assert "reach by turning" in PRESETS["factsheet-300m-reach"].label


def test_fields_drawn_from_a_given_table_are_the_same() -> None:
    """fields_of_view(table=sectors(...)) draws the same polygons, bit for bit, and
    refuses a table of other cameras."""
    rng = np.random.default_rng(11)
    n = 300
    kinds = rng.choice(["fixed", "dome", "unknown"], n)
    cams = gpd.GeoDataFrame(
        {"camera_type": kinds,
         "directions": [[(float(a), float(a))] if k == "fixed" else []
                        for k, a in zip(kinds, rng.uniform(0, 360, n), strict=True)],
         "height_m": rng.uniform(3, 9, n), "tilt_deg": np.nan},
        geometry=shapely.points(rng.uniform(0, 2000, (n, 2)) + (652_000, 6_862_000)),
        crs="EPSG:2154")
    for preset in ("sunders", "factsheet-300m"):
        table = fov.sectors(cams, preset)
        own = fov.fields_of_view(cams, preset).to_numpy()
        given = fov.fields_of_view(cams, preset, table=table).to_numpy()
        assert list(shapely.to_wkb(given)) == list(shapely.to_wkb(own))
    with pytest.raises(UsageError, match="not these cameras"):
        fov.fields_of_view(cams.iloc[:10], "sunders", table=fov.sectors(cams, "sunders"))


def test_union_cost_puts_crossing_needles_before_deep_piles() -> None:
    """The order guess: 3° wedges of 300 m crossing each other cost more than as many
    300 m discs piled ten deep over the same square (whose outlines are soon buried),
    and more wedges cost more."""
    rng = np.random.default_rng(2)
    n = 2000
    xy = rng.uniform(0, 3000, (n, 2)) + (652_000, 6_862_000)

    def cams(kind: str, count: int = n) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(
            {"camera_type": [kind] * count,
             "directions": [[(float(a), float(a))] if kind == "fixed" else []
                            for a in rng.uniform(0, 360, count)],
             "height_m": np.nan, "tilt_deg": np.nan},
            geometry=shapely.points(xy[:count]), crs="EPSG:2154")

    area = 3000.0 * 3000.0
    needles = fov.union_cost(fov.sectors(cams("fixed"), "factsheet-300m"), area)
    piles = fov.union_cost(fov.sectors(cams("dome"), "factsheet-300m-reach"), area)
    fewer = fov.union_cost(fov.sectors(cams("fixed", 500), "factsheet-300m"), area)
    assert needles > piles > 0 and needles > fewer > 0
