"""Data dates: every source carries the date of its data, not of its file (issue 11, item 7).

The expected dates are read independently of geocover's code: the bundle's
``bundle.json`` and the Overpass answer's ``osm3s`` with :mod:`json`, file dates with
:func:`os.stat`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from geocover import analyse, settings
from geocover.errors import DataError
from geocover.outputs import report
from geocover.schema.city import City
from geocover.schema.provenance import SourceRecord
from geocover.sources import bundle as bundle_manifest
from geocover.sources.layers import load_camera_layers
from tests.helpers import SYNTHETIC_CODE, l93_box, write_layer, write_synthetic_bundle

PARIS_OSM = "osm/paris-20250208-surveillance.overpass.json"
PARIS_BOUNDARY = "communes/paris-75056-adminexpress2018.geojson"


def _manifest(bundle: Path) -> dict[str, Any]:
    files: dict[str, Any] = json.loads((bundle / "bundle.json").read_text("utf-8"))["files"]
    return files


def _file_day(path: Path) -> str:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date().isoformat()


@pytest.fixture(scope="module")
def paris_osm(bundle: Path):  # type: ignore[no-untyped-def]
    return analyse("paris", bundle=bundle, cameras=[bundle / PARIS_OSM])


def test_paris_osm_file_is_dated_by_its_answer_and_the_boundary_by_the_manifest(bundle, paris_osm):
    stamp = json.loads((bundle / PARIS_OSM).read_text("utf-8"))["osm3s"]["timestamp_osm_base"]
    manifest = _manifest(bundle)
    assert stamp.startswith("2025-02-08") and manifest[PARIS_BOUNDARY]["vintage"] == "2018"
    data = report.to_dict(paris_osm)
    sources = {s["layer"]: s for s in data["sources"]}
    assert sources["commune"]["vintage"] == data["commune"]["vintage"] == "2018"
    assert sources["commune"]["vintage_basis"] == "bundle.json"
    assert sources["commune"]["licence"] == manifest[PARIS_BOUNDARY]["licence"]
    cameras = sources["cameras"]
    assert cameras["vintage"] == stamp and cameras["vintage_basis"] == "osm3s.timestamp_osm_base"
    assert cameras["licence"] == manifest[PARIS_OSM]["licence"] == "ODbL"
    assert cameras["attribution"].startswith(manifest[PARIS_OSM]["attribution"])
    assert cameras["files"] == [f"bundle:{PARIS_OSM}"]
    # The retrieval date of a local file stays its own modification date: both are kept.
    assert cameras["retrieved"] == _file_day(bundle / PARIS_OSM)
    files = {f["path"]: f for f in data["provenance"]["files"]}
    assert files[f"bundle:{PARIS_OSM}"]["vintage"] == stamp
    assert files[f"bundle:{PARIS_BOUNDARY}"]["vintage"] == "2018"
    assert data["provenance"]["sources"] == data["sources"]


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_paris_report_shows_both_dates(bundle, paris_osm, fmt):
    page = report.render(paris_osm, fmt)
    assert "data of 2025-02-08 (osm3s.timestamp_osm_base)" in page
    assert "data of 2018 (bundle.json)" in page
    # Where the data's date and the file's differ, both are shown.
    assert f"file dated {_file_day(bundle / PARIS_BOUNDARY)}" in page


def test_map_sources_panel_shows_the_data_dates(paris_osm):
    from geocover.outputs.webmap import render_map

    page = render_map(paris_osm)
    assert "data of 2018 (bundle.json)" in page
    assert "data of 2025-02-08 (osm3s.timestamp_osm_base)" in page


def test_cli_report_paris_with_the_osm_file(cli, bundle):
    result = cli("report", "paris", "--bundle", str(bundle), "--cameras", str(bundle / PARIS_OSM))
    assert result.returncode == 0, result.stderr
    sources = result.stdout.split("\nSources\n", 1)[1]
    commune = next(line for line in sources.splitlines() if line.startswith("  - commune:"))
    cameras = next(line for line in sources.splitlines() if line.startswith("  - cameras:"))
    assert "data of 2018" in commune and "2025-02-08" in cameras
    assert "boundary: bundle:communes/paris-75056-adminexpress2018.geojson, data of 2018" \
        in result.stdout


def test_official_lists_are_dated_by_the_manifest(bundle):
    manifest = _manifest(bundle)
    # two vintages of one source are never read together (issue 11): one run each
    lists = [s for name in ("paris-pvpp2013", "paris-bovp2019")
             for s in analyse("paris", bundle=bundle, lists=[name], osm=False,
                              presets=["sunders"]).sources
             if s.origin.startswith("list:")]
    assert [s.vintage for s in lists] == [
        manifest["cameras/paris-pvpp-circa2013.geojson"]["vintage"],
        manifest["cameras/paris-bovp2019-geocoded.geojson"]["vintage"],
    ] == ["2013", "2019-02-01"]
    assert [s.attribution for s in lists] == [
        manifest["cameras/paris-pvpp-circa2013.geojson"]["attribution"],
        manifest["cameras/paris-bovp2019-geocoded.geojson"]["attribution"],
    ]


def test_a_bundle_without_manifest_says_date_unknown(tmp_path):
    folder = write_synthetic_bundle(tmp_path / "synthetic-bundle", side_km=2.0)
    assert not (folder / "bundle.json").exists()
    analysis = analyse(insee=SYNTHETIC_CODE, bundle=folder)
    commune = analysis.sources[0]
    assert commune.layer == "commune" and commune.vintage is None
    assert commune.vintage_basis == "date unknown: the bundle has no bundle.json"
    assert report.to_dict(analysis)["commune"]["vintage"] is None
    text = report.to_text(analysis)
    assert "date unknown (date unknown: the bundle has no bundle.json)" not in text
    assert "date unknown: the bundle has no bundle.json" in text
    assert "data of" not in text.split("\nSources\n", 1)[1].splitlines()[1]


def test_a_manifest_dates_files_and_folders(tmp_path):
    folder = write_synthetic_bundle(tmp_path / "synthetic-bundle", side_km=2.0)
    rel = f"geo-api/communes-{SYNTHETIC_CODE}-contour.json"
    manifest = {"about": "synthetic, written by tests",
                "files": {"geo-api/": {"vintage": "2001", "licence": "synthetic licence",
                                       "attribution": "synthetic folder"}}}
    (folder / "bundle.json").write_text(json.dumps(manifest))
    assert analyse(insee=SYNTHETIC_CODE, bundle=folder).sources[0].vintage == "2001"
    manifest["files"][rel] = {"vintage": "2003-04-05", "licence": "synthetic file licence"}
    (folder / "bundle.json").write_text(json.dumps(manifest))
    commune = analyse(insee=SYNTHETIC_CODE, bundle=folder).sources[0]
    assert (commune.vintage, commune.licence) == ("2003-04-05", "synthetic file licence")
    assert bundle_manifest.entry_for(folder, folder / "elsewhere.json") is None
    assert bundle_manifest.data_date(folder, folder / "elsewhere.json").basis \
        == "date unknown: not listed in bundle.json"
    (folder / "bundle.json").write_text("{not json")
    with pytest.raises(DataError, match="not a JSON manifest") as info:
        analyse(insee=SYNTHETIC_CODE, bundle=folder)
    assert info.value.path is not None and info.value.path.endswith("bundle.json")


def test_perimeters_are_dated_by_their_latest_decree(bundle, tmp_path):
    path = write_layer(tmp_path / "synthetic-perimeters.geojson", [
        {"id": "SYN-1", "name": "synthetic", "decree_date": "2019-01-01",
         "geometry": l93_box(0, 0, 1, 1)},
        {"id": "SYN-2", "name": "synthetic", "decree_date": "2020-03-01",
         "geometry": l93_box(1, 0, 2, 1)},
    ])
    source = analyse("metz", bundle=bundle, perimeters=path).sources[1]
    assert (source.layer, source.vintage, source.vintage_basis) == (
        "perimeters", "2020-03-01", "latest decree_date in the file")
    assert source.files[0].bytes == path.stat().st_size


def test_live_overpass_keeps_its_retrieval_time_and_its_data_date(
    httpserver: HTTPServer, bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from werkzeug import Response

    def answer(request: Any) -> Any:
        query = request.get_data(as_text=True)
        name = ("buildings" if "building" in query else
                "highways" if "highway" in query else "surveillance")
        text = (bundle / "osm" / f"monaco-{name}.overpass.json").read_text("utf-8")
        return Response(text, content_type="application/json")

    httpserver.expect_request("/api/interpreter", method="POST").respond_with_handler(answer)
    monkeypatch.setattr(settings, "OVERPASS_URL", httpserver.url_for("/api/interpreter"))
    stamp = json.loads((bundle / "osm/monaco-surveillance.overpass.json").read_text())["osm3s"]
    city = City(slug="synthetic", name="Synthetic", insee="98000", folder=tmp_path)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    layers = load_camera_layers(city, bundle=None)
    cameras = layers.sources[0]
    assert cameras.vintage == stamp["timestamp_osm_base"]
    assert cameras.url is not None and cameras.url.startswith(httpserver.url_for("/"))
    assert cameras.retrieved_at is not None
    assert dt.datetime.fromisoformat(cameras.retrieved_at) >= before
    assert cameras.files == ()
    assert [s.layer for s in layers.sources] == ["cameras", "buildings", "highways"]
    assert cameras.dates_text() == (f"data of {stamp['timestamp_osm_base'][:10]} "
                                    f"(osm3s.timestamp_osm_base), retrieved {before.date()}")


def test_dates_text_says_one_date_when_both_agree():
    same = SourceRecord("cameras", "synthetic", "2025-02-08", "synthetic", 1,
                        vintage="2025-02-08T14:06:51Z", vintage_basis="osm3s.timestamp_osm_base",
                        url="http://127.0.0.1:9/")
    assert same.dates_text() == "data of 2025-02-08 (osm3s.timestamp_osm_base)"
    nothing = SourceRecord("perimeters", "none digitized", "", "synthetic", 0,
                           vintage_basis="nothing read")
    assert nothing.dates_text() == ""


def test_a_list_without_manifest_is_dated_by_its_own_latest_installation(tmp_path):
    """Synthetic (generated here): two sites laid out like the BOVP list, in a bundle
    folder without bundle.json. The list's own dates give a lower bound of its age."""
    from geocover.sources.lists import PARIS_BOVP2019

    folder = tmp_path / "synthetic-bundle"
    path = folder / PARIS_BOVP2019.path
    path.parent.mkdir(parents=True)
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [2.35 + i / 1000, 48.85]},
         "properties": {"Numéro": str(i), "Implantation": "synthetic",
                        "Précision de l\u2019implantation": "croisement",
                        "Date de mise en service": day}}
        for i, day in enumerate(["01/02/15", "15/06/17", "inconnue"])
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    city = City(slug="synthetic", name="Synthetic", insee="75056", folder=tmp_path, osm=False,
                lists=(PARIS_BOVP2019.list_id,))
    source = load_camera_layers(city, bundle=folder).sources[0]
    assert (source.vintage, source.vintage_basis) == (
        "2017-06-15", "latest installation date in the list")
    assert source.count == 3 and source.files[0].path == f"bundle:{PARIS_BOVP2019.path}"
