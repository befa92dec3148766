"""Tests of geocover.schema.vocab: tag grammar, normalizers, files, round-trips, bad input."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from geocover.errors import DataError, UsageError
from geocover.schema.frames import empty_cameras
from geocover.schema.tags import (
    Problem,
    parse_camera_type,
    parse_date,
    parse_direction,
    parse_height,
    parse_tags,
    parse_tilt,
)
from geocover.schema.vocab import CAMERA_COLUMNS, CAMERA_TYPES, PRECISIONS
from geocover.sources.camera_files import (
    cameras_from_geojson,
    cameras_to_geojson,
    load_cameras_file,
    load_contributions,
)
from geocover.sources.lists import PARIS_BOVP2019, PARIS_PVPP, from_list, load_list
from geocover.sources.osm_elements import from_overpass


@pytest.fixture(scope="module")
def monaco(bundle: Path) -> dict[str, Any]:
    return json.loads((bundle / "osm" / "monaco-surveillance.overpass.json").read_text("utf-8"))


# ---------------------------------------------------------------------------- tag grammar

E = ValueError  # an expected error, in the table below

GRAMMAR: list[tuple[Callable[[Any], Any], Any, Any]] = [
    # degrees
    (parse_direction, "90", [(90.0, 90.0)]),
    (parse_direction, "0", [(0.0, 0.0)]),
    (parse_direction, "360", [(0.0, 0.0)]),
    (parse_direction, "370", [(10.0, 10.0)]),
    (parse_direction, "720", [(0.0, 0.0)]),
    (parse_direction, "45.5", [(45.5, 45.5)]),
    (parse_direction, " 90 ", [(90.0, 90.0)]),
    # the 16 compass points, any case
    (parse_direction, "N", [(0.0, 0.0)]),
    (parse_direction, "nne", [(22.5, 22.5)]),
    (parse_direction, "NE", [(45.0, 45.0)]),
    (parse_direction, "ENE", [(67.5, 67.5)]),
    (parse_direction, "E", [(90.0, 90.0)]),
    (parse_direction, "ESE", [(112.5, 112.5)]),
    (parse_direction, "SE", [(135.0, 135.0)]),
    (parse_direction, "SSE", [(157.5, 157.5)]),
    (parse_direction, "S", [(180.0, 180.0)]),
    (parse_direction, "SSW", [(202.5, 202.5)]),
    (parse_direction, "sw", [(225.0, 225.0)]),
    (parse_direction, "WSW", [(247.5, 247.5)]),
    (parse_direction, "W", [(270.0, 270.0)]),
    (parse_direction, "WNW", [(292.5, 292.5)]),
    (parse_direction, "nW", [(315.0, 315.0)]),
    (parse_direction, "NNW", [(337.5, 337.5)]),
    # clockwise ranges
    (parse_direction, "90-180", [(90.0, 180.0)]),
    (parse_direction, "90 - 180", [(90.0, 180.0)]),
    (parse_direction, "350-10", [(350.0, 10.0)]),
    (parse_direction, "0-360", [(0.0, 360.0)]),
    (parse_direction, "N-E", [(0.0, 90.0)]),
    (parse_direction, "NW-45", [(315.0, 45.0)]),
    (parse_direction, "200-370", [(200.0, 10.0)]),
    # lists
    (parse_direction, "90;270", [(90.0, 90.0), (270.0, 270.0)]),
    (parse_direction, "N; 180-200 ; 10", [(0.0, 0.0), (180.0, 200.0), (10.0, 10.0)]),
    # malformed
    (parse_direction, "", E),
    (parse_direction, "   ", E),
    (parse_direction, "north", E),
    (parse_direction, "-90", E),
    (parse_direction, "90-", E),
    (parse_direction, "-", E),
    (parse_direction, "90-180-270", E),
    (parse_direction, "90;;180", E),
    (parse_direction, "22,5", E),
    (parse_direction, "90°", E),
    (parse_direction, "1e3", E),
    (parse_direction, "90 180", E),
    (parse_direction, "NNNE", E),
    # camera:type
    (parse_camera_type, "fixed", "fixed"),
    (parse_camera_type, "dome", "dome"),
    (parse_camera_type, "panning", "panning"),
    (parse_camera_type, "static", "fixed"),
    (parse_camera_type, " Dome ", "dome"),
    (parse_camera_type, "ptz", E),
    (parse_camera_type, "", E),
    # height
    (parse_height, "5", 5.0),
    (parse_height, "5 m", 5.0),
    (parse_height, "5m", 5.0),
    (parse_height, "4.5", 4.5),
    (parse_height, 6, 6.0),
    (parse_height, "16'", E),
    (parse_height, "5 ft", E),
    (parse_height, "4,5", E),
    (parse_height, "high", E),
    (parse_height, "-3", E),
    (parse_height, "0", E),
    (parse_height, "1000", E),
    # camera:angle
    (parse_tilt, "15", 15.0),
    (parse_tilt, "0", 0.0),
    (parse_tilt, "90", 90.0),
    (parse_tilt, "91", E),
    (parse_tilt, "-5", E),
    (parse_tilt, "steep", E),
    # dates
    (parse_date, "2024", "2024"),
    (parse_date, "2024-11", "2024-11"),
    (parse_date, "2024-11-08", "2024-11-08"),
    (parse_date, "2023-02-30", E),
    (parse_date, "08/11/2024", E),
]


@pytest.mark.parametrize(
    ("parser", "value", "expected"),
    GRAMMAR,
    ids=[f"{p.__name__}({v!r})" for p, v, _ in GRAMMAR],
)
def test_grammar(parser: Callable[[Any], Any], value: Any, expected: Any) -> None:
    if expected is E:
        with pytest.raises(ValueError) as info:
            parser(value)
        assert str(info.value)  # says what is wrong
    else:
        assert parser(value) == expected


def test_malformed_direction_says_why() -> None:
    with pytest.raises(ValueError, match="negative"):
        parse_direction("-90")
    with pytest.raises(ValueError, match="decimal separator"):
        parse_direction("22,5")
    with pytest.raises(ValueError, match="compass"):
        parse_direction("north")


def test_direction_key_fallback_order() -> None:
    fields, problems = parse_tags(
        {"camera:direction": "N", "direction": "90", "surveillance:direction": "180"}, "t"
    )
    assert fields["directions"] == [(0.0, 0.0)] and problems == []
    fields, _ = parse_tags({"direction": "90", "surveillance:direction": "180"}, "t")
    assert fields["directions"] == [(90.0, 90.0)]
    fields, _ = parse_tags({"surveillance:direction": "180"}, "t")
    assert fields["directions"] == [(180.0, 180.0)]
    fields, _ = parse_tags({}, "t")
    assert fields["directions"] == []


def test_malformed_direction_falls_back_and_is_reported() -> None:
    fields, problems = parse_tags({"camera:direction": "north", "direction": "90"}, "osm:node/1")
    assert fields["directions"] == [(90.0, 90.0)]
    assert [(p.id, p.key, p.value) for p in problems] == [
        ("osm:node/1", "camera:direction", "north")
    ]
    assert "used direction instead" in problems[0].reason
    fields, problems = parse_tags({"camera:direction": "north"}, "osm:node/1")
    assert fields["directions"] == [] and "left unknown" in problems[0].reason


def test_unreadable_values_fall_back_to_defaults_with_problems() -> None:
    tags = {
        "camera:type": "ptz",
        "height": "16'",
        "camera:angle": "120",
        "surveillance": "street",
        "check_date": "last year",
        "start_date": "2015-13",
    }
    fields, problems = parse_tags(tags, "osm:node/2")
    assert fields["camera_type"] == "unknown"
    assert math.isnan(fields["height_m"]) and math.isnan(fields["tilt_deg"])
    assert fields["surveillance"] is None
    assert fields["check_date"] is None and fields["installed"] is None
    assert {p.key for p in problems} == set(tags)
    assert all(isinstance(p, Problem) and p.id == "osm:node/2" for p in problems)
    assert "5 m" in next(p.reason for p in problems if p.key == "height")


def test_tags_map_to_fields() -> None:
    fields, problems = parse_tags(
        {
            "camera:type": "static",
            "camera:direction": "SE",
            "height": "4.5 m",
            "camera:angle": "30",
            "surveillance": "Public",
            "surveillance:type": "ALPR",
            "surveillance:zone": "traffic",
            "camera:mount": "pole",
            "operator": "Ville de Metz",
            "start_date": "2014-11",
            "check_date": "2024-11-08",
            "name": "Place d'Armes",
            "note": "seen from the square",
        }
    )
    assert problems == []
    assert fields == {
        "camera_type": "fixed",
        "directions": [(135.0, 135.0)],
        "height_m": 4.5,
        "tilt_deg": 30.0,
        "surveillance": "public",
        "surveillance_type": "ALPR",
        "zone": "traffic",
        "mount": "pole",
        "operator": "Ville de Metz",
        "installed": "2014-11",
        "check_date": "2024-11-08",
        "name": "Place d'Armes",
        "notes": "seen from the square",
    }


# ---------------------------------------------------------------------------- Overpass


def test_monaco_cameras(monaco: dict[str, Any]) -> None:
    cameras, problems = from_overpass(monaco)
    assert len(cameras) == 16
    assert list(cameras.columns) == CAMERA_COLUMNS
    assert cameras.crs == "EPSG:4326"
    assert (cameras.geom_type == "Point").all()
    assert cameras["id"].str.match(r"^osm:node/\d+$").all()
    assert cameras["id"].is_unique
    assert problems == []
    assert set(cameras["source"]) == {"osm"}
    assert set(cameras["location_precision"]) == {"exact"}
    first = cameras.set_index("id").loc["osm:node/6459866647"]
    assert first["camera_type"] == "fixed"
    assert first["directions"] == [(240.0, 240.0)]
    assert first["mount"] == "pole" and first["surveillance"] == "outdoor"
    assert first["tags"]["source"] == "survey 2019"
    assert math.isnan(first["height_m"])  # not mapped: the 5 m default is the model's
    assert first.geometry.x == pytest.approx(7.4155145)
    assert first.geometry.y == pytest.approx(43.7332957)
    checked = cameras.set_index("id").loc["osm:node/6482565668"]
    assert checked["check_date"] == "2024-11-08" and checked["camera_type"] == "dome"
    assert cameras["camera_type"].value_counts().to_dict() == {
        "dome": 9, "fixed": 3, "panning": 3, "unknown": 1
    }
    assert cameras["zone"].isna().sum() == 7  # unknown stays None, not a guess


def test_overpass_ways_alpr_and_skipped() -> None:
    data = {
        "elements": [
            {"type": "way", "id": 45, "center": {"lat": 49.1, "lon": 6.17},
             "tags": {"man_made": "surveillance", "surveillance:type": "camera"}},
            {"type": "node", "id": 1, "lat": 49.0, "lon": 6.0,
             "tags": {"man_made": "surveillance", "surveillance:type": "ALPR"}},
            {"type": "node", "id": 2, "lat": 49.0, "lon": 6.0,
             "tags": {"man_made": "surveillance", "surveillance:type": "guard"}},
            {"type": "node", "id": 3, "lat": 49.0, "lon": 6.0,
             "tags": {"man_made": "surveillance"}},
            {"type": "way", "id": 46, "tags": {"man_made": "surveillance"}},
            {"type": "node", "id": 4, "lat": 49.0, "lon": 6.0, "tags": {"amenity": "bench"}},
        ]
    }
    cameras, problems = from_overpass(data)
    assert list(cameras["id"]) == ["osm:way/45", "osm:node/1", "osm:node/3"]
    way = cameras.iloc[0].geometry
    assert (way.x, way.y) == (6.17, 49.1)
    reported = {(p.id, p.key) for p in problems}
    assert ("osm:node/2", "surveillance:type") in reported  # a guard: skipped
    assert ("osm:node/3", "surveillance:type") in reported  # untyped: kept, reported
    assert ("osm:way/46", "center") in reported
    assert ("osm:node/4", "man_made") in reported


def test_overpass_not_an_answer() -> None:
    with pytest.raises(DataError, match="elements"):
        from_overpass({"type": "FeatureCollection", "features": []})


# ---------------------------------------------------------------------------- official lists


def test_paris_pvpp(bundle: Path) -> None:
    cameras, problems = load_list(PARIS_PVPP, bundle)
    assert len(cameras) == 1389
    assert list(cameras.columns) == CAMERA_COLUMNS
    assert cameras["id"].is_unique
    assert cameras["id"].iloc[0] == "list:paris-pvpp2013:1"
    assert cameras["id"].str.match(r"^list:paris-pvpp2013:\d+$").all()
    assert set(cameras["location_precision"]) == {"street"}
    assert problems == []
    minx, miny, maxx, maxy = cameras.total_bounds
    assert 2.2 < minx < maxx < 2.5 and 48.8 < miny < maxy < 48.95


def test_paris_bovp2019(bundle: Path) -> None:
    cameras, problems = load_list(PARIS_BOVP2019, bundle)
    assert len(cameras) == 707
    assert cameras["id"].is_unique
    assert cameras["id"].str.match(r"^list:paris-bovp2019:\d+[A-Z]?$").all()  # 45963B exists
    assert set(cameras["location_precision"]) == {"crossing"}
    by_id = cameras.set_index("id")
    first = by_id.loc["list:paris-bovp2019:1051"]
    assert first["name"] == "Rue Saint-Denis, rue de Rivoli"
    assert first["installed"] == "2016-07-08"  # 08/07/16, day first
    assert first["tags"]["Précision de l\u2019implantation"] == "croisement"  # raw row kept
    assert by_id.loc["list:paris-bovp2019:13087", "installed"] is None  # "inconnue"
    assert by_id.loc["list:paris-bovp2019:2006", "installed"] == "2019"  # "Début 2019"
    assert by_id.loc["list:paris-bovp2019:1011", "installed"] == "2013-10-11"  # 41558
    assert cameras["installed"].dropna().map(parse_date).notna().all()
    # Counted independently in the file (plain json): bare day numbers (a spreadsheet's
    # 41558) and dates in words ("Début 2019") are read with a problem each; dd/mm/yy
    # dates, "inconnue" and blanks without one.
    features = json.loads((bundle / "cameras/paris-bovp2019-geocoded.geojson")
                          .read_text(encoding="utf-8"))["features"]
    raw = [(f["properties"]["Date de mise en service"] or "").strip() for f in features]
    day_numbers = sum(v.isdigit() for v in raw)
    in_words = sum(bool(v) and not v.isdigit() and v != "inconnue"
                   and not re.fullmatch(r"\d\d/\d\d/\d\d(\d\d)?", v) for v in raw)
    assert day_numbers > 200 and in_words > 0  # the file holds both kinds
    reasons = [p.reason for p in problems]
    assert sum("spreadsheet day number" in r for r in reasons) == day_numbers
    assert sum("approximate date" in r for r in reasons) == in_words
    assert len(problems) == day_numbers + in_words


def test_from_list_csv(tmp_path: Path) -> None:
    path = tmp_path / "liste.csv"
    path.write_text(
        "Numéro;Adresse;Précision;Mise en service;latitude;longitude\n"
        "00042;Place d'Armes;rue;01/02/2015;49,1196;6,1757\n"
        "43;Gare;point;inconnue;49.1099;6.1774\n",
        encoding="utf-8",
    )
    cameras, problems = from_list(
        path,
        list_id="metz-test",
        mapping={"id": "Numéro", "name": "Adresse", "location_precision": "Précision",
                 "installed": "Mise en service"},
        precision={"rue": "street"},
        installed_format="%d/%m/%Y",
    )
    assert list(cameras["id"]) == ["list:metz-test:00042", "list:metz-test:43"]
    assert list(cameras["installed"]) == ["2015-02-01", None]
    assert list(cameras["location_precision"]) == ["street", "commune"]
    assert [(p.id, p.value) for p in problems] == [("list:metz-test:43", "point")]
    assert cameras.geometry.iloc[0].y == pytest.approx(49.1196)


def test_from_list_needs_a_precision(tmp_path: Path, bundle: Path) -> None:
    with pytest.raises(UsageError, match="precision"):
        from_list(bundle / PARIS_PVPP.path, list_id="x", mapping={"id": "record"})
    with pytest.raises(UsageError, match="unknown schema columns"):
        from_list(bundle / PARIS_PVPP.path, list_id="x", mapping={"ident": "record"},
                  precision="street")
    with pytest.raises(DataError, match="no column 'Numéro'"):
        from_list(bundle / PARIS_PVPP.path, list_id="x", mapping={"id": "Numéro"},
                  precision="street")


# ---------------------------------------------------------------------------- round trips


def test_geojson_round_trip(monaco: dict[str, Any], bundle: Path, tmp_path: Path) -> None:
    osm, _ = from_overpass(monaco)
    listed, _ = load_list(PARIS_BOVP2019, bundle)
    both = gpd.GeoDataFrame(
        pd.concat([osm, listed.head(20)], ignore_index=True), crs="EPSG:4326"
    )
    both.at[0, "directions"] = [(350.0, 10.0), (90.0, 90.0)]
    both.at[0, "height_m"] = 6.5
    # an unreadable tag was reported when first read; it must not block the way back
    both.at[2, "tags"] = {**both.at[2, "tags"], "height": "tall"}
    data = json.loads(json.dumps(cameras_to_geojson(both)))
    assert data["features"][0]["properties"]["directions"] == [[350.0, 10.0], [90.0, 90.0]]
    assert data["features"][1]["properties"]["height_m"] is None
    back = cameras_from_geojson(data)
    assert_geodataframe_equal(back, both)
    assert back.at[0, "directions"] == [(350.0, 10.0), (90.0, 90.0)]
    assert back.at[0, "tags"] == both.at[0, "tags"]

    path = tmp_path / "cameras.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert_geodataframe_equal(load_contributions(path), both)
    from_file, problems = load_cameras_file(path)
    assert problems == []
    assert_geodataframe_equal(from_file, both)


def test_contributions_missing_or_empty(tmp_path: Path) -> None:
    missing = load_contributions(tmp_path / "nope.geojson")
    assert list(missing.columns) == CAMERA_COLUMNS and len(missing) == 0
    assert missing.crs == "EPSG:4326"
    path = tmp_path / "cameras.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    empty = load_contributions(path)
    assert_geodataframe_equal(empty, empty_cameras())


def _feature(props: dict[str, Any], geometry: Any = None) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": geometry or {"type": "Point", "coordinates": [6.1757, 49.1196]},
    }


def _write_collection(path: Path, *features: dict[str, Any]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}),
                    encoding="utf-8")
    return path


def test_contributions_are_strict(tmp_path: Path) -> None:
    path = _write_collection(
        tmp_path / "cameras.geojson",
        _feature({"id": "contrib:metz-1", "camera_type": "dome", "directions": "0-360"}),
        _feature({"id": "contrib:metz-2", "camera_type": "ptz"}),
    )
    with pytest.raises(DataError) as info:
        load_contributions(path)
    assert info.value.path == str(path) and info.value.row == 2
    assert "ptz" in str(info.value)
    path = _write_collection(tmp_path / "c2.geojson", _feature({"camera_type": "dome"}))
    with pytest.raises(DataError, match="missing id") as info:
        load_contributions(path)
    assert info.value.row == 1
    ok = _write_collection(
        tmp_path / "c3.geojson",
        _feature({"id": "contrib:metz-1", "camera_type": "dome", "directions": "0-360",
                  "installed": "2014"}),
    )
    cameras = load_contributions(ok)
    assert cameras.at[0, "directions"] == [(0.0, 360.0)]
    assert cameras.at[0, "source"] == "contrib" and cameras.at[0, "location_precision"] == "exact"


# ---------------------------------------------------------------------------- user files


def test_cameras_csv_with_tag_columns(tmp_path: Path) -> None:
    path = tmp_path / "walk.csv"
    path.write_text(
        "Latitude,Longitude,camera:type,camera:direction,height,camera_type,id,comment\n"
        "49.1196,6.1757,dome,,5 m,,,near the cathedral\n"
        "49.1201,6.1760,fixed,NE-E,16',,osm:node/77,\n"
        "49.1210,6.1770,fixed,90,,panning,gare,\n",
        encoding="utf-8",
    )
    cameras, problems = load_cameras_file(path)
    assert list(cameras["id"]) == ["contrib:walk:2", "osm:node/77", "contrib:walk:gare"]
    assert list(cameras["camera_type"]) == ["dome", "fixed", "panning"]  # schema column wins
    assert cameras.at[0, "height_m"] == 5.0
    assert cameras.at[1, "directions"] == [(45.0, 90.0)]
    assert math.isnan(cameras.at[1, "height_m"])
    assert cameras.at[1, "tags"]["height"] == "16'"  # kept
    assert cameras.at[0, "tags"]["comment"] == "near the cathedral"
    assert "Latitude" not in cameras.at[0, "tags"]
    assert [(p.id, p.key) for p in problems] == [("osm:node/77", "height")]
    assert set(cameras["source"]) == {"file:walk.csv"}
    assert cameras.geometry.iloc[2].x == pytest.approx(6.1770)


@pytest.mark.parametrize(
    ("header", "row"),
    [("lat;lon", "49.1;6.17"), ("y;x", "49.1;6.17"), ("LATITUDE;LNG", "49.1;6.17")],
)
def test_coordinate_columns_detected(tmp_path: Path, header: str, row: str) -> None:
    path = tmp_path / "cams.csv"
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    cameras, _ = load_cameras_file(path)
    point = cameras.geometry.iloc[0]
    assert (point.x, point.y) == (6.17, 49.1)


def test_cameras_file_accepts_overpass_answer(bundle: Path) -> None:
    cameras, _ = load_cameras_file(bundle / "osm" / "monaco-surveillance.overpass.json")
    assert len(cameras) == 16


BAD_FILES: list[tuple[str, str | bytes, int | None, str]] = [
    ("cams.csv", "name,comment\nA,b\n", 1, "no coordinate columns"),
    ("cams.csv", "lat,lon\n49.1,6.17\n,6.18\n", 3, "missing coordinates"),
    ("cams.csv", "lat,lon\n49.1,6.17\n49.2,east\n", 3, "not a number"),
    ("cams.csv", "y,x\n6860000,930000\n", 2, "Lambert-93"),
    ("cams.csv", "lat,lon,id\n49.1,6.17,a\n49.2,6.18,a\n", 3, "duplicate id"),
    ("cams.csv", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", None, "binary content"),
    ("cams.csv", "", None, "the file is empty"),
    ("cams.geojson", "this is not json", None, "not valid JSON"),
    ("cams.geojson", '{"type": "Topology"}', None, "FeatureCollection"),
    ("cams.geojson", json.dumps({"type": "FeatureCollection", "features": [
        _feature({}), _feature({}, {"type": "Polygon", "coordinates": [[[6, 49], [6.1, 49],
                                                                          [6, 49.1], [6, 49]]]})
    ]}), 2, "not a Polygon"),
    ("cams.geojson", json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": None}]}), 1, "missing coordinates"),
    ("cams.geojson", json.dumps({"type": "FeatureCollection", "features": [
        _feature({}, {"type": "Point", "coordinates": []})]}), 1, "missing coordinates"),
    ("cams.geojson", json.dumps({"type": "FeatureCollection", "features": [
        _feature({"tags": "not json"})]}), 1, "tags"),
    ("cams.gpkg", b"definitely not a geopackage", None, "not a readable geospatial file"),
]


@pytest.mark.parametrize(("name", "content", "row", "reason"), BAD_FILES)
def test_bad_camera_files(
    tmp_path: Path, name: str, content: str | bytes, row: int | None, reason: str
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_cameras_file(path)
    assert info.value.path == str(path)
    assert info.value.row == row
    assert reason in info.value.reason
    assert str(path) in str(info.value)


def test_missing_camera_file(tmp_path: Path) -> None:
    for name in ("nope.csv", "nope.geojson", "nope.gpkg"):
        with pytest.raises(DataError, match="no such file"):
            load_cameras_file(tmp_path / name)


def test_schema_constants() -> None:
    assert CAMERA_TYPES == ("fixed", "dome", "panning", "unknown")
    assert PRECISIONS == ("exact", "crossing", "street", "commune")
    assert str(Problem("osm:node/1", "height", "x", "bad")) == "osm:node/1: height='x': bad"
