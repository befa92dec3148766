"""``geocover contrib export-osm``: JOSM files that Debian's osmium-tool reads back with
the same tags and coordinates.

The Monaco cameras (the real Overpass answer of the offline bundle) are converted to a
CSV in tmp_path and added to a synthetic test city: Monaco is not a French commune, so
its "commune" is a bundle folder made in tmp_path holding
``geo-api/communes-99138-contour.json`` (99138 is Monaco's INSEE country code): the
convex hull of the cameras buffered by 500 m, labelled synthetic.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geocover.outputs import osmfile
from geocover.outputs.osmfile import OsmNode, to_josm_xml

pytestmark = pytest.mark.skipif(shutil.which("osmium") is None, reason="needs Debian's osmium-tool")


def osmium_nodes(path: Path) -> list[tuple[int, float, float, dict[str, str]]]:
    """(id, lon, lat, tags) of every node, as osmium reads the file (OPL output)."""
    info = subprocess.run(["osmium", "fileinfo", "-e", str(path)], capture_output=True, text=True,
                          check=True)
    assert "Format: XML" in info.stdout
    opl = subprocess.run(["osmium", "cat", str(path), "-f", "opl"], capture_output=True,
                         text=True, check=True).stdout
    nodes = []
    for line in opl.splitlines():
        fields = {part[0]: part[1:] for part in line.split(" ")}
        tags = {}
        if fields["T"]:
            for pair in fields["T"].split(","):
                key, _, value = pair.partition("=")
                tags[_opl(key)] = _opl(value)
        nodes.append((int(fields["n"]), float(fields["x"]), float(fields["y"]), tags))
    return nodes


def _opl(text: str) -> str:
    """Undo OPL escaping (%XX% with a hex code point)."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "%":
            end = text.index("%", i + 1)
            out.append(chr(int(text[i + 1:end], 16)))
            i = end + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


@pytest.fixture
def monaco(tmp_path: Path, bundle: Path):
    """A synthetic test city on Monaco; returns (overpass answer, CLI city arguments, folder)."""
    answer = json.loads(
        (bundle / "osm" / "monaco-surveillance.overpass.json").read_text(encoding="utf-8")
    )
    points = [shapely.Point(e["lon"], e["lat"]) for e in answer["elements"]]
    hull = gpd.GeoSeries([shapely.MultiPoint(points).convex_hull], crs="EPSG:4326")
    area = hull.to_crs(hull.estimate_utm_crs()).buffer(500).to_crs("EPSG:4326").iloc[0]
    test_bundle = tmp_path / "bundle"
    (test_bundle / "geo-api").mkdir(parents=True)
    (test_bundle / "geo-api" / "communes-99138-contour.json").write_text(json.dumps({
        "type": "Feature",
        "properties": {"code": "99138", "nom": "Monaco (synthetic test commune)", "synthetic": True,
                       "note": "convex hull of the OSM cameras buffered 500 m; not a boundary"},
        "geometry": shapely.geometry.mapping(area),
    }), encoding="utf-8")
    data_dir = tmp_path / "data"
    folder = data_dir / "monaco"
    folder.mkdir(parents=True)
    (folder / "city.toml").write_text(
        '[city]\nname = "Monaco (test)"\ninsee = "99138"\n', encoding="utf-8"
    )
    return answer, ("monaco", "--data-dir", str(data_dir), "--bundle", str(test_bundle)), folder


def overpass_to_csv(answer: dict, path: Path) -> Path:
    keys = sorted({k for e in answer["elements"] for k in e.get("tags", {})})
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["lat", "lon", *keys])
        for element in answer["elements"]:
            tags = element.get("tags", {})
            writer.writerow([element["lat"], element["lon"], *(tags.get(k, "") for k in keys)])
    return path


