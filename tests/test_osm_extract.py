"""Cameras read from OSM extracts with pyosmium: the bundle's real Monaco extract checked
against an independent read by the osmium command-line tool, and a synthetic file
(generated here, labelled synthetic) for ways and skipped elements."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from geocover.errors import DataError
from geocover.sources.osm_extract import cameras_from_extract, is_osm_extract, read_extract

MONACO = "osm/monaco-2025-02-07.osm.pbf"


def _osmium_tool_read(path) -> dict[str, tuple[float, float]]:
    """``osmium tags-filter`` + OPL: every man_made=surveillance node id → (lon, lat)."""
    tool = shutil.which("osmium")
    assert tool, "osmium-tool is missing (scripts/sysdeps.sh)"
    out = subprocess.run([tool, "tags-filter", str(path), "nwr/man_made=surveillance",
                          "-f", "opl", "-o", "-", "--omit-referenced"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    found = {}
    for line in out.splitlines():
        fields = {f[0]: f[1:] for f in line.split(" ")}
        kind = line[0]
        if kind == "n":
            found[f"osm:node/{line.split(' ')[0][1:]}"] = (float(fields["x"]), float(fields["y"]))
        elif kind == "w":
            found[f"osm:way/{line.split(' ')[0][1:]}"] = (float("nan"), float("nan"))
    return found


def test_monaco_extract_against_the_osmium_tool(bundle):
    path = bundle / MONACO
    cameras, problems, extract = cameras_from_extract(path)
    independent = _osmium_tool_read(path)
    assert len(independent) == 16  # the bundle's README: 16 man_made=surveillance nodes
    assert extract.nodes == 16 and extract.ways == 0
    assert sorted(cameras["id"]) == sorted(independent)
    for cid, point in zip(cameras["id"], cameras.geometry, strict=True):
        assert (point.x, point.y) == pytest.approx(independent[cid], abs=1e-7)
    assert extract.timestamp == "2025-02-07T01:02:45Z"
    assert not [p for p in problems if "skipped" in p.reason]


SYNTHETIC_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="geocover tests (synthetic)">
  <node id="1" version="1" lat="43.0" lon="7.0"/>
  <node id="2" version="1" lat="43.0" lon="7.002"/>
  <node id="3" version="1" lat="43.001" lon="7.002"/>
  <node id="4" version="1" lat="43.001" lon="7.0"/>
  <node id="10" version="1" lat="43.01" lon="7.01">
    <tag k="man_made" v="surveillance"/><tag k="surveillance:type" v="camera"/>
    <tag k="camera:type" v="dome"/>
  </node>
  <node id="11" version="1" lat="43.02" lon="7.02">
    <tag k="man_made" v="surveillance"/><tag k="surveillance:type" v="guard"/>
  </node>
  <way id="20" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="man_made" v="surveillance"/><tag k="surveillance:type" v="camera"/>
  </way>
</osm>
"""


def test_ways_and_skipped_elements(tmp_path):
    path = tmp_path / "synthetic.osm"
    path.write_text(SYNTHETIC_OSM)
    assert is_osm_extract(path) and is_osm_extract("france.osm.pbf")
    extract = read_extract(path)
    assert (extract.nodes, extract.ways) == (2, 1)
    cameras, problems, _ = cameras_from_extract(path)
    assert sorted(cameras["id"]) == ["osm:node/10", "osm:way/20"]
    way = cameras.set_index("id").loc["osm:way/20", "geometry"]
    assert (way.x, way.y) == pytest.approx((7.001, 43.0005))  # centre of its box, by hand
    assert [p.id for p in problems if "skipped" in p.reason] == ["osm:node/11"]


def test_not_an_osm_file(tmp_path):
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"not a pbf at all")
    with pytest.raises(DataError, match=r"bad\.osm\.pbf"):
        read_extract(bad)
    with pytest.raises(DataError, match="no such file"):
        read_extract(tmp_path / "missing.osm.pbf")


def test_cli_cameras_extract(cli, bundle, tmp_path):
    out = tmp_path / "monaco.geojson"
    done = cli("cameras", "extract", str(bundle / MONACO), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "16 man_made=surveillance element(s) (16 node(s), 0 way(s)); 16 camera(s) kept" \
        in done.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["features"]) == 16
    assert {f["properties"]["id"] for f in data["features"]} == set(
        _osmium_tool_read(bundle / MONACO))
    bad = cli("cameras", "extract", str(tmp_path / "missing.osm.pbf"))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_batch_reads_an_extract(cli, bundle, tmp_path):
    """The Monaco extract's cameras, counted in the communes of Alpes-Maritimes they lie
    in (an independent point-in-polygon count on the bundle's file, read with json), and
    their fields of view reaching into the neighbouring communes (the halo)."""
    import geopandas as gpd
    import numpy as np
    import shapely

    out = tmp_path / "am.parquet"
    done = cli("batch", "--departement", "06", "--bundle", str(bundle), "--no-bundle-cameras",
               "--cameras", str(bundle / MONACO), "--preset", "factsheet-300m", "-o", str(out),
               "-q", "--data-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    xy = np.array(list(_osmium_tool_read(bundle / MONACO).values()))
    source = next((bundle / "communes" / "france").glob("communes-06-*.geojson"))
    communes = {f["properties"]["code"]: shapely.geometry.shape(f["geometry"])
                for f in json.loads(source.read_text(encoding="utf-8"))["features"]}
    inside = {code: int(shapely.contains_xy(g, xy[:, 0], xy[:, 1]).sum())
              for code, g in communes.items()}
    frame = gpd.read_parquet(out).set_index("code")
    assert frame["cameras"].astype(int).to_dict() == inside
    outside = 16 - sum(inside.values())
    assert f"{outside} camera(s) lie within no commune of département 06" in done.stderr
    seen = frame[frame["covered_km2_factsheet_300m"] > 0]
    assert set(seen.index) & {"06012", "06032"}  # Beausoleil, Cap-d'Ail
