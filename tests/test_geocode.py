"""``geocover cameras geocode``: the BAN address API, played by a real local server
(pytest-httpserver) that answers from the real Paris data.

The server answers each query for a row of ``cameras/paris-bovp2019-raw/annexe1.csv``
(1,391 sites) by looking its address (postcode and ``Implantation``) up in the raw
geocoded table ``cameras/paris-bovp2019-raw/data.csv`` (707 rows, coordinates as text,
read with plain csv): a BAN-shaped FeatureCollection with those coordinates, or an empty
one for the 684 others. The output is then compared with another file, the published
``cameras/paris-bovp2019-geocoded.geojson``, by site number: the geocoder has to carry
each answer to the right row for the two to agree.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from werkzeug import Request, Response

from geocover import settings
from geocover.errors import SourceError
from geocover.sources import geocoder as geocode
from geocover.sources.camera_files import load_cameras_file

ANNEXE = Path("cameras/paris-bovp2019-raw/annexe1.csv")
RAW_GEOCODED = Path("cameras/paris-bovp2019-raw/data.csv")
GEOCODED = Path("cameras/paris-bovp2019-geocoded.geojson")


def ban_feature(
    lon: float, lat: float, label: str, score: float = 0.87, kind: str = "street"
) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"label": label, "score": score, "type": kind, "citycode": "75101"}}


def ban_answer(features: list[dict]) -> Response:
    return Response(
        json.dumps({"type": "FeatureCollection", "version": "draft", "features": features}),
        content_type="application/json",
    )


@pytest.fixture(scope="module")
def paris(bundle: Path) -> dict[tuple[str, str], tuple[float, float]]:
    """(postcode, Implantation) → coordinates of the 707 geocoded sites, from the raw
    ``data.csv`` (not the GeoJSON the output is compared with)."""
    with (bundle / ANNEXE).open(encoding="utf-8", newline="") as fh:
        assert sum(1 for _ in csv.DictReader(fh, delimiter=";")) == 1391
    with (bundle / RAW_GEOCODED).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert len(rows) == 707
    return {(row["Code postal"], row["Implantation"].strip()): (float(row["lon"]),
                                                                 float(row["lat"]))
            for row in rows}


def paris_handler(table, seen: list[dict] | None = None):
    def handle(request: Request) -> Response:
        args = dict(request.args)
        if seen is not None:
            seen.append(args)
        hit = table.get((args.get("postcode", ""), args.get("q", "").strip()))
        if hit is None:
            return ban_answer([])
        return ban_answer([ban_feature(hit[0], hit[1], args["q"])])
    return handle


def test_paris_list_707_geocoded_684_rejected(httpserver, paris, bundle, cli, tmp_path):
    seen: list[dict] = []
    httpserver.expect_request("/search/").respond_with_handler(paris_handler(paris, seen))
    output, rejects = tmp_path / "bovp.geojson", tmp_path / "bovp.rejects.csv"
    done = cli(
        "cameras", "geocode", str(bundle / ANNEXE), "--columns", "Implantation",
        "--postcode-column", "Code postal", "--id-column", "Numéro", "--list-id", "paris-bovp2019",
        "--citycode", "75056", "-o", str(output), "--rejects", str(rejects),
        env={"GEOCOVER_BAN_URL": httpserver.url_for("/").rstrip("/")}, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "geocoded 707 (street 707), rejected 684" in done.stdout
    assert "geocoded 1391/1391" in done.stderr  # progress
    # Paris is indexed by arrondissement: no citycode filter, the postcode filters instead
    assert all("citycode" not in args and args["limit"] == "1" for args in seen)
    assert {args["postcode"] for args in seen} >= {"75001", "75020"}

    cameras, _problems = load_cameras_file(output)
    assert len(cameras) == 707
    assert set(cameras["location_precision"]) == {"street"}
    geocoded = json.loads((bundle / GEOCODED).read_text(encoding="utf-8"))["features"]
    expected = {
        f"list:paris-bovp2019:{f['properties']['Numéro']}": tuple(f["geometry"]["coordinates"])
        for f in geocoded
    }
    got = {cid: (g.x, g.y) for cid, g in zip(cameras["id"], cameras.geometry, strict=True)}
    assert got == expected
    first = cameras.set_index("id").loc["list:paris-bovp2019:1051"]
    assert first["name"] == "Rue Saint-Denis, rue de Rivoli"
    assert first["tags"]["geocode:score"] == "0.8700" and first["tags"]["geocode:type"] == "street"
    assert first["tags"]["Date de mise en service"] == "08/07/16"  # the list's columns are kept

    with rejects.open(encoding="utf-8", newline="") as fh:
        rejected = list(csv.DictReader(fh))
    assert len(rejected) == 684
    assert rejected[0]["reason"] == f"no match for {rejected[0]['Implantation'].strip()!r}"
    assert {r["Numéro"] for r in rejected}.isdisjoint(
        {f["properties"]["Numéro"] for f in geocoded})


def test_precision_score_threshold_and_citycode(httpserver, tmp_path, monkeypatch):
    answers = {
        "12 rue Serpenoise": ban_feature(
            6.172, 49.116, "12 Rue Serpenoise 57000 Metz", 0.91, "housenumber"
        ),
        "Rue des Clercs": ban_feature(6.174, 49.118, "Rue des Clercs 57000 Metz", 0.74, "street"),
        "Metz centre": ban_feature(6.175, 49.119, "Metz", 0.55, "municipality"),
        "Rue Inconnue": ban_feature(6.1, 49.1, "Rue Connue 57000 Metz", 0.31, "street"),
    }
    seen: list[dict] = []

    def handle(request: Request) -> Response:
        seen.append(dict(request.args))
        hit = answers.get(request.args["q"])
        return ban_answer([hit] if hit else [])

    httpserver.expect_request("/search/").respond_with_handler(handle)
    monkeypatch.setattr(settings, "BAN_URL", httpserver.url_for("/"))
    source = tmp_path / "metz.csv"
    source.write_text("adresse\n12 rue Serpenoise\nRue des Clercs\nMetz centre\nRue Inconnue\n"
                      "Nulle part\n--\n", encoding="utf-8")
    result = geocode.geocode_list(source, columns=["adresse"], citycode="57463")
    assert result.by_precision() == {"exact": 1, "street": 1, "commune": 1}
    assert result.summary() == "geocoded 3 (commune 1, exact 1, street 1), rejected 3"
    assert [(line, reason) for line, reason, _ in result.rejects] == [
        (5, "score 0.31 below 0.5 (best match: 'Rue Connue 57000 Metz')"),
        (6, "no match for 'Nulle part'"),
        (7, "no address (fewer than 3 characters to search)"),
    ]
    assert {args["citycode"] for args in seen} == {"57463"}
    ids = [f["properties"]["id"] for f in result.features]
    assert ids == ["list:metz:2", "list:metz:3", "list:metz:4"]  # line numbers without --id-column


def test_429_then_200_through_the_shared_module(httpserver, monkeypatch):
    calls = []

    def handle(request: Request) -> Response:
        calls.append(request.args["q"])
        if len(calls) == 1:
            return Response("slow down", status=429)
        return ban_answer([ban_feature(6.17, 49.12, "Rue Serpenoise 57000 Metz")])

    httpserver.expect_request("/search/").respond_with_handler(handle)
    monkeypatch.setattr(settings, "BAN_URL", httpserver.url_for("/"))
    match = geocode.search("Rue Serpenoise", citycode="57463")
    assert match == geocode.Match(6.17, 49.12, 0.87, "Rue Serpenoise 57000 Metz", "street")
    assert calls == ["Rue Serpenoise", "Rue Serpenoise"]
    # the good answer was cached: no new request
    assert geocode.search("Rue Serpenoise", citycode="57463") == match
    assert len(calls) == 2


@pytest.mark.parametrize(
    "body,message",
    [
        (
            "<html>maintenance</html>",
            "malformed answer from {url} (Expecting value: line 1 column 1 (char 0))",
        ),
        (
            json.dumps({"type": "FeatureCollection", "features": [{"geometry": None}]}),
            "unusable answer from {url}: a result without Point coordinates and a numeric score "
            "(not a BAN answer?)",
        ),
        (
            json.dumps({"error": "oops"}),
            "unusable answer from {url}: expected a GeoJSON FeatureCollection",
        ),
    ],
)
def test_malformed_answer_stops_and_is_not_cached(body, message, httpserver, cli, tmp_path):
    httpserver.expect_request("/search/").respond_with_data(body, content_type="application/json")
    source = tmp_path / "list.csv"
    source.write_text("adresse\nRue Serpenoise\n", encoding="utf-8")
    output = tmp_path / "out.geojson"
    base = httpserver.url_for("/").rstrip("/")
    env = {"GEOCOVER_BAN_URL": base, "GEOCOVER_CACHE_DIR": str(tmp_path / "cache")}
    done = cli(
        "cameras", "geocode", str(source), "--columns", "adresse", "-o", str(output), env=env
    )
    assert done.returncode == 2
    url = f"{base}/search/?q=Rue+Serpenoise&limit=1"
    assert done.stderr == ("geocover: error: BAN geocoding of list.csv line 2: "
                           + message.format(url=url) + "\n")
    assert not output.exists()
    # nothing bad was cached: a repaired server is asked again and its answer used
    httpserver.clear()
    httpserver.expect_request("/search/").respond_with_handler(
        lambda request: ban_answer([ban_feature(6.17, 49.12, "Rue Serpenoise")]))
    again = cli(
        "cameras", "geocode", str(source), "--columns", "adresse", "-o", str(output), env=env
    )
    assert again.returncode == 0, again.stderr
    assert "geocoded 1 (street 1), rejected 0" in again.stdout


def test_failure_midway_says_how_to_resume(httpserver, monkeypatch, tmp_path):
    def handle(request: Request) -> Response:
        if request.args["q"] == "Rue Deux":
            return Response("<html>oops</html>", content_type="text/html")
        return ban_answer([ban_feature(6.17, 49.12, request.args["q"])])

    httpserver.expect_request("/search/").respond_with_handler(handle)
    monkeypatch.setattr(settings, "BAN_URL", httpserver.url_for("/"))
    source = tmp_path / "list.csv"
    source.write_text("adresse\nRue Une\nRue Deux\nRue Trois\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"\(stopped after 1 of 3 rows; the answers received are "
                       r"cached: run the command again to resume\)$"):
        geocode.geocode_list(source, columns=["adresse"])


def test_unusable_lists_exit_2(cli, tmp_path):
    source = tmp_path / "list.csv"
    source.write_text("adresse;cp\nRue Serpenoise;57000\n", encoding="utf-8")
    done = cli("cameras", "geocode", str(source), "--columns", "rue")
    assert done.returncode == 2
    assert done.stderr == (f"geocover: error: {source}: row 1: no column 'rue' in the header "
                           "(columns: adresse, cp)\n")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("adresse\nPlace Saint-Étienne\n".encode("latin-1"))
    done = cli("cameras", "geocode", str(latin), "--columns", "adresse")
    assert done.returncode == 2 and "not UTF-8 text (byte 0xc9 on line 2)" in done.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("adresse\n", encoding="utf-8")
    done = cli("cameras", "geocode", str(empty), "--columns", "adresse")
    assert done.returncode == 2 and "no rows" in done.stderr
    done = cli("cameras", "geocode", str(source), "--columns", "adresse", "--citycode", "Metz")
    assert done.returncode == 2 and done.stderr.startswith("geocover: error: --citycode: 'METZ'")


def test_nothing_geocoded_exits_1(httpserver, cli, tmp_path):
    httpserver.expect_request("/search/").respond_with_handler(lambda request: ban_answer([]))
    source = tmp_path / "list.csv"
    source.write_text("adresse\nRue Nulle Part\n", encoding="utf-8")
    done = cli("cameras", "geocode", str(source), "--columns", "adresse",
               env={"GEOCOVER_BAN_URL": httpserver.url_for("/").rstrip("/")})
    assert done.returncode == 1
    assert "geocoded 0, rejected 1" in done.stdout
    assert (tmp_path / "list.csv.rejects.csv").exists() and (
        tmp_path / "list.geocoded.geojson"
    ).exists()


def test_cameras_group_without_action_prints_help(cli):
    done = cli("cameras")
    assert done.returncode == 2 and "geocode" in done.stderr


def _paris_batch_handler(paris):
    def handle(request: Request) -> Response:
        upload = request.files["data"].read().decode("utf-8")
        assert request.form.getlist("columns") == ["q"] and request.form["postcode"] == "postcode"
        rows = list(csv.DictReader(io.StringIO(upload)))
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([*rows[0].keys(), "latitude", "longitude", "result_label", "result_score",
                         "result_type"])
        for row in rows:
            hit = paris.get((row["postcode"], row["q"]))
            tail = [hit[1], hit[0], row["q"], "0.87", "street"] if hit else ["", "", "", "", ""]
            writer.writerow([*row.values(), *tail])
        return Response(out.getvalue(), content_type="text/csv")
    return handle


def test_batch_endpoint(httpserver, paris, bundle, monkeypatch):
    """One multipart POST to /search/csv/ geocodes the whole list, the same as row by row."""
    httpserver.expect_request("/search/csv/", method="POST").respond_with_handler(
        _paris_batch_handler(paris))
    monkeypatch.setattr(settings, "BAN_URL", httpserver.url_for("/"))
    result = geocode.geocode_list(bundle / ANNEXE, columns=["Implantation"],
                                  postcode_column="Code postal", id_column="Numéro", batch=True)
    assert (len(result.features), len(result.rejects)) == (707, 684)
    assert len(httpserver.log) == 1


def test_batch_answer_missing_rows_is_malformed(httpserver, monkeypatch, tmp_path):
    httpserver.expect_request("/search/csv/", method="POST").respond_with_data(
        "geocover_row,q,latitude,longitude,result_score\n", content_type="text/csv")
    monkeypatch.setattr(settings, "BAN_URL", httpserver.url_for("/"))
    source = tmp_path / "list.csv"
    source.write_text("adresse\nRue Serpenoise\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"malformed answer \(1 rows missing, first line 2\)"):
        geocode.geocode_list(source, columns=["adresse"], batch=True)


