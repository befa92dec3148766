"""Issue 12, network classes, against real local servers on 127.0.0.1 (pytest-httpserver):
slow servers, Retry-After abuse, gzip bombs, cross-host redirects, poisoned answers and
damaged cache entries. Each case is bounded in time (settings.DEADLINE, TIMEOUT)."""

from __future__ import annotations

import json
import os
import resource
import threading
import time
import zlib
from pathlib import Path

import pytest
import shapely
import shapely.geometry
from pytest_httpserver import HTTPServer
from werkzeug import Response

from geocover import settings
from geocover.errors import SourceError
from geocover.sources import communes, overpass
from geocover.sources import http as _http
from tests.hostile import make_city, one_line_error, run

PATH = "/communes/57463"
CONTOUR = "geo-api/communes-57463-contour.json"


def cache_files() -> list[Path]:
    return [p for p in Path(settings.CACHE_DIR).rglob("*.json") if p.is_file()]


@pytest.fixture
def metz_answer(bundle: Path) -> dict:
    """The real geo-API answer for Metz, read in place from the offline bundle."""
    return json.loads((bundle / CONTOUR).read_text(encoding="utf-8"))


@pytest.fixture
def geo(httpserver, monkeypatch):
    monkeypatch.setattr(settings, "GEO_API_URL", httpserver.url_for(""))
    monkeypatch.setattr(settings, "OVERPASS_URL", httpserver.url_for("/api/interpreter"))
    return httpserver


# ----------------------------------------------------------------- hangs and exhaustion


def test_a_server_dripping_one_byte_per_second_fails_within_the_deadline(monkeypatch):
    monkeypatch.setattr(settings, "DEADLINE", 2.0)
    monkeypatch.setattr(settings, "TIMEOUT", 5.0)
    done = threading.Event()

    def drip(request):
        def body():
            for _ in range(30):  # 30 s if nobody gives up
                if done.is_set():
                    return
                yield b" "
                time.sleep(1.0)

        return Response(body(), content_type="application/json", direct_passthrough=True)

    server = HTTPServer(host="127.0.0.1", port=0)  # its own: the drip keeps it busy
    server.start()
    try:
        server.expect_request("/slow").respond_with_handler(drip)
        start = time.monotonic()
        with pytest.raises(SourceError, match="did not finish answering within 2 s"):
            _http.fetch_json(server.url_for("/slow"))
        assert time.monotonic() - start < 2.0 + 3.5  # the deadline plus a read, not 30 s
    finally:
        done.set()
        server.stop()
    assert cache_files() == []


@pytest.mark.parametrize(
    "header,shown",
    [
        ("999999", "Retry-After: 999999"),
        ("Fri, 01 Jan 2100 00:00:00 GMT", "Retry-After: Fri, 01 Jan 2100 00:00:00 GMT"),
    ],
)
def test_retry_after_beyond_the_budget_fails_at_once(header, shown, httpserver):
    httpserver.expect_request("/busy").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": header})
    )
    start = time.monotonic()
    with pytest.raises(SourceError, match="retry budget") as caught:
        _http.fetch_json(httpserver.url_for("/busy"))
    assert time.monotonic() - start < 3.0
    assert shown in str(caught.value)
    assert len(httpserver.log) == 1  # no retry was attempted


def test_the_retry_budget_is_total(httpserver, monkeypatch):
    """Three Retry-After: 1 fit in a 1.5 s budget only once: the second fails at once."""
    monkeypatch.setattr(settings, "RETRY_BUDGET", 1.5)
    httpserver.expect_request("/busy").respond_with_response(
        Response("slow down", status=503, headers={"Retry-After": "1"})
    )
    start = time.monotonic()
    with pytest.raises(SourceError, match="retry budget"):
        _http.fetch_json(httpserver.url_for("/busy"))
    assert 0.9 <= time.monotonic() - start < 3.0
    assert len(httpserver.log) == 2


