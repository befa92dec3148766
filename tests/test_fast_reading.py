"""The faster readers of camera files read exactly what the plain ones did: the same rows,
the same points, and on a bad file the same error on the same feature."""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pytest
import shapely

from geocover.errors import DataError
from geocover.io.coords import declares_crs
from geocover.io.records import _geojson_records
from geocover.sources import citizen
from geocover.sources.citizen_map import read_sous_surveillance


def _reference_records(data, path):
    """The feature loop of ``_geojson_records`` as it was, one check after another."""
    rows, props, xs, ys = [], [], [], []
    crs = data.get("crs") if isinstance(data, Mapping) else None
    check = not crs
    for number, feature in enumerate(data["features"], start=1):
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            raise DataError("not a GeoJSON Feature", path, number)
        geometry = feature.get("geometry")
        if not geometry:
            raise DataError("missing coordinates: the feature has no geometry", path, number)
        kind = geometry.get("type") if isinstance(geometry, Mapping) else None
        if kind != "Point":
            raise DataError(
                f"a camera is a Point, not a {kind}: draw one point per camera site", path, number
            )
        coordinates = geometry.get("coordinates")
        if (
            not isinstance(coordinates, list)
            or len(coordinates) < 2
            or not all(isinstance(c, (int, float)) for c in coordinates[:2])
        ):
            raise DataError("missing coordinates: the Point has no [lon, lat]", path, number)
        x, y = float(coordinates[0]), float(coordinates[1])
        if check:
            if not (math.isfinite(x) and math.isfinite(y)):
                raise DataError("coordinates are not finite numbers", path, number)
            if not (-180 <= x <= 180 and -90 <= y <= 90):
                raise DataError(
                    f"coordinates ({x:g}, {y:g}) are not WGS84 longitude/latitude: are they "
                    "projected (e.g. Lambert-93)? give degrees, or a GeoJSON with its CRS",
                    path, number,
                )
        properties = feature.get("properties") or {}
        if not isinstance(properties, Mapping):
            raise DataError("'properties' is not an object", path, number)
        rows.append(number)
        props.append(dict(properties))
        xs.append(x)
        ys.append(y)
    return rows, props, xs, ys


def _outcome(read, data, path):
    try:
        out = read(data, path)
    except DataError as exc:
        return ("error", str(exc))
    if not isinstance(out, tuple):
        out = (out.rows, out.props, out.x, out.y)
    return ("rows", out)


@pytest.mark.parametrize("name", [
    "cameras/paris-police-2025-06-01.geojson",
    "cameras/paris-bovp2019-geocoded.geojson",
    "cameras/paris-pvpp-circa2013.geojson",
    "cameras/sous-surveillance-net-2025-06-01.geojson",
])
def test_bundle_camera_files_read_as_before(bundle, name):
    path = bundle / name
    data = json.loads(path.read_text(encoding="utf-8"))
    expected = _reference_records(data, path)
    records = _geojson_records(data, path)
    assert (records.rows, records.props, records.x, records.y) == expected
    assert len(records.rows) == len(data["features"]) > 500


