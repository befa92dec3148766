"""Camera coverage figures: closed forms on synthetic cameras, the real Monaco extract
with buildings and streets, and the capacity analysis."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geocover import analyse
from geocover.model import fov
from geocover.model.coverage import camera_coverage, capacity
from geocover.pipeline.analysis import FieldsOfView
from geocover.schema.city import City
from geocover.schema.frames import empty_cameras
from tests.helpers import X0, Y0, l93_box


def synthetic_cameras(points: list[tuple[float, float]], camera_type: str = "dome",
                      directions=None, height: float = 5.0) -> gpd.GeoDataFrame:
    """Cameras generated for a test (synthetic), in Lambert-93 metres."""
    frame = empty_cameras().to_crs(2154)
    rows = []
    for i, (x, y) in enumerate(points):
        rows.append({
            "id": f"contrib:synthetic-{i}", "source": "synthetic test", "camera_type": camera_type,
            "directions": list(directions or []), "height_m": height, "tilt_deg": np.nan,
            "tags": {}, "geometry": shapely.Point(x, y),
        })
    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=2154)
    return out.reindex(columns=frame.columns)


def test_two_overlapping_domes_give_the_lens_formula():
    r = fov.get_preset("sunders").range_at(5.0)  # 35 m
    d = 40.0
    cams = synthetic_cameras([(X0 + 5000, Y0 + 5000), (X0 + 5000 + d, Y0 + 5000)])
    commune = l93_box(0, 0, 10, 10)
    cov, fields = camera_coverage(cams, commune, "sunders")
    lens = 2 * r * r * math.acos(d / (2 * r)) - d / 2 * math.sqrt(4 * r * r - d * d)
    expected = 2 * math.pi * r * r - lens
    assert cov.area_km2 * 1e6 == pytest.approx(expected, rel=0.005)
    assert cov.share_of_commune == pytest.approx(expected / 1e8, rel=0.005)
    assert not cov.occluded and cov.unoccluded_area_km2 == cov.area_km2
    assert len(fields) == 2


def test_dissolved_coverage_is_the_union_of_its_pieces_computed_once():
    rng = np.random.default_rng(3)
    pts = list(zip(X0 + rng.uniform(0, 3000, 400), Y0 + rng.uniform(0, 3000, 400), strict=False))
    cams = synthetic_cameras(pts)
    commune = l93_box(0, 0, 2.5, 2.5)  # some fields of view cross its edge
    cov, fields = camera_coverage(cams, commune, "sunders")
    plain = shapely.intersection(shapely.union_all(fields.to_numpy()), commune)
    got = cov.dissolved()
    assert got is cov.dissolved()  # the map and the figures share one dissolve
    assert got.is_valid and shapely.get_type_id(got) in (3, 6)
    assert got.area == pytest.approx(plain.area, rel=1e-12)
    assert cov.area_km2 * 1e6 == pytest.approx(plain.area, rel=1e-12)
    assert shapely.symmetric_difference(got, plain).area <= 1e-9 * plain.area


def test_one_worker_per_preset_gives_the_same_coverage(monkeypatch):
    """``workers=1`` (presets side by side, one thread each) computes what the default
    pool computes, and the analysis passes it only when presets share the cores."""
    rng = np.random.default_rng(5)
    pts = list(zip(X0 + rng.uniform(0, 3000, 600), Y0 + rng.uniform(0, 3000, 600), strict=False))
    cams = synthetic_cameras(pts)
    commune = l93_box(0, 0, 2.5, 2.5)
    pooled, fields = camera_coverage(cams, commune, "sunders", workers=4)
    alone, fields_1 = camera_coverage(cams, commune, "sunders", workers=1)
    plain = shapely.intersection(shapely.union_all(fields.to_numpy()), commune).area
    assert alone.area_km2 == pytest.approx(pooled.area_km2, rel=1e-12)
    assert alone.area_km2 * 1e6 == pytest.approx(plain, rel=1e-12)
    assert list(shapely.to_wkb(fields_1.to_numpy())) == list(shapely.to_wkb(fields.to_numpy()))

    from geocover.model import coverage as coverage_module
    from geocover.pipeline import analysis as analysis_module

    seen: list[int | None] = []

    def spy(*args, **kwargs):
        seen.append(kwargs.get("workers"))
        return coverage_module.camera_coverage(*args, **kwargs)

    monkeypatch.setattr(analysis_module, "camera_coverage", spy)
    monkeypatch.setenv("GEOCOVER_WORKERS", "2")
    monkeypatch.setenv("GEOCOVER_COVERAGE_CACHE", "off")
    frame = gpd.GeoDataFrame({"code": ["00000"]}, geometry=[commune], crs=2154)
    from geocover.schema.perimeters import PerimeterSet, empty_perimeters
    from geocover.sources.layers import CameraLayers

    none = PerimeterSet(empty_perimeters(), None)

    layers = CameraLayers(cameras=cams.to_crs(4326))
    analysis_module._coverage(frame, none, layers, "EPSG:2154",
                              ("sunders", "panopticity-recognition"))
    assert seen == [1, 1]  # two presets on two threads: one worker each
    seen.clear()
    analysis_module._coverage(frame, none, layers, "EPSG:2154", ("sunders",))
    assert seen == [None]  # one preset: the engine's own pool


def test_wedge_area_and_clipping_at_the_commune_edge():
    # A fixed camera on the commune's west edge looking west sees nothing inside it;
    # looking east it sees the whole wedge.
    west = synthetic_cameras([(X0, Y0 + 5000)], "fixed", [(270.0, 270.0)])
    east = synthetic_cameras([(X0, Y0 + 5000)], "fixed", [(90.0, 90.0)])
    commune = l93_box(0, 0, 10, 10)
    r = fov.get_preset("sunders").range_at(5.0, 15.0)
    assert camera_coverage(west, commune, "sunders")[0].area_km2 == pytest.approx(0.0, abs=1e-9)
    cov = camera_coverage(east, commune, "sunders")[0]
    assert cov.area_km2 * 1e6 == pytest.approx(math.pi * r * r * 57 / 360, rel=0.005)


def test_share_of_perimeters_and_streets():
    cams = synthetic_cameras([(X0 + 1000, Y0 + 1000)])
    commune = l93_box(0, 0, 10, 10)
    r = fov.get_preset("sunders").range_at(5.0)
    perimeter = l93_box(0.5, 0.5, 1.5, 1.5)  # 1 km² holding the whole disc
    street = gpd.GeoDataFrame({"id": ["s"]}, geometry=[shapely.LineString(
        [(X0, Y0 + 1000), (X0 + 10000, Y0 + 1000)])], crs=2154)
    cov, _ = camera_coverage(cams, commune, "sunders", perimeters_m=perimeter, highways_m=street)
    assert cov.share_of_perimeters == pytest.approx(math.pi * r * r / 1e6, rel=0.005)
    assert cov.streets_km == pytest.approx(10.0)
    assert cov.streets_seen_km == pytest.approx(2 * r / 1000, rel=0.001)
    assert cov.street_share == pytest.approx(2 * r / 10000, rel=0.001)


def test_capacity_is_n_times_one_field():
    band = {c.preset: c for c in capacity(148, ["sunders", "factsheet-300m"], authorized_km2=21.0,
                                          commune_km2=41.75)}
    s = band["sunders"]
    r = fov.get_preset("sunders").range_at(5.0, 15.0)
    assert s.fixed_km2 == pytest.approx(148 * math.pi * r * r * 57 / 360 / 1e6, rel=1e-9)
    assert s.dome_km2 == pytest.approx(148 * math.pi * 35.0**2 / 1e6, rel=1e-9)
    f = band["factsheet-300m"]  # seen at one moment: a dome's 3° wedge too
    assert f.dome_km2 == pytest.approx(148 * math.pi * 0.3**2 * 3 / 360, rel=1e-9)
    assert f.dome_km2 == pytest.approx(f.fixed_km2, rel=1e-9)
    (reach,) = capacity(148, ["factsheet-300m-reach"], authorized_km2=21.0, commune_km2=41.75)
    assert reach.dome_km2 == pytest.approx(148 * math.pi * 0.3**2, rel=1e-9)  # the disc
    assert reach.dome_share_of_authorized == pytest.approx(reach.dome_km2 / 21.0)


@pytest.fixture(scope="module")
def monaco(bundle, tmp_path_factory):
    """Monaco from the real OSM extract. Monaco is no French commune: its 'commune' here
    is the buildings' convex hull buffered 100 m, generated by the test (synthetic)."""
    from geocover.sources import overpass

    _cams, buildings, _ = overpass.load_osm_bundle(bundle, "monaco")
    hull = shapely.convex_hull(shapely.union_all(buildings.geometry.to_numpy()))
    area = gpd.GeoSeries([hull], crs=4326).to_crs(32632).buffer(100).to_crs(4326).iloc[0]
    folder = tmp_path_factory.mktemp("monaco")
    path = folder / "monaco-synthetic-boundary.geojson"
    path.write_text(json.dumps({"type": "Feature", "properties": {
        "code": "99138", "nom": "Monaco (synthetic boundary: hull of the OSM buildings)"},
        "geometry": shapely.geometry.mapping(area)}))
    city = City(slug="monaco", name="Monaco", insee="99138", folder=folder, osm=True)
    return analyse(city, bundle=bundle, commune_file=path)