def test_monaco_round_trip_through_osmium(monaco, cli, tmp_path):
    answer, args, _folder = monaco
    assert len(answer["elements"]) == 16
    source = overpass_to_csv(answer, tmp_path / "monaco-cameras.csv")
    added = cli("contrib", "add", str(source), *args, "--contributor", "tests")
    assert added.returncode == 0, added.stderr
    assert "accepted 16, rejected 0, duplicates 0" in added.stdout

    output = tmp_path / "monaco.osm"
    done = cli("contrib", "export-osm", *args, "-o", str(output))
    assert done.returncode == 0, done.stderr
    assert f"wrote 16 new nodes to {output}" in done.stdout
    text = output.read_text(encoding="utf-8")
    assert '<osm version="0.6" generator="geocover">' in text
    assert "contributor" not in text and "added" not in text  # provenance is not a tag

    nodes = osmium_nodes(output)
    assert sorted(n[0] for n in nodes) == list(range(-16, 0))
    expected = sorted((round(e["lon"], 7), round(e["lat"], 7), tuple(sorted(e["tags"].items())))
                      for e in answer["elements"])
    got = sorted((round(lon, 7), round(lat, 7), tuple(sorted(tags.items())))
                 for _, lon, lat, tags in nodes)
    assert got == expected  # the same tags, the same coordinates
    for *_, tags in nodes:
        assert tags["man_made"] == "surveillance" and tags["surveillance:type"] == "camera"


def test_export_leaves_out_what_osm_has_or_should_not_get(monaco, cli, tmp_path, bundle):
    answer, args, _folder = monaco
    source = overpass_to_csv(answer, tmp_path / "monaco-cameras.csv")
    assert cli("contrib", "add", str(source), *args).returncode == 0
    extra = tmp_path / "extra.geojson"
    lon, lat = 7.4200, 43.7350
    extra.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": {"id": "osm:node/42", "camera:type": "dome"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon + 0.001, lat]},
         "properties": {"camera:type": "fixed", "location_precision": "street"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon + 0.002, lat]},
         "properties": {"camera_type": "fixed", "directions": "SE", "height_m": 4,
                        "Numéro": "12", "name": '<Caméra & "Co">'}},
    ]}), encoding="utf-8")
    assert cli("contrib", "add", str(extra), *args).returncode == 0
    output = tmp_path / "out.osm"
    overpass = bundle / "osm" / "monaco-surveillance.overpass.json"
    done = cli("contrib", "export-osm", *args, "-o", str(output), "--osm", str(overpass))
    assert done.returncode == 0, done.stderr
    assert "osm:node/42: left out: already in OSM (osm: id)" in done.stdout
    assert "left out: location precision street: place it exactly first" in done.stdout
    assert done.stdout.count("m from OSM camera osm:node/") == 16
    assert "keys that are not OSM tags, left out: Numéro" in done.stdout
    (node,) = osmium_nodes(output)
    _, got_lon, got_lat, tags = node
    assert (round(got_lon, 7), round(got_lat, 7)) == (round(lon + 0.002, 7), lat)
    assert tags == {"camera:type": "fixed", "camera:direction": "SE", "height": "4",
                    "name": '<Caméra & "Co">', "man_made": "surveillance",
                    "surveillance:type": "camera"}


def test_empty_export_is_a_valid_file(monaco, cli, tmp_path):
    _, args, _ = monaco
    output = tmp_path / "none.osm"
    done = cli("contrib", "export-osm", *args, "-o", str(output))
    assert done.returncode == 0, done.stderr
    assert "wrote 0 new nodes" in done.stdout
    assert osmium_nodes(output) == []


def test_xml_escaping_and_limits(tmp_path):
    tags = {
        "name": "a < b & \"c\" 'd' >",
        "note": "ligne\nsuivante\ttab",
        "man_made": "surveillance",
    }
    path = tmp_path / "escape.osm"
    path.write_bytes(to_josm_xml([OsmNode(7.4, 43.7, tags)]))
    ((_, lon, lat, read),) = osmium_nodes(path)
    assert read == tags and (lon, lat) == (7.4, 43.7)
    from geocover.outputs.osmfile import check_tags

    assert check_tags({"name": "x" * 256}) == "tag name is longer than OSM's 255 characters"
    assert check_tags({"Code postal": "75001"}).startswith("key 'Code postal' is not an OSM key")


def test_osm_tags_complete_from_schema_fields():
    record = {"camera_type": "dome", "directions": [(350.0, 10.0)], "height_m": 6.5,
              "tags": {"direction": "0", "contributor": "x", "geocode:score": "0.9"}}
    tags, left_out = osmfile.osm_tags(record)
    # an existing direction key wins over the schema's directions
    assert tags == {"direction": "0", "camera:type": "dome", "height": "6.5",
                    "man_made": "surveillance", "surveillance:type": "camera"}
    assert left_out == ["geocode:score"]