def _gzip_of_zeros(megabytes: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip container
    chunk = b"\0" * 1_000_000
    return b"".join(packer.compress(chunk) for _ in range(megabytes)) + packer.flush()


def test_a_gzip_bomb_is_cut_off_while_streaming(httpserver, monkeypatch):
    bomb = _gzip_of_zeros(1000)  # 1 GB of zeros in about 1 MB
    assert len(bomb) < 2_000_000
    monkeypatch.setitem(settings.MAX_ANSWER_BYTES, "default", 10_000_000)
    httpserver.expect_request("/bomb").respond_with_response(
        Response(bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(SourceError, match=r"exceeds 10 MB decoded"):
        _http.fetch_json(httpserver.url_for("/bomb"))
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200, f"the peak memory grew by {grown_mb:.0f} MB"
    assert cache_files() == []


def test_a_cross_host_redirect_is_refused(httpserver, metz_answer):
    other = HTTPServer(host="localhost", port=0)
    other.start()
    try:
        other.expect_request(PATH).respond_with_json(metz_answer)
        target = f"http://localhost:{other.port}{PATH}"
        httpserver.expect_request("/moved").respond_with_response(
            Response("", status=302, headers={"Location": target})
        )
        with pytest.raises(SourceError, match="redirected to another host"):
            _http.fetch_json(httpserver.url_for("/moved"))
        assert other.log == []
    finally:
        other.stop()
    assert cache_files() == []


def test_a_same_host_redirect_is_followed_and_the_final_url_recorded(httpserver, metz_answer):
    httpserver.expect_request("/old").respond_with_response(
        Response("", status=301, headers={"Location": PATH})
    )
    httpserver.expect_request(PATH).respond_with_json(metz_answer)
    answer = _http.fetch_json(httpserver.url_for("/old"))
    assert answer.url == httpserver.url_for(PATH)
    assert answer.data["properties"]["code"] == "57463"


# ----------------------------------------------------------------------- poisoned cache


def _feature(geometry: dict, code: str = "57463") -> dict:
    return {"type": "Feature", "properties": {"code": code, "nom": "Metz"}, "geometry": geometry}


SLIVER = {
    "type": "Polygon",
    "coordinates": [[[6.17, 49.11], [6.18, 49.11], [6.175, 49.111], [6.17, 49.11]]],
}
POISONS = {
    "point": _feature({"type": "Point", "coordinates": [6.17, 49.11]}),
    "garbage coordinates": _feature(
        {"type": "Polygon", "coordinates": [[[999, 49], [1000, 49], [1000, 50], [999, 49]]]}
    ),
    "outside France": _feature(
        {
            "type": "Polygon",
            "coordinates": [[[13.3, 52.5], [13.4, 52.5], [13.4, 52.6], [13.3, 52.5]]],
        }
    ),
    "another commune": None,  # the real Metz contour, code 54395
    "sliver": _feature(SLIVER),
    "bow-tie": _feature(
        {
            "type": "Polygon",
            "coordinates": [[[6.1, 49.1], [6.2, 49.15], [6.2, 49.1], [6.1, 49.15], [6.1, 49.1]]],
        }
    ),
    "not a feature": {"type": "FeatureCollection", "features": []},
}


@pytest.mark.parametrize("poison", list(POISONS))
def test_a_poisoned_commune_is_refused_not_cached_and_recovers(
    poison, geo, metz_answer, tmp_path, capsys
):
    data_dir = tmp_path / "data"
    make_city(data_dir, "official_area_km2 = 41.94\n")
    body = POISONS[poison] or dict(metz_answer, properties={"code": "54395", "nom": "Nancy"})
    geo.expect_request(PATH).respond_with_json(body)
    code, _, err = run(capsys, "report", "metz", "--data-dir", data_dir)
    assert code == 2
    assert "unusable answer" in one_line_error(err)
    assert cache_files() == []
    # the server recovers: the same command now works (nothing poisoned was kept)
    geo.clear()
    geo.expect_request(PATH).respond_with_json(metz_answer)
    geo.expect_request("/api/interpreter").respond_with_json({"elements": []})
    code, out, err = run(
        capsys,
        "report",
        "metz",
        "--data-dir",
        data_dir,
        "--cameras",
        _empty_cameras(tmp_path),
        "--format",
        "json",
    )
    assert code == 0, err
    assert json.loads(out)["commune"]["code"] == "57463"
    assert len(cache_files()) == 1


def _empty_cameras(folder: Path) -> Path:
    path = folder / "no-cameras.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    return path


def test_nan_in_a_commune_answer_is_refused(geo, metz_answer):
    ring = metz_answer["geometry"]["coordinates"][0]
    middle = json.dumps(ring[1] if isinstance(ring[1][0], float) else ring[0][1])
    text = json.dumps(metz_answer).replace(middle, "[NaN, 49.1]", 1)
    assert "NaN" in text
    geo.expect_request(PATH).respond_with_data(text, content_type="application/json")
    with pytest.raises(SourceError, match="not finite"):
        communes.live("57463")
    assert cache_files() == []


@pytest.mark.parametrize(
    "body,reason",
    [
        ({"type": "FeatureCollection", "features": []}, "no commune"),
        (_feature({"type": "Point", "coordinates": [6.17, 49.11]}), "FeatureCollection"),
        (
            {
                "type": "FeatureCollection",
                "features": [_feature({"type": "Point", "coordinates": [6.1, 49.1]})],
            },
            "a Point where a Polygon",
        ),
        (
            {"type": "FeatureCollection", "features": [_feature(SLIVER, code="75056")]},
            "not one of département 57",
        ),
    ],
)
def test_a_poisoned_departement_is_refused_and_not_cached(body, reason, geo):
    geo.expect_request("/departements/57/communes").respond_with_json(body)
    with pytest.raises(SourceError, match=reason):
        communes.load_departement("57")
    assert cache_files() == []


@pytest.mark.parametrize(
    "element,reason",
    [
        (
            {"type": "node", "id": 1, "lat": 49.1, "lon": 6.17, "tags": {"man_made": 1}},
            "malformed tags",
        ),
        ({"type": "node", "id": 1, "lat": 49.1, "lon": 6.17, "tags": ["x"]}, "malformed tags"),
        ({"type": "node", "id": 1, "lat": 149.1, "lon": 6.17, "tags": {}}, "no finite lat/lon"),
        ({"type": "node", "id": "one", "lat": 49.1, "lon": 6.17}, "no integer id"),
        ({"type": "blob", "id": 1}, "unknown type"),
        ({"type": "way", "id": 2, "geometry": [{"lat": "x"}]}, "malformed geometry"),
        ("a string", "not an object"),
    ],
)
def test_malformed_overpass_elements_are_refused_and_not_cached(
    element, reason, httpserver, monkeypatch
):
    monkeypatch.setattr(settings, "OVERPASS_URL", httpserver.url_for("/api/interpreter"))
    httpserver.expect_request("/api/interpreter", method="POST").respond_with_json(
        {"elements": [element]}
    )
    with pytest.raises(SourceError, match=reason):
        overpass.fetch_cameras("57463")
    assert cache_files() == []


@pytest.mark.parametrize(
    "damage", ["junk", "empty", "no body", "naive date", "poisoned body", "deep", "folder", "fifo"]
)
def test_a_damaged_cache_entry_is_a_miss_fresh_or_stale(damage, geo, metz_answer):
    geo.expect_request(PATH).respond_with_json(metz_answer)
    params = {"format": "geojson", "geometry": "contour"}
    communes.live("57463")
    (entry,) = cache_files()
    good = json.loads(entry.read_text(encoding="utf-8"))
    entry.unlink()
    now = good["retrieved"]
    if damage == "folder":
        entry.mkdir()
    elif damage == "fifo":
        os.mkfifo(entry)
    else:
        entry.write_bytes(
            {
                "junk": b"\x89PNG\r\n\x1a\n\0\0",
                "empty": b"",
                "no body": json.dumps({"retrieved": now, "url": "x"}).encode(),
                "naive date": json.dumps(dict(good, retrieved="2026-01-01T00:00:00")).encode(),
                "poisoned body": json.dumps(dict(good, body=json.dumps(POISONS["point"]))).encode(),
                "deep": b"[" * 100_000 + b"]" * 100_000,
            }[damage]
        )
    # fresh: the entry is ignored and the server asked again
    geo.clear()
    geo.expect_request(PATH).respond_with_json(metz_answer)
    frame = communes.live("57463")
    assert frame.loc[0, "code"] == "57463" and len(geo.log) == 1
    # the same damage with the server down: a clear SourceError, never a traceback
    for path in cache_files():
        path.unlink()
    if damage not in ("folder", "fifo") and not entry.exists():
        entry.write_bytes(b"\x89PNG junk")
    geo.clear()
    geo.expect_request(PATH).respond_with_data("down", status=503)
    with pytest.raises(SourceError):
        _http.fetch_json(
            geo.url_for(PATH),
            params=params,
            validate=lambda d: communes.check_commune_feature(d, "57463"),
        )


def test_a_3_vertex_sliver_for_metz_is_refused_against_the_official_area(geo):
    geo.expect_request(PATH).respond_with_json(_feature(SLIVER))
    polygon = shapely.geometry.shape(SLIVER)
    assert polygon.is_valid  # valid, but far too small for Metz
    with pytest.raises(SourceError, match=r"far from the official 41.94 km²|not a commune's"):
        communes.load_commune("57463", official_area_km2=41.94)
    assert cache_files() == []
