"""The command line as a user runs it: real files, parsed output. Most tests call
``geocover.cli.main`` in this process (the ``cli`` fixture); the last ones start real
processes for what only a process shows: the interpreter's exit codes, the console
script, Ctrl-C."""

from __future__ import annotations

import json
import shutil
import tomllib

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod, Transformer

from tests.conftest import ROOT
from tests.helpers import SYNTHETIC_CODE, l93_box, write_layer, write_synthetic_bundle


def test_metz_report_json_from_bundle(cli, bundle):
    result = cli("report", "--bundle", str(bundle), "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    commune = report["commune"]
    assert commune["code"] == "57463" and commune["name"] == "Metz"
    assert commune["area_km2"] == pytest.approx(41.75, abs=0.01)
    assert (
        abs(commune["area_km2"] - commune["geodesic_area_km2"]) / commune["geodesic_area_km2"]
        < 0.0005
    )
    # Independent geodesic area: pyproj Geod on the raw ring of the shared file.
    ring = json.loads((bundle / "geo-api/communes-57463-contour.json").read_text())["geometry"][
        "coordinates"
    ][0]
    lons, lats = zip(*ring, strict=True)
    area, _ = Geod(ellps="WGS84").polygon_area_perimeter(lons, lats)
    assert commune["geodesic_area_km2"] == pytest.approx(
        abs(area) / 1e6, abs=1e-6
    )  # JSON keeps 1 m²
    assert commune["official_area_km2"] == 41.94
    assert commune["source"].startswith("bundle:") and commune["retrieved"]
    assert report["perimeters"]["count"] == 0
    assert report["perimeters"]["area_km2"] == 0
    claims = {c["id"]: c for c in report["claims"]}
    for c in claims.values():
        assert set(c) >= {"id", "kind", "value", "verdict", "explanation"}
    share = claims["authorized-share"]
    assert share["verdict"] == "consistent"
    official_check = next(
        c for c in share["checks"] if c["against"] == "claimed area / official commune area"
    )
    assert official_check["measured"] == pytest.approx(21 / 41.94, rel=1e-9)
    assert round(100 * official_check["measured"], 2) == 50.07
    area = claims["authorized-area"]
    assert area["verdict"] == "unverifiable"
    assert "No authorized perimeter has been digitized" in area["explanation"]


def test_metz_text_report_reads_well(cli, bundle):
    result = cli("report", "--bundle", str(bundle))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # The planar area, computed here: the raw ring projected to Lambert-93 by pyproj.
    ring = json.loads((bundle / "geo-api/communes-57463-contour.json").read_text())
    lon, lat = zip(*ring["geometry"]["coordinates"][0], strict=True)
    x, y = Transformer.from_crs(4326, 2154, always_xy=True).transform(lon, lat)
    planar_km2 = shapely.Polygon(zip(x, y, strict=True)).area / 1e6
    assert f"{planar_km2:.3f} km²" in out and "41.940 km²" in out
    assert "50.07%" in out  # 21 / 41.94, formatted by Babel for English
    assert "0 digitized" in out
    short = out.split("In short", 1)[1].split("\n\n", 1)[0]
    # Of the claims of data/metz/city.toml, offline, only the share (21 km² of the 41.94
    # official) can be checked: no perimeter is digitized and no camera mapped, so every
    # other claim is unverifiable.
    claims = tomllib.loads((ROOT / "data/metz/city.toml").read_text(encoding="utf-8"))["claims"]
    assert json.loads((ROOT / "data/metz/cameras.geojson").read_text())["features"] == []
    n = len(claims)
    assert f"Of {n} claims, 1 consistent, 0 contradicted and {n - 1} unverifiable" in short
    assert "21 km² is 50.07% of the official 41.94 km²" in short
    assert "No camera site is mapped" in short and "148 claimed" in short
    assert "IGN – ADMIN EXPRESS" in out and "© OpenStreetMap contributors" in out


def test_markdown_report(cli, bundle, tmp_path):
    out = tmp_path / "r.md"
    result = cli("report", "--bundle", str(bundle), "--format", "markdown", "-o", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert text.startswith("# Video-surveillance claims of Metz")
    assert "## In short" in text
    # one line per claim, the arithmetic agreement said as such (issue 14)
    assert "- 50% of the commune authorized: the figures agree with each other." in text


@pytest.mark.parametrize("command", ["report", "map"])
def test_no_osm_with_an_output_file(cli, bundle, tmp_path, command):
    """--no-osm sets a switch where other commands take an OSM file: the output checks
    once read it as a path and crashed with a traceback."""
    out = tmp_path / ("paris.html" if command == "map" else "paris.md")
    result = cli(command, "paris", "--bundle", str(bundle), "--no-osm", "--list",
                 "paris-pvpp2013", "--preset", "sunders", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert out.stat().st_size > 1000


def test_bundle_from_environment(cli, bundle):
    result = cli("report", "--format", "json", env={"GEOCOVER_BUNDLE": str(bundle)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["commune"]["source"].startswith("bundle:")


def test_perimeters_option_on_a_synthetic_commune(cli, tmp_path):
    bundle = write_synthetic_bundle(tmp_path / "bundle")
    perimeters = write_layer(tmp_path / "digitized.geojson", [
        {"id": "A", "decree_ref": "synthetic", "geometry": l93_box(0, 0, 5, 10)},
        {"id": "B", "decree_ref": "synthetic", "geometry": l93_box(4, 0, 6, 10)},
    ])
    result = cli("report", "--insee", SYNTHETIC_CODE, "--bundle", str(bundle),
                 "--perimeters", str(perimeters), "--format", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["commune"]["area_km2"] == pytest.approx(100.0, rel=1e-9)
    assert report["perimeters"]["count"] == 2
    assert report["perimeters"]["area_km2"] == pytest.approx(60.0, rel=1e-9)
    assert report["perimeters"]["share"] == pytest.approx(0.6, rel=1e-9)
    assert report["claims"] == []  # an unconfigured commune has no claims


def test_metz_with_a_digitization_contradicting_the_claim(cli, bundle, tmp_path):
    """A (synthetic, test-only) perimeter of 1 km² against the claimed 21 km²: a partial
    set (not declared complete) is a lower bound and contradicts nothing; declared
    complete, it contradicts both figures."""
    import geopandas as gpd

    metz = gpd.read_file(bundle / "geo-api/communes-57463-contour.json").to_crs(2154)
    c = metz.geometry.iloc[0].centroid
    import shapely

    square = shapely.box(c.x - 500, c.y - 500, c.x + 500, c.y + 500)
    perimeters = write_layer(tmp_path / "p.geojson", [
        {"id": "synthetic-1", "decree_ref": "arrêté synthétique", "geometry": square}])
    result = cli("report", "--bundle", str(bundle), "--perimeters", str(perimeters),
                 "--format", "json", "--fail-on-contradiction")
    assert result.returncode == 0, result.stderr
    claims = {c["id"]: c for c in json.loads(result.stdout)["claims"]}
    assert claims["authorized-area"]["verdict"] == "unverifiable"
    data = json.loads(perimeters.read_text(encoding="utf-8"))
    data["completeness"] = {"complete": True, "as_of": "2020-02-01",
                            "decrees": ["arrêté synthétique"]}
    perimeters.write_text(json.dumps(data), encoding="utf-8")
    result = cli("report", "--bundle", str(bundle), "--perimeters", str(perimeters),
                 "--format", "json", "--fail-on-contradiction")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["perimeters"]["area_km2"] == pytest.approx(1.0, rel=1e-9)
    claims = {c["id"]: c for c in report["claims"]}
    assert claims["authorized-area"]["verdict"] == "contradicted"
    assert claims["authorized-share"]["verdict"] == "contradicted"


def _not_geospatial(folder):
    (folder / "p.geojson").write_text("this is not geospatial\n")
    return ["--perimeters", str(folder / "p.geojson")]


@pytest.mark.parametrize(
    "case, make, message",
    [
        ("not geospatial", _not_geospatial, "p.geojson: not a readable geospatial file"),
        (
            "point layer",
            lambda d: [
                "--perimeters",
                str(
                    write_layer(
                        d / "pts.geojson", [{"id": "a", "geometry": l93_box(0, 0, 1, 1).centroid}]
                    )
                ),
            ],
            "pts.geojson: row 0: a Point where polygons are expected",
        ),
        (
            "invalid polygon",
            lambda d: [
                "--perimeters",
                str(
                    write_layer(
                        d / "bow.geojson",
                        [
                            {
                                "id": "a",
                                "geometry": __import__("shapely").Polygon(
                                    [
                                        (930000, 6880000),
                                        (932000, 6882000),
                                        (932000, 6880000),
                                        (930000, 6882000),
                                    ]
                                ),
                            }
                        ],
                    )
                ),
            ],
            "bow.geojson: row 0: invalid polygon (Self-intersection",
        ),
        (
            "missing file",
            lambda d: ["--perimeters", str(d / "nope.geojson")],
            "nope.geojson: no such file",
        ),
        (
            "unknown insee in bundle",
            lambda d: ["--insee", "13055"],
            "commune 13055 is not in this bundle",
        ),
        ("malformed insee", lambda d: ["--insee", "12"], "'12' is not an INSEE commune code"),
        ("unknown city", lambda d: ["lyon"], "unknown city 'lyon'"),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(cli, bundle, tmp_path, case, make, message):
    args = make(tmp_path)
    out = tmp_path / "report.json"
    out.write_text("previous report\n")
    result = cli("report", "--bundle", str(bundle), *args, "--format", "json", "-o", str(out))
    assert result.returncode == 2, (case, result.stdout, result.stderr)
    assert message in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""
    assert out.read_text() == "previous report\n", "an existing output must survive a failed run"
    assert [p.name for p in tmp_path.glob(".report.json*")] == []


def test_no_crs_shapefile_and_assume_crs(cli, bundle, tmp_path):
    import warnings

    import geopandas as gpd

    path = tmp_path / "nocrs.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gpd.GeoDataFrame({"id": ["a"]}, geometry=[l93_box(0, 0, 1, 1)]).to_file(path)
    bundle2 = write_synthetic_bundle(tmp_path / "b")
    result = cli(
        "report", "--insee", SYNTHETIC_CODE, "--bundle", str(bundle2), "--perimeters", str(path)
    )
    assert result.returncode == 2 and "nocrs.shp: the file declares no CRS" in result.stderr
    result = cli(
        "report",
        "--insee",
        SYNTHETIC_CODE,
        "--bundle",
        str(bundle2),
        "--perimeters",
        str(path),
        "--assume-crs",
        "EPSG:2154",
        "--format",
        "json",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["perimeters"]["area_km2"] == pytest.approx(1.0, rel=1e-9)


@pytest.mark.parametrize(
    "toml, message",
    [
        ("[city\nname = 'x'", "malformed TOML"),
        ("[city]\nname = 'Metz'\n", "city.insee must be a non-empty string"),
        (
            "[city]\nname = 'Metz'\ninsee = '57463'\nofficial_area_km2 = 'big'\n",
            "city.official_area_km2 must be a non-negative number",
        ),
        (
            "[city]\nname = 'Metz'\ninsee = '57463'\n"
            "[[claims]]\nid = 'a'\nkind = 'weather'\nvalue = 1\nsource = 's'\n",
            "claims[1]: unknown kind 'weather'",
        ),
        (
            "[city]\nname = 'Metz'\ninsee = '57463'\n"
            "[[claims]]\nid = 'a'\nkind = 'authorized_share'\nvalue = 50\nsource = 's'\n",
            "authorized_share is a fraction",
        ),
    ],
)
def test_malformed_city_toml(cli, bundle, tmp_path, toml, message):
    (tmp_path / "metz").mkdir()
    (tmp_path / "metz" / "city.toml").write_text(toml)
    result = cli("report", "metz", "--data-dir", str(tmp_path), "--bundle", str(bundle))
    assert result.returncode == 2
    assert "city.toml" in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr


def test_live_unknown_insee_via_local_api(cli, httpserver):
    httpserver.expect_request("/communes/99998").respond_with_json({"code": 404}, status=404)
    result = cli(
        "report", "--insee", "99998", env={"GEOCOVER_GEO_API_URL": httpserver.url_for("/")}
    )
    assert result.returncode == 2
    assert "unknown INSEE code 99998" in result.stderr


def test_live_metz_via_local_api(cli, httpserver, bundle):
    body = (bundle / "geo-api/communes-57463-contour.json").read_text()
    httpserver.expect_request("/communes/57463").respond_with_data(body)
    result = cli(
        "report", "--format", "json", env={"GEOCOVER_GEO_API_URL": httpserver.url_for("/")}
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["commune"]["source"] == "geo.api.gouv.fr"
    assert report["commune"]["retrieved"]


def test_no_network_no_bundle_is_a_clear_error(cli):
    result = cli("report")
    assert result.returncode == 2
    assert "cannot reach" in result.stderr and "--bundle" in result.stderr


def test_help_and_version(cli):
    assert cli("--help").returncode == 0
    result = cli("report", "--help")
    assert result.returncode == 0 and "--perimeters" in result.stdout
    assert cli("--version").stdout.startswith("geocover ")
    assert cli().returncode == 2


def test_python_dash_m_and_console_script_agree(bundle):
    import subprocess
    import sys
    from pathlib import Path

    exe = shutil.which("geocover", path=str(Path(sys.executable).parent))
    assert exe, "the console script 'geocover' is installed"
    out = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("geocover ")


# ----------------------------------------------------------------- real processes


def test_real_process_exit_codes_and_one_line_errors(cli_process, bundle, tmp_path):
    """The interpreter's exit status, not main()'s return value: 2 and 1 (0: the console
    script's test below)."""
    bad = cli_process("report", "--insee", "12", "--bundle", str(bundle))
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("geocover: error: ")
    usage = cli_process("report", "--no-such-option")
    assert usage.returncode == 2 and "unrecognized arguments: --no-such-option" in usage.stderr
    metz = gpd.read_file(bundle / "geo-api/communes-57463-contour.json").to_crs(2154)
    c = metz.geometry.iloc[0].centroid  # a synthetic 1 km² perimeter against the 21 claimed
    square = shapely.box(c.x - 500, c.y - 500, c.x + 500, c.y + 500)
    perimeters = write_layer(tmp_path / "p.geojson", [
        {"id": "synthetic-1", "decree_ref": "arrêté synthétique", "geometry": square}])
    # declared complete (a partial set only bounds the area from below: no contradiction)
    data = json.loads(perimeters.read_text(encoding="utf-8"))
    data["completeness"] = {"complete": True, "as_of": "2020-02-01",
                            "decrees": ["arrêté synthétique"]}
    perimeters.write_text(json.dumps(data), encoding="utf-8")
    failed = cli_process("report", "--bundle", str(bundle), "--perimeters", str(perimeters),
                         "--fail-on-contradiction")
    assert failed.returncode == 1, failed.stderr


def test_ctrl_c_exits_130_and_writes_nothing(httpserver, tmp_path):
    """SIGINT while the command waits on the network: exit 130, one line, no output file."""
    import os
    import signal
    import subprocess
    import sys
    import threading

    asked, release = threading.Event(), threading.Event()

    def stall(request):
        asked.set()
        release.wait(30)
        from werkzeug import Response

        return Response('{"type": "FeatureCollection", "features": []}',
                        content_type="application/json")

    httpserver.expect_request("/search/").respond_with_handler(stall)
    source = tmp_path / "list.csv"
    source.write_text("adresse\n12 rue Serpenoise\n", encoding="utf-8")  # synthetic
    output = tmp_path / "out.geojson"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOCOVER_")}
    env.update(GEOCOVER_BAN_URL=httpserver.url_for("/").rstrip("/"),
               GEOCOVER_CACHE_DIR=str(tmp_path / "cache"), GEOCOVER_LANG="en")
    process = subprocess.Popen(
        [sys.executable, "-m", "geocover", "cameras", "geocode", str(source),
         "--columns", "adresse", "-o", str(output)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        assert asked.wait(120), "the command never asked the address server"
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=60)
    finally:
        release.set()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert err.splitlines()[-1] == "geocover: interrupted"
    assert not output.exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


#: Run a report in a fresh interpreter and print the modules it loaded.
_MODULES_OF_REPORT = """
import json, sys
from geocover.cli.main import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_report_loads_no_map_figure_contribution_nor_engine_code(bundle, tmp_path, fmt):
    """``geocover report metz`` offline (no camera, no building in the bundle) writes its
    report and loads none of what it does not use: the map (folium, jinja2), the figures
    (matplotlib), the network client (requests, sources.http), the contribution and perimeter-adding
    pipelines, the OSM writer, the union engine and the occlusion model. Every command
    builds the whole parser, so a subcommand importing its library at the top would load
    it here."""
    import subprocess
    import sys

    out = tmp_path / f"metz.{fmt}"
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("GEOCOVER_")}
    env.update(GEOCOVER_CACHE_DIR=str(tmp_path / "cache"), GEOCOVER_LANG="en",
               PYTHONPATH=str(ROOT))
    run = subprocess.run(
        [sys.executable, "-c", _MODULES_OF_REPORT, "report", "metz", "--bundle", str(bundle),
         "--format", fmt, "-o", str(out)],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["code"] == 0
    if fmt == "json":
        assert json.loads(out.read_text(encoding="utf-8"))["commune"]["code"] == "57463"
    else:
        assert "Metz" in out.read_text(encoding="utf-8")
    loaded = set(result["modules"])
    assert "geocover.pipeline.analysis" in loaded and "geopandas" in loaded  # it did run
    unwanted = {"folium", "jinja2", "branca", "matplotlib", "requests", "xml.etree.ElementTree",
                "geocover.outputs.webmap", "geocover.outputs.figures",
                "geocover.outputs.osmfile", "geocover.pipeline.contribute.add",
                "geocover.pipeline.worklist", "geocover.pipeline.perimeters_add",
                "geocover.sources.geocoder", "geocover.model.union",
                "geocover.model.occlusion", "geocover.sources.http", "numba",
                "geocover.model.boundary", "pyogrio"}
    assert sorted(unwanted & loaded) == []
    if fmt == "json":  # GDAL read nothing (the bundle's files are JSON): not listed as used
        from geocover.pipeline.provenance import GDAL_UNUSED

        software = json.loads(out.read_text(encoding="utf-8"))["provenance"]["software"]
        assert software["GDAL"] == software["pyogrio"] == GDAL_UNUSED


def test_a_geocover_process_collects_garbage_less_often():
    """The console script raises the collector's first threshold (a run's objects live to
    its end); importing geocover, as a notebook does, leaves Python's defaults."""
    import subprocess
    import sys

    probe = ("import atexit, gc, importlib; m = importlib.import_module('geocover.cli.main'); "
             "print(gc.get_threshold()[0], flush=True); "
             "atexit.register(lambda: print(gc.get_threshold()[0], flush=True)); "
             "m.run(['--version'])")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    from geocover.cli.main import GC_THRESHOLD

    numbers = [line for line in out.stdout.split() if line.isdigit()]
    assert numbers == ["700", str(GC_THRESHOLD)], out.stdout + out.stderr


def test_the_process_exits_without_teardown_and_loses_nothing(bundle, tmp_path):
    """``python -m geocover`` ends with os._exit after the exit handlers (no teardown of
    the interpreter): the report piped on stdout arrives whole, the same as with the
    ordinary exit (GEOCOVER_FULL_EXIT=1), a written file is complete, and a user's
    mistake still exits 2 with its one line on stderr."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOCOVER_")}
    env.update(GEOCOVER_CACHE_DIR=str(tmp_path / "cache"), GEOCOVER_LANG="fr",
               PYTHONPATH=str(ROOT))

    def geocover(*args, **extra):
        return subprocess.run([sys.executable, "-m", "geocover", *args], capture_output=True,
                              text=True, env={**env, **extra}, cwd=tmp_path, timeout=300)

    hard = geocover("report", "metz", "--bundle", str(bundle))
    full = geocover("report", "metz", "--bundle", str(bundle), GEOCOVER_FULL_EXIT="1")
    assert hard.returncode == full.returncode == 0, hard.stderr + full.stderr
    assert len(hard.stdout) > 2_000 and "Metz" in hard.stdout
    import re

    def untimed(text: str) -> str:  # (the time the report was generated)
        return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S*", "T", text)

    assert untimed(hard.stdout) == untimed(full.stdout)
    out = tmp_path / "metz.json"
    written = geocover("report", "metz", "--bundle", str(bundle), "--format", "json",
                       "-o", str(out))
    assert written.returncode == 0, written.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["commune"]["code"] == "57463"
    wrong = geocover("report", "99999", "--bundle", str(bundle))
    assert wrong.returncode == 2 and wrong.stdout == ""
    assert len(wrong.stderr.strip().splitlines()) == 1 and "99999" in wrong.stderr