def test_monaco_occlusion_lowers_coverage(monaco):
    assert len(monaco.cameras) == 16
    assert len(monaco.buildings) == 4534  # 4,575 less 41 roofs and underground structures
    for name, cov in monaco.camera_coverage.items():
        assert cov.occluded
        assert 0 < cov.area_km2 < cov.unoccluded_area_km2, name
        assert cov.streets_km > 50
        assert 0 < cov.streets_seen_km < cov.streets_km
    # Wider presets see more.
    areas = [monaco.camera_coverage[p].unoccluded_area_km2 for p in (
        "panopticity-identification", "panopticity-recognition", "panopticity-observation")]
    assert areas == sorted(areas)


def _plain_buildings_m(bundle, crs: str):
    """Footprints read with plain json and pyproj from the bundle's Overpass answer: the
    ways tagged building=yes with no layer or location tag (walls no camera sees through,
    whatever the parser's rules for roofs and underground structures)."""
    answer = json.loads((bundle / "osm" / "monaco-buildings.overpass.json").read_text())
    to_m = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    polygons = []
    for element in answer["elements"]:
        tags = element.get("tags", {})
        if (element["type"] != "way" or tags.get("building") != "yes" or "layer" in tags
                or "location" in tags or len(element.get("geometry", [])) < 4):
            continue
        xs, ys = to_m.transform([p["lon"] for p in element["geometry"]],
                                [p["lat"] for p in element["geometry"]])
        polygons.append(shapely.make_valid(shapely.Polygon(zip(xs, ys, strict=True))))
    return shapely.union_all(polygons)


