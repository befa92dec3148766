"""`geocover cameras fetch`: a dated OSM snapshot from a real local Overpass server."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import parse_qs

from werkzeug import Request, Response

from geocover.sources import overpass
from geocover.sources.osm_elements import from_overpass


def _overpass_handler(bundle, seen):
    def handle(request: Request) -> Response:
        query = parse_qs(request.get_data(as_text=True))["data"][0]
        seen.append(query)
        kind = ("surveillance" if "surveillance" in query
                else "buildings" if "building" in query else "highways")
        return Response((bundle / "osm" / f"monaco-{kind}.overpass.json").read_text(),
                        content_type="application/json")
    return handle


def test_fetch_writes_a_dated_snapshot_with_provenance(cli, bundle, httpserver, tmp_path):
    seen: list[str] = []
    httpserver.expect_request("/api/interpreter", method="POST").respond_with_handler(
        _overpass_handler(bundle, seen))
    out = tmp_path / "osm"
    result = cli("cameras", "fetch", "--insee", "57463", "-o", str(out),
                 env={"GEOCOVER_OVERPASS_URL": httpserver.url_for("/api/interpreter")})
    assert result.returncode == 0, result.stderr
    assert len(seen) == 3 and all('"ref:INSEE"="57463"' in q for q in seen)
    written = sorted(p.name for p in out.iterdir())
    assert len(written) == 4
    (prov,) = [p for p in out.iterdir() if p.name.endswith(".provenance.json")]
    record = json.loads(prov.read_text())
    assert record["insee"] == "57463"
    for name, info in record["files"].items():
        body = (out / name).read_bytes()
        assert info["sha256"] == hashlib.sha256(body).hexdigest()
        assert info["url"].startswith("http://localhost") or info["url"].startswith("http://127.0.0.1")
    counts = {name.split("-")[1]: info["elements"] for name, info in record["files"].items()}
    # Counted again independently from the snapshot files.
    cams_file = next(out.glob("*-surveillance-*.overpass.json"))
    assert counts["surveillance"] == len(from_overpass(json.loads(cams_file.read_text()))[0]) == 16
    assert counts["buildings"] == len(overpass.parse_buildings(
        json.loads(next(out.glob("*-buildings-*.overpass.json")).read_text())))
    assert counts["highways"] == 3926


def test_fetch_with_a_remark_writes_nothing(cli, httpserver, tmp_path):
    httpserver.expect_request("/api/interpreter", method="POST").respond_with_json(
        {
            "elements": [],
            "remark": 'runtime error: Query timed out in "query" at line 1 after 180 seconds.',
        }
    )
    out = tmp_path / "osm"
    result = cli("cameras", "fetch", "--insee", "57463", "-o", str(out),
                 env={"GEOCOVER_OVERPASS_URL": httpserver.url_for("/api/interpreter")})
    assert result.returncode == 2
    assert "Query timed out" in result.stderr
    assert not out.exists() or list(out.iterdir()) == []