def _odd_feature(rng: random.Random) -> object:
    """A feature the common case does not take: half of them still readable (bool, int
    or 3D coordinates; properties None, [] or 0), half not."""
    if rng.random() < 0.5:
        coordinates = rng.choice([[True, 48.85], [2, 48], [2.35, 48.85, 35.0], [2.3, False]])
        properties = rng.choice([None, [], 0, "", {}])
        feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": coordinates}}
        if rng.random() < 0.8:
            feature["properties"] = properties
        return feature
    x = rng.choice([2.35, -200.0, 1e999, 600_000.0, "2.3", None])
    y = rng.choice([48.85, 95.0, -1e999, 6_800_000.0])
    coordinates = rng.choice([[x, y], [x, y, 35.0], [x], (x, y), "2.3,48.8", None])
    geometry = rng.choice([
        {"type": "Point", "coordinates": coordinates},
        {"type": "Point", "coordinates": coordinates},
        {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
        {}, None, [1, 2], {"type": "Point"},
    ])
    properties = rng.choice([{"a": 1}, None, "text", ["a"]])
    return rng.choice([
        {"type": "Feature", "geometry": geometry, "properties": properties},
        {"type": "Feature", "geometry": geometry, "properties": properties},
        {"type": "feature", "geometry": geometry},
        ["Feature"],
        None,
    ])


def _good_feature(rng: random.Random) -> dict:
    return {"type": "Feature", "properties": {"id": rng.randrange(10**6)},
            "geometry": {"type": "Point",
                         "coordinates": [rng.uniform(-5, 9), rng.uniform(41, 51)]}}


@pytest.mark.parametrize("crs", [None, {"type": "name", "properties": {"name": "EPSG:2154"}}])
def test_odd_features_give_the_same_rows_or_the_same_error(crs):
    """Random collections mixing good and odd features (bool or text coordinates, NaN,
    projected numbers, lines, missing properties…): each gives what the one-check-after-
    another loop gave, the error of the first bad feature included."""
    rng = random.Random(20250601)
    errors = 0
    for trial in range(1500):
        features = [_good_feature(rng) for _ in range(rng.randrange(0, 6))]
        for _ in range(rng.randrange(1, 4)):
            features.insert(rng.randrange(len(features) + 1), _odd_feature(rng))
        data = {"type": "FeatureCollection", "features": features}
        if crs is not None:
            data["crs"] = crs
        path = Path(f"trial-{trial}.geojson")
        expected = _outcome(_reference_records, data, path)
        assert _outcome(_geojson_records, data, path) == expected, features
        errors += expected[0] == "error"
    assert 300 < errors < 1200  # both outcomes were exercised


def test_declares_crs_only_for_a_top_level_member(tmp_path, bundle):
    def write(name, text, encoding="utf-8"):
        path = tmp_path / name
        path.write_text(text, encoding=encoding)
        return declares_crs(path, None)

    crs = '{"type": "name", "properties": {"name": "EPSG:2154"}}'
    member = '{"type": "FeatureCollection", "crs": ' + crs + ', "features": []}'
    assert write("a.geojson", member)
    assert not write("b.geojson", '{"type": "FeatureCollection", "features": []}')
    # "crs" spelled with an escape is still the member
    assert write("c.geojson", member.replace('"crs"', '"\\u0063rs"'))
    # a property named crs is not the collection's CRS
    assert not write("d.geojson", '{"type": "FeatureCollection", "features": [{"type": '
                     '"Feature", "properties": {"crs": {"a": 1}}, "geometry": null}]}')
    # UTF-16 has no '"crs"' byte string, yet names its CRS
    assert write("e.geojson", member, encoding="utf-16")
    files = (sorted(bundle.glob("*/*.geojson")) + sorted((bundle / "geo-api").glob("*.json"))
             + sorted((bundle / "communes/france").glob("*.geojson"))[:3])
    for path in files:
        data = json.loads(path.read_bytes())
        assert declares_crs(path, None) is isinstance(data.get("crs"), dict), path


def _citizen_file(tmp_path, features):
    path = tmp_path / "ssn.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    return path


def _camera(key, x=2.35, y=48.85, **props):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
            "properties": {"id_camera": key, "apparence": "dome", "direction": 0, **props}}


def test_citizen_ids_checked_outside_the_area_too(tmp_path):
    paris = shapely.box(2.2, 48.8, 2.5, 48.9)
    ok = _citizen_file(tmp_path, [_camera(1), _camera(2, x=5.0), _camera(" 3 ")])
    frame, _, read = read_sous_surveillance(ok, area=paris)
    assert read == 3 and frame["id"].tolist() == [
        "list:sous-surveillance-net:1", "list:sous-surveillance-net:3"]
    # a duplicate (after stripping) outside the area is still an error, on the later one
    twice = _citizen_file(tmp_path, [_camera(1), _camera(7, x=5.0), _camera(" 7", x=6.0)])
    with pytest.raises(DataError, match="id_camera '7' also on feature 2") as info:
        read_sous_surveillance(twice, area=paris)
    assert info.value.row == 3
    # the first problem in file order wins: a blank id before a duplicate
    blank = _citizen_file(tmp_path, [_camera(1), _camera(" ", x=5.0), _camera(1)])
    with pytest.raises(DataError, match="no id_camera") as info:
        read_sous_surveillance(blank, area=paris)
    assert info.value.row == 2
    no_key = _camera(2)
    del no_key["properties"]["id_camera"]
    missing = _citizen_file(tmp_path, [_camera(1), no_key, _camera(1)])
    with pytest.raises(DataError, match="no id_camera") as info:
        read_sous_surveillance(missing)
    assert info.value.row == 2


def test_citizen_map_rows_only_inside(bundle):
    """The bundle's map read around Paris: the rows of the points inside, in file order,
    each with its properties as tags."""
    path = bundle / citizen.PATH
    raw = json.loads(path.read_text(encoding="utf-8"))["features"]
    area = shapely.box(2.2241, 48.8156, 2.4699, 48.9022).buffer(0.01)
    inside = [f for f in raw if shapely.contains_xy(area, *f["geometry"]["coordinates"][:2])]
    frame, _, read = read_sous_surveillance(path, area=area)
    assert read == len(raw)
    assert frame["id"].tolist() == [
        f"list:sous-surveillance-net:{str(f['properties']['id_camera']).strip()}" for f in inside]
    assert frame["tags"].tolist() == [f["properties"] for f in inside]


class _Text(str):
    def strip(self, chars=None):  # a str subclass with its own idea of stripping
        return _Text(str.strip(self, chars).upper())


@pytest.mark.parametrize("value", [None, "", "  ", " a ", "a", "\t\n", 0, 0.0, math.nan, [],
                                   {}, _Text(" x "), _Text("  "), 12, "0", pd.NA])
def test_text_or_none_as_its_rule(value):
    from geocover.schema.blank import is_blank, text_or_none

    assert text_or_none(value) == (None if is_blank(value) else str(value).strip())


