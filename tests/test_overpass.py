"""Tests of geocover.sources.overpass against a real local HTTP server answering with the
bundle's files."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import numpy as np
import pytest
import shapely
from pytest_httpserver import HTTPServer

from geocover import settings
from geocover.errors import DataError, SourceError, UsageError
from geocover.sources.overpass import (
    buildings_query,
    cameras_query,
    fetch_buildings,
    fetch_cameras,
    fetch_highways,
    highways_query,
    load_osm_bundle,
    osm_date,
    parse_buildings,
    parse_highways,
    read_buildings,
    read_osm_bundle,
    validate_insee,
)

PATH = "/api/interpreter"


@pytest.fixture
def text(bundle: Path) -> Callable[[str], str]:
    """The text of the bundle's ``osm/monaco-<name>.overpass.json``, as a server sends it."""

    def read(name: str) -> str:
        return (bundle / "osm" / f"monaco-{name}.overpass.json").read_text(encoding="utf-8")

    return read


@pytest.fixture(scope="module")
def buildings_data(bundle: Path) -> dict[str, Any]:
    return json.loads((bundle / "osm" / "monaco-buildings.overpass.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def highways_data(bundle: Path) -> dict[str, Any]:
    return json.loads((bundle / "osm" / "monaco-highways.overpass.json").read_text("utf-8"))


@pytest.fixture
def overpass(httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    monkeypatch.setattr(settings, "BACKOFF", 0)
    monkeypatch.setattr(settings, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(settings, "OVERPASS_URL", httpserver.url_for(PATH))
    return httpserver


def _cache_entries() -> list[Path]:
    return sorted(Path(settings.CACHE_DIR).rglob("*.json"))


def _query_of(request: Any) -> str:
    return parse_qs(request.get_data(as_text=True))["data"][0]


# ---------------------------------------------------------------------------- queries


def test_queries_name_the_commune() -> None:
    query = cameras_query("57463")
    assert query.startswith(f"[out:json][timeout:{settings.OVERPASS_TIMEOUT}];")
    assert '["ref:INSEE"="57463"]' in query and '["admin_level"="8"]' in query
    assert 'nwr["man_made"="surveillance"](area.a);out center;' in query
    assert 'way["building"](area.a)' in buildings_query("57463")
    assert 'relation["building"]["type"="multipolygon"](area.a)' in buildings_query("57463")
    assert buildings_query("57463").endswith("out geom;")
    assert highways_query("2A004").endswith('way["highway"](area.a);out geom;')
    assert '"ref:INSEE"="2A004"' in highways_query("2a004")


@pytest.mark.parametrize("code", ["57463", "2A004", "2b033", " 75056 ", "97411"])
def test_valid_insee(code: str) -> None:
    assert validate_insee(code) == code.strip().upper()


@pytest.mark.parametrize("code", ["5746", "574630", "2C004", "ABCDE", "", "57 463", "Metz"])
def test_invalid_insee(code: str, overpass: HTTPServer) -> None:
    with pytest.raises(UsageError, match="INSEE"):
        validate_insee(code)
    with pytest.raises(UsageError):
        fetch_cameras(code)
    assert len(overpass.log) == 0  # refused before any request


# ---------------------------------------------------------------------------- live, locally


def test_fetch_cameras_and_cache(overpass: HTTPServer, text: Callable[[str], str]) -> None:
    overpass.expect_request(PATH, method="POST").respond_with_data(
        text("surveillance"), content_type="application/json"
    )
    cameras, problems, answer = fetch_cameras("57463")
    assert len(cameras) == 16 and problems == []
    assert cameras["id"].str.startswith("osm:node/").all()
    assert answer.from_cache is False and answer.url.startswith(settings.OVERPASS_URL)
    assert not cameras.attrs  # where the data came from is in the answer, not in attrs
    (request, _), = overpass.log
    query = _query_of(request)
    assert '"ref:INSEE"="57463"' in query and "out center" in query
    assert len(_cache_entries()) == 1

    again, _, answer = fetch_cameras("57463")
    assert answer.from_cache is True and len(again) == 16
    assert len(overpass.log) == 1  # served from the cache


def test_fetch_buildings_and_highways(overpass: HTTPServer, text: Callable[[str], str]) -> None:
    def answer(request: Any) -> Any:
        from werkzeug import Response

        query = _query_of(request)
        name = "buildings" if '"building"' in query else "highways"
        return Response(text(name), content_type="application/json")

    overpass.expect_request(PATH, method="POST").respond_with_handler(answer)
    buildings, answer = fetch_buildings("98000")
    highways, _ = fetch_highways("98000")
    assert len(buildings) == 4534 and len(highways) == 3926
    assert answer.url.startswith(settings.OVERPASS_URL)
    stamp = json.loads(text("buildings"))["osm3s"]["timestamp_osm_base"]
    assert osm_date(answer.data).vintage == stamp
    queries = [_query_of(request) for request, _ in overpass.log]
    assert all('"ref:INSEE"="98000"' in q and q.endswith("out geom;") for q in queries)


@pytest.mark.parametrize(
    "remark",
    ['runtime error: Query timed out in "query" at line 1 after 180 seconds.',
     "runtime error: Query run out of memory using about 2048 MB of RAM."],
)
def test_remark_is_an_error_never_cached(
    overpass: HTTPServer, text: Callable[[str], str], remark: str
) -> None:
    partial = json.loads(text("surveillance"))
    partial["remark"] = remark
    overpass.expect_request(PATH, method="POST").respond_with_json(partial)
    with pytest.raises(SourceError, match="remarked"):
        fetch_cameras("57463")
    assert _cache_entries() == []


def test_retry_after_429_then_success(overpass: HTTPServer, text: Callable[[str], str]) -> None:
    overpass.expect_ordered_request(PATH, method="POST").respond_with_data(
        "rate limited", status=429, headers={"Retry-After": "1"}
    )
    overpass.expect_ordered_request(PATH, method="POST").respond_with_data(
        text("surveillance"), content_type="application/json"
    )
    started = time.monotonic()
    cameras, _, answer = fetch_cameras("57463")
    assert time.monotonic() - started >= 0.9  # Retry-After honoured (back-off is 0)
    assert len(cameras) == 16 and answer.from_cache is False
    assert [response.status_code for _, response in overpass.log] == [429, 200]
    assert len(_cache_entries()) == 1


def test_504_until_retries_run_out(overpass: HTTPServer) -> None:
    overpass.expect_request(PATH, method="POST").respond_with_data("busy", status=504)
    with pytest.raises(SourceError):
        fetch_cameras("57463")
    assert len(overpass.log) == settings.RETRIES + 1
    assert _cache_entries() == []


def test_truncated_json(overpass: HTTPServer, text: Callable[[str], str]) -> None:
    text = text("surveillance")
    overpass.expect_request(PATH, method="POST").respond_with_data(
        text[: len(text) // 2], content_type="application/json"
    )
    with pytest.raises(SourceError, match="malformed"):
        fetch_cameras("57463")
    assert _cache_entries() == []


def test_not_an_overpass_answer(overpass: HTTPServer) -> None:
    overpass.expect_request(PATH, method="POST").respond_with_json({"type": "FeatureCollection"})
    with pytest.raises(SourceError, match="elements"):
        fetch_highways("57463")
    assert _cache_entries() == []


# ---------------------------------------------------------------------------- parsers


def test_parse_monaco_buildings(buildings_data: dict[str, Any]) -> None:
    buildings, counts = read_buildings(buildings_data)
    assert not buildings.attrs  # what was left out is in ParseCounts, not in attrs
    # 4,575 buildings in the extract; roofs and underground structures hide nothing.
    hidden = [
        e for e in buildings_data["elements"]
        if (e.get("tags") or {}).get("building") == "roof"
        or (e.get("tags") or {}).get("underground") == "yes"
        or (e.get("tags") or {}).get("location") == "underground"
        or (str((e.get("tags") or {}).get("layer", "0")).lstrip("-").isdigit()
        and int((e.get("tags") or {}).get("layer", "0")) < 0)
    ]
    assert len(buildings_data["elements"]) == 4575
    assert counts.not_obstacles == len(hidden) == 41
    assert len(buildings) == 4575 - 41
    assert list(buildings.columns) == ["id", "height_m", "geometry"]
    assert buildings.crs == "EPSG:4326"
    assert buildings["id"].is_unique and buildings["id"].str.match(r"^osm:way/\d+$").all()
    assert shapely.is_valid(buildings.geometry.values).all()
    assert (buildings.geom_type == "Polygon").all()
    assert counts.repaired == 0 and counts.skipped == 0
    assert osm_date(buildings_data).vintage == "2025-02-07T01:02:45Z"
    height = buildings.set_index("id")["height_m"]
    assert height["osm:way/94452842"] == 45.58  # height wins over building:levels=13
    assert height["osm:way/49209520"] == 12.0  # building:levels=4 × 3 m
    assert math.isnan(height["osm:way/49209324"])  # building:levels=RDC
    # Counted in the raw answer: the obstacles whose height or building:levels is a number.
    def number(value: Any) -> bool:
        try:
            float(str(value).removesuffix("m").strip())
        except ValueError:
            return False
        return True

    hidden_ids = {e["id"] for e in hidden}
    with_height = sum(
        number(tags.get("height")) or number(tags.get("building:levels"))
        for e in buildings_data["elements"] if e["id"] not in hidden_ids
        for tags in [e.get("tags") or {}]
    )
    assert with_height > 400
    assert buildings["height_m"].notna().sum() == with_height


def test_parse_relations_and_repair() -> None:
    def pts(*coords: tuple[float, float]) -> list[dict[str, float]]:
        return [{"lat": lat, "lon": lon} for lon, lat in coords]

    data = {
        "elements": [
            {"type": "relation", "id": 7, "tags": {"building": "yes", "type": "multipolygon",
                                                  "height": "10 m"},
             "members": [
                 {"type": "way", "ref": 1, "role": "outer",
                  "geometry": pts((0, 0), (1, 0), (1, 1))},
                 {"type": "way", "ref": 2, "role": "outer",
                  "geometry": pts((1, 1), (0, 1), (0, 0))},
                 {"type": "way", "ref": 3, "role": "inner",
                  "geometry": pts((0.2, 0.2), (0.4, 0.2), (0.4, 0.4), (0.2, 0.2))},
             ]},
            {"type": "way", "id": 5, "tags": {"building": "yes", "building:levels": "2"},
             "geometry": pts((0, 0), (1, 1), (1, 0), (0, 1), (0, 0))},  # a bow tie
            {"type": "way", "id": 6, "tags": {"building": "yes"},
             "geometry": pts((0, 0), (1, 1), (1, 0))},  # not closed
        ]
    }
    frame, counts = read_buildings(data)
    buildings = frame.set_index("id")
    assert list(buildings.index) == ["osm:way/5", "osm:relation/7"]
    assert counts.repaired == 1 and counts.skipped == 1
    assert shapely.is_valid(buildings.geometry.values).all()
    relation = buildings.loc["osm:relation/7"]
    assert relation.geometry.area == pytest.approx(1 - 0.02)  # the inner ring is a hole
    assert relation["height_m"] == 10.0
    assert buildings.loc["osm:way/5", "height_m"] == 6.0
    assert buildings.loc["osm:way/5"].geometry.area == pytest.approx(0.5)


def test_parse_monaco_highways(highways_data: dict[str, Any]) -> None:
    highways = parse_highways(highways_data)
    assert len(highways) == 3926
    assert list(highways.columns) == ["id", "highway", "name", "geometry"]
    assert (highways.geom_type == "LineString").all()
    assert highways["highway"].notna().all()
    named = sum(bool((e.get("tags") or {}).get("name")) for e in highways_data["elements"])
    assert named > 1000  # counted in the raw answer with plain json
    assert highways["name"].notna().sum() == named
    assert highways["id"].is_unique
    assert np.all(shapely.get_num_points(highways.geometry.values) >= 2)


def test_parsers_reject_remarks() -> None:
    with pytest.raises(DataError, match="remarked"):
        parse_highways({"elements": [], "remark": "runtime error: out of memory"})
    empty = parse_buildings({"elements": []})
    assert len(empty) == 0 and list(empty.columns) == ["id", "height_m", "geometry"]


def test_load_osm_bundle(bundle: Path) -> None:
    cameras, buildings, highways = load_osm_bundle(bundle)
    assert (len(cameras), len(buildings), len(highways)) == (16, 4534, 3926)
    osm = read_osm_bundle(bundle)
    assert osm.problems == []
    stamp = json.loads((bundle / "osm/monaco-buildings.overpass.json").read_text())["osm3s"]
    assert [s.vintage for s in osm.sources] == [stamp["timestamp_osm_base"]] * 3
    assert [s.layer for s in osm.sources] == ["cameras", "buildings", "highways"]
    assert osm.sources[1].files[0].path == "bundle:osm/monaco-buildings.overpass.json"
    with pytest.raises(DataError, match="missing file") as info:
        load_osm_bundle(bundle, name="metz")
    assert info.value.path is not None and "metz-surveillance" in info.value.path


@pytest.mark.parametrize(
    "tags, obstacle",
    [
        ({"building": "yes"}, True),
        ({"building": "apartments", "layer": "1"}, True),
        ({"building": "roof"}, False),
        ({"building": "railway", "layer": "-2", "underground": "yes"}, False),
        ({"building": "yes", "location": "underground"}, False),
        ({"building": "yes", "layer": "-1"}, False),
        ({"building": "yes", "layer": "ground"}, True),
    ],
)
def test_is_obstacle(tags, obstacle) -> None:
    from geocover.sources.overpass import is_obstacle

    assert is_obstacle(tags) is obstacle
