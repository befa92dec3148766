"""The HTTP module against a real local server answering with the shared geo-API file."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from werkzeug import Response

from geocover import settings
from geocover.errors import SourceError
from geocover.sources import http as _http

CONTOUR = "geo-api/communes-57463-contour.json"
PATH = "/communes/57463"
PARAMS = {"format": "geojson", "geometry": "contour"}


def cache_files() -> list[Path]:
    return list(Path(settings.CACHE_DIR).rglob("*.json"))


@pytest.fixture
def contour(bundle: Path) -> str:
    return (bundle / CONTOUR).read_text(encoding="utf-8")


def test_ok_answer_is_cached_and_then_served_without_request(httpserver, contour):
    httpserver.expect_ordered_request(PATH, query_string=PARAMS).respond_with_data(
        contour, content_type="application/json"
    )
    url = httpserver.url_for(PATH)
    first = _http.fetch_json(url, params=PARAMS)
    assert first.data["properties"]["code"] == "57463"
    assert not first.from_cache
    assert len(cache_files()) == 1
    assert len(httpserver.log) == 1

    second = _http.fetch_json(url, params=PARAMS)
    assert second.from_cache and second.data == first.data
    assert len(httpserver.log) == 1, "a cache hit must make no request"


def test_user_agent_is_sent(httpserver, contour):
    httpserver.expect_request(PATH).respond_with_data(contour)
    _http.fetch_json(httpserver.url_for(PATH), params=PARAMS)
    request, _ = httpserver.log[0]
    assert request.headers["User-Agent"] == settings.USER_AGENT
    assert "geocover" in request.headers["User-Agent"]


def test_429_with_retry_after_then_200(httpserver, contour):
    httpserver.expect_ordered_request(PATH).respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "1"})
    )
    httpserver.expect_ordered_request(PATH).respond_with_data(contour)
    start = time.monotonic()
    answer = _http.fetch_json(httpserver.url_for(PATH), params=PARAMS)
    elapsed = time.monotonic() - start
    assert answer.data["properties"]["nom"] == "Metz"
    assert len(httpserver.log) == 2
    assert elapsed >= 0.9, "Retry-After: 1 must be honoured"


def test_503_until_retries_run_out(httpserver):
    httpserver.expect_request(PATH).respond_with_data("unavailable", status=503)
    with pytest.raises(SourceError, match="HTTP 503 after retries"):
        _http.fetch_json(httpserver.url_for(PATH), params=PARAMS)
    assert len(httpserver.log) == settings.RETRIES + 1
    assert cache_files() == [], "an error answer is never cached"


def test_404_is_not_retried_nor_cached(httpserver):
    httpserver.expect_request(PATH).respond_with_data("no", status=404)
    with pytest.raises(SourceError, match="HTTP 404"):
        _http.fetch_json(httpserver.url_for(PATH))
    assert len(httpserver.log) == 1
    assert cache_files() == []


def test_timeout(httpserver, monkeypatch, contour):
    monkeypatch.setattr(settings, "TIMEOUT", 0.3)

    def slow(request):
        time.sleep(1.0)
        return Response(contour)

    httpserver.expect_request(PATH).respond_with_handler(slow)
    with pytest.raises(SourceError, match=r"did not answer within 0\.3 s"):
        _http.fetch_json(httpserver.url_for(PATH))
    assert cache_files() == []


@pytest.mark.parametrize("body", ['{"type": "Feature", "geometry": ', "<html>oops</html>", ""])
def test_malformed_json(httpserver, body):
    httpserver.expect_request(PATH).respond_with_data(body)
    with pytest.raises(SourceError, match="malformed answer"):
        _http.fetch_json(httpserver.url_for(PATH))
    assert cache_files() == []


def test_validator_rejects_and_nothing_is_cached(httpserver):
    httpserver.expect_request(PATH).respond_with_json({"remark": "runtime error: Query timed out"})

    def validate(data):
        if "remark" in data:
            raise ValueError(data["remark"])

    with pytest.raises(SourceError, match="Query timed out"):
        _http.fetch_json(httpserver.url_for(PATH), validate=validate)
    assert cache_files() == []


def test_stale_cache_serves_when_network_fails(httpserver, monkeypatch, contour):
    httpserver.expect_request(PATH).respond_with_data(contour)
    url = httpserver.url_for(PATH)
    _http.fetch_json(url, params=PARAMS)
    # Age the entry beyond the freshness limit, then make the server fail.
    (entry,) = cache_files()
    data = json.loads(entry.read_text())
    data["retrieved"] = "2000-01-01T00:00:00+00:00"
    entry.write_text(json.dumps(data))
    httpserver.clear()
    httpserver.expect_request(PATH).respond_with_data("down", status=503)
    answer = _http.fetch_json(url, params=PARAMS)
    assert answer.from_cache and answer.stale
    assert answer.retrieved.year == 2000
    assert answer.data["properties"]["code"] == "57463"


def test_unreachable_host_says_how_to_work_offline():
    with pytest.raises(SourceError, match=r"cannot reach http://127\.0\.0\.1:9") as info:
        _http.fetch_json("http://127.0.0.1:9/communes/57463")
    assert info.value.hint == "bundle" and "--" not in str(info.value)  # the library's words
    from geocover.cli.hints import message

    assert message(info.value).endswith("; use --bundle DIR to work offline")  # the CLI's


def test_cache_key_is_canonical():
    a = _http.canonical_request("get", "http://x/y", {"b": 1, "a": 2}, None)
    b = _http.canonical_request("GET", "http://x/y", {"a": 2, "b": 1}, None)
    assert a == b
    assert _http.cache_path(a) == _http.cache_path(b)
    assert a != _http.canonical_request("GET", "http://x/y", {"a": 3, "b": 1}, None)