def test_communes_near_by_box_as_the_whole_file_filtered(bundle):
    """The département's communes read with GDAL's box filter are those of the whole file
    (parsed independently, with json and shapely) that meet the box, with the same
    geometry; Metz's neighbours found from them are those found from the whole file."""
    from geocover.sources.communes import _communes_near, load_commune, neighbours_from_bundle

    path = bundle / "geo-api/departements-57-communes-contour.json"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    codes = [str(f["properties"]["code"]) for f in features]
    shapes = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    metz = load_commune("57463", bundle=bundle)
    around = metz.geometry.iloc[0].buffer(1e-4)
    box = shapely.box(*around.bounds)
    near = _communes_near(path, around.bounds)
    assert near.crs.to_epsg() == 4326 and list(near.columns) == ["code", "name", "geometry"]
    by_code = dict(zip(codes, shapes, strict=True))
    meets_box = {c for c, g in by_code.items() if shapely.intersects(g, box)}
    envelope_meets = {c for c, g in by_code.items() if shapely.intersects(g.envelope, box)}
    assert meets_box <= set(near["code"]) <= envelope_meets
    assert 10 < len(near) < 60 < len(features)  # a few dozen of the département's 727
    for code, geometry in zip(near["code"], near.geometry, strict=True):
        assert shapely.equals_exact(geometry, by_code[code], tolerance=0)
    touching = sorted(c for c, g in by_code.items()
                      if c != "57463" and shapely.intersects(g, around))
    found = neighbours_from_bundle(bundle, metz)
    assert sorted(found["code"].drop_duplicates()) == touching


def test_neighbours_read_when_first_drawn(bundle):
    """The report draws no neighbour: analyse() leaves them unread; the first read (the map,
    the figures) finds the communes touching Metz, as json and shapely find them in the
    département's file, and keeps them."""
    from geocover.pipeline.analysis import analyse

    analysis = analyse("metz", bundle=bundle)
    assert analysis._neighbours_read is False
    path = bundle / "geo-api/departements-57-communes-contour.json"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    around = analysis.commune.to_crs(4326).geometry.iloc[0].buffer(1e-4)
    touching = sorted({str(f["properties"]["code"]) for f in features
                       if str(f["properties"]["code"]) != "57463"
                       and shapely.intersects(shapely.from_geojson(json.dumps(f["geometry"])),
                                              around)})
    found = analysis.neighbours
    assert found is not None and sorted(found["code"]) == touching
    assert analysis.neighbours is found  # read once
    analysis.neighbours = None  # what a caller sets is kept
    assert analysis.neighbours is None


def test_empty_layers_are_those_built_from_empty_series():
    """The empty layers (cameras, perimeters, the four compliance tables) are built from
    empty arrays, faster: they are the frames built from empty Series as before, column
    for column, dtypes, index, CRS and geometry column alike."""
    import geopandas as gpd

    from geocover import settings
    from geocover.schema.frames import empty_cameras
    from geocover.schema.perimeters import PERIMETER_COLUMNS, empty_perimeters
    from geocover.schema.vocab import _FLOAT_COLUMNS, CAMERA_COLUMNS
    from geocover.verdicts.compliance import _COLUMNS, _empty

    def before(dtypes: dict[str, str], after: dict[str, str] | None = None):
        frame = gpd.GeoDataFrame({c: pd.Series(dtype=d) for c, d in dtypes.items()},
                                 geometry=gpd.GeoSeries([], crs=settings.STORAGE_CRS),
                                 crs=settings.STORAGE_CRS)
        for c, d in (after or {}).items():
            frame[c] = pd.Series(dtype=d)
        return frame

    pairs = [
        (empty_cameras(), before({c: "float64" if c in _FLOAT_COLUMNS else "object"
                                  for c in CAMERA_COLUMNS[:-1]})),
        (empty_perimeters(), before({c: "object" for c in PERIMETER_COLUMNS if c != "geometry"},
                                    {"status": "object", "repaired": "bool"})),
    ] + [(_empty(name), before(dict.fromkeys(columns, "object")))
         for name, columns in _COLUMNS.items()]
    for got, expected in pairs:
        pd.testing.assert_frame_equal(got, expected, check_index_type=True,
                                      check_column_type=True)
        assert type(got.index) is type(expected.index)
        assert got.geometry.name == expected.geometry.name == "geometry"
        assert got.crs == expected.crs and got.geometry.crs == expected.geometry.crs
        assert got.to_json() == expected.to_json()


def test_fields_of_view_of_no_camera():
    """No camera: an empty series named fov in the cameras' CRS and index, for each preset;
    a layer without camera_type is still refused."""
    import geopandas as gpd

    from geocover.errors import UsageError
    from geocover.model.fov import PRESETS, fields_of_view
    from geocover.schema.frames import empty_cameras

    cameras = empty_cameras().to_crs("EPSG:2154")
    for name in PRESETS:
        fields = fields_of_view(cameras, name)
        assert isinstance(fields, gpd.GeoSeries) and len(fields) == 0
        assert fields.name == "fov" and fields.crs == cameras.crs
        assert fields.index.equals(cameras.index) and fields.dtype == "geometry"
    with pytest.raises(UsageError, match="camera_type"):
        fields_of_view(cameras.drop(columns="camera_type"), "sunders")