def test_monaco_fields_see_no_building_and_never_exceed_their_wedge(monaco, bundle):
    crs = "EPSG:32632"
    cams_m = monaco.cameras.to_crs(crs)
    raw = fov.fields_of_view(cams_m, "panopticity-observation").to_numpy()
    seen = monaco.fields["panopticity-observation"].to_crs(crs).to_numpy()
    walls = _plain_buildings_m(bundle, crs)
    assert walls.area > 3e5  # m²: Monaco's plain buildings cover more than 0.3 km²
    inside_walls = shapely.area(shapely.intersection(seen, walls))
    assert inside_walls.max() < 1.0  # m²: no field of view reaches into a building
    # What is seen lies in the wedge, outside the walls; shadows take more still.
    free = shapely.area(shapely.difference(raw, walls))
    assert (shapely.area(seen) <= free + 1.0).all()
    assert shapely.area(seen).sum() < 0.9 * free.sum()


def test_fields_of_view_are_metric_until_read_then_in_degrees(monaco):
    """The analysis keeps each preset's fields in its metric CRS and gives them in
    EPSG:4326 when read: the same polygons, to a millimetre, once reprojected back."""
    fields = monaco.fields
    assert list(fields) == list(monaco.presets) and len(fields) == len(monaco.presets)
    fresh = FieldsOfView({p: fields.metric(p) for p in fields})
    assert all(p in fresh for p in monaco.presets) and "nothing" not in fresh
    assert not fresh._storage  # asking which presets there are reprojects none
    for preset in fields:
        metric = fields.metric(preset)
        assert metric.crs == monaco.crs
        degrees = fields[preset]
        assert degrees.crs == "EPSG:4326"
        assert fields[preset] is degrees  # reprojected once, then kept
        back = degrees.to_crs(monaco.crs).to_numpy()
        ok = ~shapely.is_empty(metric.to_numpy())
        assert ok.sum() > 0
        gap = shapely.hausdorff_distance(back[ok], metric.to_numpy()[ok])
        assert gap.max() < 1e-3
        lon, lat = shapely.get_coordinates(degrees.to_numpy()).T
        assert 7.3 < lon.min() <= lon.max() < 7.5
        assert 43.7 < lat.min() <= lat.max() < 43.8


