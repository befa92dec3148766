"""`geocover cameras fetch`: a dated OSM snapshot from a real local Overpass server."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import parse_qs

from werkzeug import Request, Response


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
    # Counted again from the snapshot files with plain json, by the documented rules.
    assert counts == {kind: _plain_count(kind, next(out.glob(f"*-{kind}-*.overpass.json")))
                      for kind in ("surveillance", "buildings", "highways")}
    assert counts["surveillance"] == 16  # the 16 camera nodes of the Monaco extract


def _plain_count(kind: str, path) -> int:
    """What each layer keeps of an Overpass answer: camera nodes (man_made=surveillance);
    ways of at least 2 points (streets); closed building ways of at least 4 points that
    hide what lies behind them (no roof, canopy, carport or underground structure: the
    rule overpass.is_obstacle documents, written again here)."""
    elements = json.loads(path.read_text(encoding="utf-8"))["elements"]
    if kind == "surveillance":
        return sum(e.get("tags", {}).get("man_made") == "surveillance" for e in elements)
    if kind == "highways":
        return sum(e["type"] == "way" and len(e.get("geometry", [])) >= 2 for e in elements)

    def obstacle(tags: dict) -> bool:
        layer = str(tags.get("layer", "0")).strip()
        return not (tags.get("building") in ("roof", "underground", "canopy", "carport")
                    or tags.get("location") in ("underground", "underwater")
                    or tags.get("underground") == "yes"
                    or (layer.lstrip("-").isdigit() and int(layer) < 0))

    return sum(e["type"] == "way" and "building" in e.get("tags", {})
               and len(e.get("geometry", [])) >= 4 and obstacle(e["tags"]) for e in elements)


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
