"""Occlusion: hand-built scenes with known answers, brute-force ray casting, and Monaco."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geocover.errors import UsageError
from geocover.model.fov import PRESETS, Preset, disc_area, fields_of_view, wedge_area
from geocover.model.occlusion import prepare_buildings, visible_fields

X0, Y0 = 931_000.0, 6_895_000.0
CRS = "EPSG:2154"


def cameras(*rows) -> gpd.GeoDataFrame:
    """Cameras from (dx, dy, camera_type, directions) tuples, around (X0, Y0)."""
    return gpd.GeoDataFrame(
        {
            "camera_type": [r[2] for r in rows],
            "directions": [list(r[3]) for r in rows],
            "height_m": np.nan,
            "tilt_deg": np.nan,
        },
        geometry=[shapely.Point(X0 + r[0], Y0 + r[1]) for r in rows],
        crs=CRS,
    )


def buildings(*geoms: shapely.Geometry) -> gpd.GeoDataFrame:
    """Buildings from geometries drawn around (0, 0), moved to (X0, Y0)."""
    moved = [shapely.affinity.translate(g, X0, Y0) for g in geoms]
    return gpd.GeoDataFrame({"id": range(len(moved)), "height_m": np.nan},
                            geometry=moved, crs=CRS)


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(x0, y0, x1, y1)


def local(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.affinity.translate(geom, -X0, -Y0)


def visible_by_rays(fov: shapely.Geometry, camera: shapely.Point,
                    footprints: np.ndarray, spacing: float):
    """Brute force: grid points inside ``fov``, each visible iff the segment from the
    camera to it crosses no building's interior (and it is in no building).

    Returns the points' x, y and a boolean mask of the visible ones.
    """
    x0, y0, x1, y1 = fov.bounds
    xs, ys = np.meshgrid(np.arange(x0 + spacing / 2, x1, spacing),
                         np.arange(y0 + spacing / 2, y1, spacing))
    x, y = xs.ravel(), ys.ravel()
    inside = shapely.contains_xy(fov, x, y)
    x, y = x[inside], y[inside]
    footprints = shapely.make_valid(np.asarray(footprints, dtype=object))
    obstacles = shapely.union_all(footprints[shapely.intersects(footprints, fov)])
    shapely.prepare(obstacles)
    start = np.broadcast_to([camera.x, camera.y], (len(x), 2))
    rays = shapely.linestrings(np.stack([start, np.column_stack([x, y])], axis=1))
    blocked = shapely.relate_pattern(rays, obstacles, "T********") \
        | shapely.intersects_xy(obstacles, x, y)
    return x, y, ~blocked


def assert_matches_rays(visible: shapely.Geometry, fov: shapely.Geometry,
                        camera: shapely.Point, footprints, spacing: float) -> None:
    """The exact result and ray casting agree: < 1 % of sample points classified
    differently, and areas within 1 %."""
    x, y, seen = visible_by_rays(fov, camera, np.asarray(footprints, dtype=object), spacing)
    inside = shapely.contains_xy(visible, x, y)
    assert (inside != seen).mean() < 0.01
    estimate = seen.mean() * fov.area
    assert visible.area == pytest.approx(estimate, rel=0.01, abs=0.01 * fov.area)


def test_a_wall_across_the_wedge_hides_everything_behind_it() -> None:
    cams = cameras((0, 0, "fixed", [(0.0, 0.0)]))
    wall = buildings(box(-100, 20, 100, 26))
    fovs = fields_of_view(cams, "sunders")
    visible = visible_fields(fovs, cams, wall).iloc[0]
    half = math.radians(57.0 / 2)
    # The wall (y = 20) crosses both sides of the wedge before the arc (35 cos 28.5° =
    # 30.8 m): what is left is the triangle of height 20 and half-width 20 tan 28.5°.
    assert visible.area == pytest.approx(20.0**2 * math.tan(half), rel=1e-6)
    assert local(visible).intersection(box(-100, 20, 100, 100)).area == pytest.approx(0, abs=1e-6)
    assert visible.difference(fovs.iloc[0]).area == pytest.approx(0, abs=1e-6)


def test_a_wall_cutting_the_arc_removes_a_circular_segment() -> None:
    cams = cameras((0, 0, "fixed", [(0.0, 0.0)]))
    d, r = 33.0, 35.0
    wall = buildings(box(-100, d, 100, d + 6))
    visible = visible_fields(fields_of_view(cams, "sunders"), cams, wall).iloc[0]
    # The chord y = 33 meets the circle at ±11.7 m, 19.5° off axis, inside the wedge.
    segment = r**2 * math.acos(d / r) - d * math.sqrt(r**2 - d**2)
    assert visible.area == pytest.approx(wedge_area(r, 57.0) - segment, rel=0.005)
    assert_matches_rays(visible, fields_of_view(cams, "sunders").iloc[0],
                        cams.geometry.iloc[0], wall.geometry.to_numpy(), 0.1)


def test_a_courtyard_camera_sees_only_the_courtyard() -> None:
    hole = box(-10, -10, 10, 10)
    block = buildings(shapely.Polygon(box(-30, -30, 30, 30).exterior.coords,
                                      [hole.exterior.coords]))
    cams = cameras((0, 0, "dome", []), (-5, -5, "fixed", [(45.0, 45.0)]))
    fovs = fields_of_view(cams, "sunders")
    visible = visible_fields(fovs, cams, block)
    # The 35 m disc covers the 20 x 20 m courtyard (half-diagonal 14.1 m).
    assert visible.iloc[0].area == pytest.approx(400.0, rel=1e-6)
    assert local(visible.iloc[0]).difference(hole).area == pytest.approx(0, abs=1e-6)
    assert visible.iloc[1].area == pytest.approx(local(fovs.iloc[1]).intersection(hole).area,
                                                 rel=1e-6)
    assert local(visible.iloc[1]).difference(hole).area == pytest.approx(0, abs=1e-6)


def test_a_camera_on_a_wall_is_not_blinded_by_its_own_building() -> None:
    host = buildings(box(0, -10, 20, 0))  # the camera at (10, 0) is on its north wall
    cams = cameras((10, 0, "fixed", [(0.0, 0.0)]),  # looks away from its wall
                   (10, 0, "dome", []),
                   (10, 0, "fixed", [(180.0, 180.0)]),  # looks into its own building
                   (10, -0.3, "dome", []),  # mapped 30 cm inside the footprint
                   (10, 0.3, "dome", []),  # mapped 30 cm in front of the wall
                   (0, 0, "dome", []))  # on the corner
    fovs = fields_of_view(cams, "sunders")
    visible = visible_fields(fovs, cams, host)
    area = visible.area.to_numpy()
    assert area[0] == pytest.approx(fovs.iloc[0].area, rel=1e-9)
    # A dome on the wall sees the open half-plane, nothing behind its building.
    assert area[1] == pytest.approx(disc_area(35.0) / 2, rel=0.005)
    assert local(visible.iloc[1]).intersection(box(-50, -50, 70, -0.01)).area \
        == pytest.approx(0, abs=1e-6)
    assert area[2] < 0.5
    # Mapped inside: seen from the wall point (10, 0), the disc centred 0.3 m lower
    # keeps its part north of the wall: a circular segment.
    r, d = 35.0, 0.3
    assert area[3] == pytest.approx(r**2 * math.acos(d / r) - d * math.sqrt(r**2 - d**2),
                                    rel=0.005)
    assert local(visible.iloc[3]).intersection(box(-50, -50, 70, -0.5)).area \
        == pytest.approx(0, abs=1e-6)
    assert_matches_rays(visible.iloc[4], fovs.iloc[4], cams.geometry.iloc[4],
                        host.geometry.to_numpy(), 0.15)
    # From the north-west corner: three quarters of the disc.
    assert area[5] == pytest.approx(disc_area(35.0) * 3 / 4, rel=0.005)
    assert (area <= fovs.area.to_numpy() + 1e-6).all()


def test_a_camera_mapped_behind_a_party_wall_is_put_on_the_street_facade() -> None:
    # Two terraced houses share the wall x = 10; the street is north of y = 0. The
    # camera is mapped 10 cm inside the west house, 50 cm from the street façade: the
    # nearest outline is the party wall, but the camera is on the façade.
    terrace = buildings(box(0, -10, 10, 0), box(10, -10, 20, 0), box(20, -10, 30, 0))
    cams = cameras((9.9, -0.5, "dome", []), (20, 0, "dome", []))
    fovs = fields_of_view(cams, "sunders")
    visible = visible_fields(fovs, cams, terrace)
    for i in range(len(cams)):
        assert local(visible.iloc[i]).intersection(box(-50, -50, 80, -0.01)).area \
            == pytest.approx(0, abs=1e-6)
    # Seen from (9.9, 0) or (10, 0): the part of the fov disc north of the façade.
    r, d = 35.0, 0.5
    assert visible.area.iloc[0] == pytest.approx(
        r**2 * math.acos(d / r) - d * math.sqrt(r**2 - d**2), rel=0.005)
    assert visible.area.iloc[1] == pytest.approx(disc_area(r) / 2, rel=0.005)


def test_a_camera_on_a_concave_building_is_hidden_by_its_other_wing() -> None:
    # An L: the camera is on the inner wall of the long wing, facing the short wing.
    ell = shapely.Polygon([(0, 0), (40, 0), (40, 10), (10, 10), (10, 30), (0, 30)])
    host = buildings(ell)
    cams = cameras((25, 10, "dome", []), (10, 20, "fixed", [(60.0, 60.0)]))
    fovs = fields_of_view(cams, "sunders")
    visible = visible_fields(fovs, cams, host)
    for i in range(len(cams)):
        assert_matches_rays(visible.iloc[i], fovs.iloc[i], cams.geometry.iloc[i],
                            host.geometry.to_numpy(), 0.25)
    # The dome cannot see past the short wing (x < 10, y > 10) except above it.
    assert local(visible.iloc[0]).intersection(box(-40, 10, 0, 30)).area \
        == pytest.approx(0, abs=1e-6)


def test_an_obstacle_partly_in_the_wedge_casts_the_right_shadow() -> None:
    obstacle = shapely.affinity.rotate(box(-4, 12, 9, 16), 20, origin=(0, 0))
    scene = buildings(
        obstacle,
        shapely.Polygon([(15, 5), (30, 8), (22, 14), (26, 25), (12, 18)]),  # concave
        shapely.Polygon(box(-40, 25, -5, 50).exterior.coords,
                        [box(-30, 30, -15, 40).exterior.coords]),  # with a courtyard
        shapely.MultiPolygon([box(5, 26, 8, 29), box(10, 28, 11, 33)]),
        box(60, 60, 70, 70),  # out of reach
    )
    cams = cameras((0, 0, "fixed", [(20.0, 20.0)]), (0, 0, "fixed", [(330.0, 30.0)]),
                   (2, -3, "dome", []))
    for name in ("sunders", "panopticity-recognition"):
        fovs = fields_of_view(cams, name)
        visible = visible_fields(fovs, cams, scene)
        assert (visible.area < fovs.area).all()
        for i in range(len(cams)):
            assert_matches_rays(visible.iloc[i], fovs.iloc[i], cams.geometry.iloc[i],
                                scene.geometry.to_numpy(), 0.25 if name == "sunders" else 0.6)


def test_a_random_street_scene_matches_ray_casting() -> None:
    rng = np.random.default_rng(7)
    blocks = []
    for cx, cy in rng.uniform(-60, 60, (40, 2)):
        if math.hypot(cx, cy) < 8:
            continue
        w, h = rng.uniform(3, 15, 2)
        blocks.append(shapely.affinity.rotate(box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2),
                                              rng.uniform(0, 90)))
    scene = buildings(*blocks)
    wide = Preset(name="test-wide", label="test", source="test", fixed_angle_deg=100.0,
                  range_m=60.0)
    cams = cameras((0, 0, "dome", []), (1, -1, "fixed", [(100.0, 100.0)]),
                   (-2, 3, "fixed", [(300.0, 20.0), (150.0, 150.0)]))
    fovs = fields_of_view(cams, wide)
    visible = visible_fields(fovs, cams, scene)
    for i in range(len(cams)):
        assert_matches_rays(visible.iloc[i], fovs.iloc[i], cams.geometry.iloc[i],
                            scene.geometry.to_numpy(), 0.5)


def test_invalid_footprints_are_repaired() -> None:
    bow_tie = shapely.Polygon([(-5, 10), (5, 20), (5, 10), (-5, 20)])
    assert not bow_tie.is_valid
    scene = buildings(bow_tie)
    assert all(p.is_valid for p in prepare_buildings(scene))
    cams = cameras((0, 0, "dome", []))
    fovs = fields_of_view(cams, "sunders")
    visible = visible_fields(fovs, cams, scene)
    assert visible.iloc[0].is_valid and visible.area.iloc[0] < fovs.area.iloc[0]
    assert_matches_rays(visible.iloc[0], fovs.iloc[0], cams.geometry.iloc[0],
                        scene.geometry.to_numpy(), 0.15)


def test_nothing_to_hide_and_alignment_checks() -> None:
    cams = cameras((0, 0, "dome", []), (50, 0, "fixed", [(90.0, 90.0)]))
    fovs = fields_of_view(cams, "sunders")
    none = buildings()
    assert visible_fields(fovs, cams, none).geom_equals(fovs).all()
    far = buildings(box(500, 500, 510, 510))
    same = visible_fields(fovs, cams, far)
    assert same.geom_equals(fovs).all() and same.crs == fovs.crs
    assert list(same.index) == list(fovs.index)
    with pytest.raises(UsageError, match="aligned"):
        visible_fields(fovs.iloc[:1], cams, far)
    with pytest.raises(UsageError, match="same metric CRS"):
        visible_fields(fovs, cams, far.set_crs("EPSG:32631", allow_override=True))
    with pytest.raises(UsageError, match="metric CRS"):
        visible_fields(fovs, cams, far.to_crs("EPSG:4326"))


# --- Monaco: the real OSM extract -------------------------------------------------

def _monaco_buildings(path: Path) -> gpd.GeoDataFrame:
    """Buildings of an Overpass ``out geom`` answer (closed ways), in EPSG:4326.

    Roofs (canopies one sees under) and underground structures are not obstacles.
    """
    rows = []
    for element in json.loads(path.read_text())["elements"]:
        tags = element.get("tags", {})
        if element["type"] != "way" or tags.get("building") == "roof" \
                or tags.get("underground") == "yes" or tags.get("location") == "underground" \
                or tags.get("layer", "0").startswith("-"):
            continue
        ring = [(p["lon"], p["lat"]) for p in element["geometry"]]
        if len(ring) >= 4 and ring[0] == ring[-1]:
            rows.append((f"osm:way/{element['id']}", shapely.Polygon(ring)))
    return gpd.GeoDataFrame({"id": [r[0] for r in rows], "height_m": np.nan},
                            geometry=[r[1] for r in rows], crs="EPSG:4326")


def _monaco_cameras(path: Path) -> gpd.GeoDataFrame:
    """Cameras of an Overpass answer, with just the columns the field of view needs."""
    rows = []
    for element in json.loads(path.read_text())["elements"]:
        tags = element.get("tags", {})
        kind = tags.get("camera:type", "unknown")
        kind = {"static": "fixed"}.get(kind, kind)
        kind = kind if kind in ("fixed", "dome", "panning") else "unknown"
        value = tags.get("camera:direction") or tags.get("direction") \
            or tags.get("surveillance:direction")
        directions = []
        for item in (value.split(";") if value else []):
            start, _, end = item.partition("-")
            directions.append((float(start) % 360, float(end or start) % 360))
        rows.append((f"osm:node/{element['id']}", kind, directions,
                     shapely.Point(element["lon"], element["lat"])))
    return gpd.GeoDataFrame(
        {"id": [r[0] for r in rows], "camera_type": [r[1] for r in rows],
         "directions": [r[2] for r in rows], "height_m": np.nan, "tilt_deg": np.nan},
        geometry=[r[3] for r in rows], crs="EPSG:4326",
    ).set_index("id", drop=False)


@pytest.fixture(scope="module")
def monaco(bundle: Path):
    cams = _monaco_cameras(bundle / "osm" / "monaco-surveillance.overpass.json")
    blds = _monaco_buildings(bundle / "osm" / "monaco-buildings.overpass.json")
    return cams.to_crs("EPSG:32632"), blds.to_crs("EPSG:32632")


@pytest.mark.parametrize("name", ["sunders", "panopticity-observation"])
def test_monaco_occlusion(monaco, name: str) -> None:
    cams, blds = monaco
    assert len(cams) == 16 and len(blds) > 4_500
    fovs = fields_of_view(cams, name)
    started = time.perf_counter()
    visible = visible_fields(fovs, cams, blds)
    elapsed = time.perf_counter() - started
    assert elapsed < 30.0
    assert visible.is_valid.all() and list(visible.index) == list(cams.index)
    assert (visible.area <= fovs.area + 1e-6).all()
    assert visible.difference(fovs).area.max() < 1e-6
    footprints = blds.geometry.to_numpy()
    tree = shapely.STRtree(footprints)
    cam, bld = tree.query(fovs.to_numpy(), predicate="intersects")
    overlap = shapely.area(shapely.intersection(fovs.to_numpy()[cam], footprints[bld]))
    blocked = np.unique(cam[overlap > 0.01])
    assert len(blocked) >= 12
    assert (visible.area.to_numpy()[blocked] < fovs.area.to_numpy()[blocked]).all()
    # Cameras clear of every building: the exact isovist agrees with ray casting.
    _, distance = tree.query_nearest(cams.geometry.to_numpy(), return_distance=True,
                                     all_matches=False)
    clear = np.flatnonzero(distance > 0.5)
    assert len(clear) >= 10
    spacing = PRESETS[name].range_at() / 60
    for i in clear[:6]:
        assert_matches_rays(visible.iloc[i], fovs.iloc[i], cams.geometry.iloc[i], footprints,
                            spacing)