def test_report_json_has_the_camera_sections(cli, bundle):
    result = cli("report", "paris", "--bundle", str(bundle), "--format", "json", "--no-osm",
                 "--list", "paris-pvpp2013",
                 "--preset", "sunders", "--preset", "panopticity-observation")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["cameras"]["count"] == 1389
    assert data["cameras"]["by_source"] == {"list:paris-pvpp2013": 1389}
    # Independently: the list's points inside the bundle's Paris polygon.
    pts = gpd.read_file(bundle / "cameras/paris-pvpp-circa2013.geojson")
    paris = gpd.read_file(bundle / "communes/paris-75056-adminexpress2018.geojson").geometry.iloc[0]
    assert data["cameras"]["inside_commune"] == int(
        shapely.contains_xy(paris, pts.geometry.x, pts.geometry.y).sum()
    )
    assert 1300 < data["cameras"]["inside_commune"] < 1389
    assert set(data["coverage"]) == {"sunders", "panopticity-observation"}
    for cov in data["coverage"].values():
        assert cov["occluded"] is False
        assert 0 < cov["area_km2"] <= cov["cameras"] * 0.2
        assert cov["share_of_commune"] == pytest.approx(
            cov["area_km2"] / data["commune"]["area_km2"], rel=1e-5
        )


def test_paris_lists_by_choice(cli, bundle):
    result = cli("report", "paris", "--bundle", str(bundle), "--list", "paris-bovp2019",
                 "--no-osm", "--preset", "sunders", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["cameras"]["count"] == 707
    claims = {c["id"]: c for c in data["claims"]}
    claim = claims["plan-sites-2019"]
    # the 2019 list is of the claim's own date but holds only the 707 sites that could be
    # geocoded: a lower bound, below the claim, that cannot decide it
    assert claim["verdict"] == "unverifiable"
    assert claim["bound"]["kind"] == "lower"
    [source] = claim["sources"]
    assert source["source"] == "list:paris-bovp2019" and source["read"] == 707
    assert source["exhaustive"] is False and source["vintage"] == "2019-02-01"
    assert claim["bound"]["lower"] == source["in_service"] <= source["inside_commune"] <= 707


def test_metz_capacity_for_148_claimed_and_0_mapped(cli, bundle):
    result = cli("report", "--bundle", str(bundle), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["cameras"]["count"] == 0
    assert data["capacity"]["n_cameras"] == 148
    assert data["capacity"]["authorized_km2"] == 21.0
    assert set(data["capacity"]["presets"]) == set(fov.DEFAULT_PRESETS)
    for c in data["capacity"]["presets"].values():
        assert c["dome_km2"] >= c["fixed_km2"] > 0
    text = cli("report", "--bundle", str(bundle)).stdout
    assert "Capacity: the most 148 claimed cameras could see" in text
    assert "none mapped in the sources read" in text and "lower bound" in text


def test_camera_file_option_replaces_sources(cli, bundle, tmp_path):
    import shapely as sh

    c = (
        gpd.read_file(bundle / "geo-api/communes-57463-contour.json")
        .to_crs(2154)
        .geometry.iloc[0]
        .centroid
    )
    pts = gpd.GeoSeries([sh.Point(c.x, c.y), sh.Point(c.x + 1000, c.y)], crs=2154).to_crs(4326)
    csv = tmp_path / "synthetic-cameras.csv"
    csv.write_text("lat,lon,camera:type\n" + "".join(f"{p.y},{p.x},dome\n" for p in pts))
    result = cli("report", "--bundle", str(bundle), "--cameras", str(csv), "--preset", "sunders",
                 "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["cameras"]["count"] == 2
    assert data["coverage"]["sunders"]["area_km2"] == pytest.approx(
        2 * math.pi * 35**2 / 1e6, rel=0.005
    )


def test_unknown_preset_is_a_usage_error(cli, bundle):
    result = cli("report", "--bundle", str(bundle), "--preset", "nope")
    assert result.returncode == 2
    assert "unknown field-of-view preset 'nope'" in result.stderr
