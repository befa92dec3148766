"""``geocover contrib add`` and the worklist: a corpus of bad rows and files, each with its
exact reason, exit codes, idempotence, duplicates and merges.

Every test runs the real command (``python -m geocover``) on files generated in
tmp_path, against a test city whose commune is the real Metz boundary read in place
from the offline bundle.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
from pathlib import Path

import pytest
from pyproj import Transformer

from geocover.pipeline.contribute.add import add_contributions
from geocover.pipeline.contribute.validate import contribution_id
from geocover.pipeline.worklist import worklist
from geocover.sources.camera_files import load_contributions
from geocover.sources.city import load_city
from geocover.sources.communes import load_commune

HEADER = ["lat", "lon", "camera:type", "camera:direction", "height", "surveillance",
          "surveillance:type", "camera:mount"]
#: A valid row in the centre of Metz (near the cathedral).
GOOD = {"lat": "49.1196", "lon": "6.1764", "camera:type": "fixed", "camera:direction": "90",
        "height": "5", "surveillance": "public", "surveillance:type": "camera",
        "camera:mount": "wall"}
#: Another valid row, 1 km away (a separate camera).
OTHER = dict(GOOD, lat="49.1100", lon="6.1800")


def make_city(data_dir: Path, slug: str = "metz", insee: str = "57463", name: str = "Metz") -> Path:
    folder = data_dir / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "city.toml").write_text(
        f'[city]\nname = "{name}"\ninsee = "{insee}"\n', encoding="utf-8"
    )
    return folder


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    header = header or HEADER
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in header})
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "missing"


def read_rejects(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def city(tmp_path: Path, bundle: Path, cli):
    """A test city on the real Metz boundary whose cameras file holds one camera (OTHER)."""
    data_dir = tmp_path / "data"
    folder = make_city(data_dir)
    seed = write_csv(tmp_path / "seed.csv", [OTHER])
    # seeded in-process (the library call the command makes), to keep the suite quick
    done = add_contributions(seed, load_city("metz", data_dir), bundle=bundle,
                                     contributor="seed")
    assert done.summary() == "accepted 1, rejected 0, duplicates 0"

    class City:
        pass

    c = City()
    c.data_dir, c.folder, c.cameras = data_dir, folder, folder / "cameras.geojson"
    c.args = ("metz", "--data-dir", str(data_dir), "--bundle", str(bundle))
    return c


def _offset_point(bundle: Path, metres: float) -> tuple[float, float]:
    """(lat, lon) ``metres`` east of Metz's easternmost point: exactly that far outside."""
    commune = load_commune("57463", bundle=bundle).to_crs("EPSG:2154")
    _minx, _miny, maxx, _maxy = commune.geometry.iloc[0].bounds
    vertices = commune.geometry.iloc[0].exterior.coords
    y = next(vy for vx, vy in vertices if vx == maxx)
    lon, lat = Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True).transform(
        maxx + metres, y
    )
    return lat, lon


# --------------------------------------------------------------------------- row-level corpus

NUMBER = r"[\d,]+"
ROW_CASES: list[tuple[str, dict[str, str], str]] = [
    (
        "swapped",
        dict(GOOD, lat="6.1764", lon="49.1196"),
        r"latitude and longitude look swapped: as given \(latitude 6\.1764, longitude 49\.1196\) "
        rf"the point is {NUMBER} m outside Metz; swapped it is in Metz",
    ),
    (
        "text-in-latitude",
        dict(GOOD, lat="quarante-neuf"),
        "latitude 'quarante-neuf' is not a number",
    ),
    ("text-in-longitude", dict(GOOD, lon="6.17E"), "longitude '6.17E' is not a number"),
    ("missing-latitude", dict(GOOD, lat=""), "missing latitude"),
    ("nan-latitude", dict(GOOD, lat="nan"), "latitude 'nan' is not a finite number"),
    (
        "latitude-out-of-range",
        dict(GOOD, lat="149.1196"),
        r"latitude 149\.1196 is out of range \(-90 to 90\)",
    ),
    (
        "projected",
        dict(GOOD, lat="6894000", lon="932000"),
        r"coordinates \(932000, 6894000\) are not degrees: projected \(Lambert-93\?\)\? give WGS84 "
        "latitude and longitude",
    ),
    (
        "nancy",
        dict(GOOD, lat="48.6921", lon="6.1844"),
        rf"outside Metz: {NUMBER} m from the commune boundary \(tolerance 200 m\)",
    ),
    (
        "text-in-height",
        dict(GOOD, height="tall"),
        re.escape("height='tall': height 'tall' is not a number of metres (e.g. 5, 4.5 or 5 m)"),
    ),
    (
        "height-in-feet",
        dict(GOOD, height="15'"),
        re.escape('height="15\'": height in feet is not supported: give metres (e.g. 5 or 5 m)'),
    ),
    (
        "height-too-high",
        dict(GOOD, height="150"),
        re.escape("height='150' is out of range: a camera height is more than 0 and at most 100 m"),
    ),
    (
        "height-negative",
        dict(GOOD, height="-3"),
        re.escape("height='-3' is out of range: a camera height is more than 0 and at most 100 m"),
    ),
    (
        "unknown-camera-type",
        dict(GOOD, **{"camera:type": "bullet"}),
        re.escape("camera:type='bullet': not an OSM value (fixed, dome, panning or static)"),
    ),
    (
        "unknown-surveillance",
        dict(GOOD, surveillance="private"),
        re.escape("surveillance='private': not an OSM value (public, outdoor or indoor)"),
    ),
    (
        "guard",
        dict(GOOD, **{"surveillance:type": "guard"}),
        re.escape(
            "surveillance:type='guard' is a guard, not a camera: geocover takes cameras "
            "(camera or ALPR)"
        ),
    ),
    (
        "unknown-surveillance-type",
        dict(GOOD, **{"surveillance:type": "webcam"}),
        re.escape("surveillance:type='webcam' is not an OSM camera value (camera or ALPR)"),
    ),
    (
        "unknown-mount",
        dict(GOOD, **{"camera:mount": "lamp"}),
        re.escape(
            "camera:mount='lamp' is not an OSM value (wall, pole, ceiling, street_lamp, "
            "traffic_signals, building, roof, bridge, gantry, mast, tree)"
        ),
    ),
    (
        "direction-open-range",
        dict(GOOD, **{"camera:direction": "400-"}),
        re.escape(
            "camera:direction='400-': '400-' is not a range 'start-end' (one '-', a value "
            "on each side)"
        ),
    ),
    (
        "direction-degree-sign",
        dict(GOOD, **{"camera:direction": "90°"}),
        re.escape(
            "camera:direction='90°': '90°' in '90°' is neither degrees (0-360 clockwise from "
            "north) nor a compass direction; drop the degree sign"
        ),
    ),
    (
        "direction-negative",
        dict(GOOD, **{"camera:direction": "-90"}),
        re.escape(
            "camera:direction='-90': '-90' has no start: negative degrees are not allowed "
            "(write 270, not -90) and a range is 'start-end'"
        ),
    ),
    (
        "direction-empty-item",
        dict(GOOD, **{"camera:direction": "90;;180"}),
        re.escape("camera:direction='90;;180': empty item in the ';'-separated list '90;;180'"),
    ),
    (
        "two-problems",
        dict(GOOD, height="tall", surveillance="private"),
        re.escape(
            "surveillance='private': not an OSM value (public, outdoor or indoor); "
            "height='tall': height 'tall' is not a number of metres (e.g. 5, 4.5 or 5 m)"
        ),
    ),
]


@pytest.mark.parametrize("name,row,reason", ROW_CASES, ids=[c[0] for c in ROW_CASES])
def test_bad_row_is_rejected_with_its_reason(name, row, reason, city, cli, tmp_path):
    before = digest(city.cameras)
    source = write_csv(tmp_path / f"{name}.csv", [row])
    done = cli("contrib", "add", str(source), *city.args)
    assert done.returncode == 1, done.stdout + done.stderr  # every row rejected
    assert "accepted 0, rejected 1, duplicates 0" in done.stdout
    rejects = read_rejects(tmp_path / f"{name}.csv.rejects.csv")
    assert [r["row"] for r in rejects] == ["2"]
    assert re.fullmatch(reason, rejects[0]["reason"]), rejects[0]["reason"]
    assert rejects[0]["lat"] == row["lat"]  # the row as given, for the contributor to fix
    assert digest(city.cameras) == before


def test_extra_row_cases_in_one_file(city, cli, tmp_path):
    """Dates, tilt, precision, a ragged row and a conflicting pair of columns, in one file
    with one good row: the good row is added, each bad row gets its reason, exit 0."""
    header = HEADER + ["check_date", "camera:angle", "location_precision", "height_m"]
    rows = [
        dict(GOOD, lat="49.1150", lon="6.1700"),
        dict(GOOD, check_date="2023-02-30"),
        dict(GOOD, **{"camera:angle": "120"}),
        dict(GOOD, location_precision="approx"),
        dict(GOOD, height="5", height_m="6"),
    ]
    source = write_csv(tmp_path / "mixed.csv", rows, header)
    with source.open("a", encoding="utf-8") as fh:
        fh.write("49.12,6.17,fixed,90,5,public,camera,wall,,,,,extra,values\n")
    done = cli("contrib", "add", str(source), *city.args)
    assert done.returncode == 0, done.stderr
    assert "accepted 1, rejected 5, duplicates 0" in done.stdout
    reasons = {r["row"]: r["reason"] for r in read_rejects(tmp_path / "mixed.csv.rejects.csv")}
    assert reasons == {
        "3": "check_date='2023-02-30': date '2023-02-30' does not exist "
        "(day is out of range for month)",
        "4": "camera:angle='120': camera angle '120' is out of range: "
        "degrees below the horizontal, 0 to 90",
        "5": "location_precision='approx' is not one of exact, crossing, street, commune",
        "6": "height given twice with different values (height='5', height_m='6')",
        "7": "14 values for 12 columns (check the delimiter ',' and the quoting)",
    }


def test_boundary_tolerance(city, cli, tmp_path, bundle):
    near = _offset_point(bundle, 150)
    far = _offset_point(bundle, 350)
    source = write_csv(tmp_path / "edge.csv", [
        dict(GOOD, lat=f"{near[0]:.7f}", lon=f"{near[1]:.7f}"),
        dict(GOOD, lat=f"{far[0]:.7f}", lon=f"{far[1]:.7f}"),
    ])
    done = cli("contrib", "add", str(source), *city.args)
    assert done.returncode == 0, done.stderr
    assert "accepted 1, rejected 1, duplicates 0" in done.stdout
    assert "1 accepted rows lie outside the commune boundary but within 200 m of it" in done.stdout
    (reject,) = read_rejects(tmp_path / "edge.csv.rejects.csv")
    assert reject["row"] == "3"
    assert reject["reason"] == "outside Metz: 350 m from the commune boundary (tolerance 200 m)"


# --------------------------------------------------------------------------- whole-file corpus

_GOOD_LINE = "49.1196,6.1764,fixed,90,5,public,camera,wall\n"
_HEADER_LINE = ",".join(HEADER) + "\n"
_POLYGON = {
    "type": "Polygon",
    "coordinates": [[[6.17, 49.11], [6.18, 49.11], [6.18, 49.12], [6.17, 49.11]]],
}

FILE_CASES: list[tuple[str, str, bytes, list[str], str]] = [
    ("empty", "cams.csv", b"", [], "the file is empty"),
    ("blank", "cams.csv", b"  \n\n", [], "the file is empty"),
    (
        "header-only",
        "cams.csv",
        _HEADER_LINE.encode(),
        [],
        "no rows: the file has a header line but no data",
    ),
    (
        "utf16",
        "cams.csv",
        codecs.BOM_UTF16_LE + (_HEADER_LINE + _GOOD_LINE).encode("utf-16-le"),
        [],
        'UTF-16 text, not UTF-8: save it as UTF-8 ("CSV UTF-8"), or pass --encoding utf-16',
    ),
    (
        "latin1",
        "cams.csv",
        (_HEADER_LINE + _GOOD_LINE).encode()
        + "49.12,6.17,fixed,90,5,public,caméra,wall\n".encode("latin-1"),
        [],
        "not UTF-8 text (byte 0xe9 on line 3): save it as UTF-8, or pass --encoding latin-1 "
        "(or cp1252) if that is its encoding",
    ),
    (
        "no-coordinates",
        "cams.csv",
        b"address,camera:type\n1 rue Serpenoise,fixed\n",
        [],
        "row 1: no coordinate columns: expected lat/latitude/y and lon/lng/long/longitude/x "
        "(columns: address, camera:type); name them with --lat COL --lon COL",
    ),
    (
        "named-column-missing",
        "cams.csv",
        (_HEADER_LINE + _GOOD_LINE).encode(),
        ["--lat", "breite", "--lon", "lon"],
        "row 1: no column 'breite' in the header (columns: " + ", ".join(HEADER) + ")",
    ),
    (
        "polygons",
        "cams.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {}, "geometry": _POLYGON}] * 2,
            }
        ).encode(),
        [],
        "no Point features (2 Polygon): a camera is a Point, one per site (perimeters go through "
        "'geocover perimeters add')",
    ),
    (
        "bad-json",
        "cams.geojson",
        b'{"type": "FeatureCollection", "features": [',
        [],
        "not valid JSON (line 1: Expecting value)",
    ),
    (
        "not-geojson",
        "cams.json",
        b"[1, 2, 3]",
        [],
        "not GeoJSON: expected a FeatureCollection of Point features",
    ),
    (
        "empty-collection",
        "cams.geojson",
        b'{"type": "FeatureCollection", "features": []}',
        [],
        "no features: the FeatureCollection is empty",
    ),
    (
        "overpass",
        "cams.json",
        b'{"version": 0.6, "elements": []}',
        [],
        "an Overpass answer: those cameras are in OSM already, nothing to contribute",
    ),
    (
        "spreadsheet",
        "cams.xlsx",
        b"PK\x03\x04rest-of-a-zip",
        [],
        "a .xlsx file: cameras are added from CSV or GeoJSON; export it as one of those (polygons "
        "from a decree go through 'geocover perimeters add')",
    ),
    (
        "zip-named-csv",
        "cams.csv",
        b"PK\x03\x04rest-of-a-zip",
        [],
        "a ZIP archive (an .xlsx or .ods spreadsheet?), not CSV or GeoJSON: export it as CSV UTF-8",
    ),
    ("binary", "cams.csv", bytes(range(256)) * 4, [], "not a CSV or GeoJSON file (binary content)"),
    (
        "duplicate-header",
        "cams.csv",
        b"lat,lon,lat\n49.1,6.17,49.1\n",
        [],
        "row 1: column 'lat' appears twice in the header",
    ),
]


@pytest.mark.parametrize("name,filename,content,extra,reason", FILE_CASES,
                         ids=[c[0] for c in FILE_CASES])
def test_unusable_file_exits_2_with_one_line(
    name, filename, content, extra, reason, city, cli, tmp_path
):
    before = digest(city.cameras)
    source = tmp_path / name / filename
    source.parent.mkdir()
    source.write_bytes(content)
    done = cli("contrib", "add", str(source), *city.args, *extra)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr == f"geocover: error: {source}: {reason}\n"
    assert "Traceback" not in done.stderr
    assert digest(city.cameras) == before
    assert list(source.parent.iterdir()) == [source]  # no rejects file for an unusable file


def test_missing_file_and_unknown_encoding(city, cli, tmp_path):
    before = digest(city.cameras)
    done = cli("contrib", "add", str(tmp_path / "nope.csv"), *city.args)
    assert done.returncode == 2
    assert done.stderr == f"geocover: error: {tmp_path / 'nope.csv'}: no such file\n"
    source = write_csv(tmp_path / "ok.csv", [GOOD])
    done = cli("contrib", "add", str(source), *city.args, "--encoding", "klingon")
    assert done.returncode == 2
    assert done.stderr == ("geocover: error: unknown encoding 'klingon' "
                           "(e.g. utf-8, latin-1, cp1252)\n")
    done = cli("contrib", "add", str(source), *city.args, "--lat", "lat")
    assert done.returncode == 2
    assert "give both --lat and --lon (the coordinate columns), or neither" in done.stderr
    assert digest(city.cameras) == before


def test_damaged_store_is_never_overwritten(city, cli, tmp_path):
    city.cameras.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    before = digest(city.cameras)
    done = cli("contrib", "add", str(write_csv(tmp_path / "ok.csv", [GOOD])), *city.args)
    assert done.returncode == 2
    assert "the contributions file is not valid JSON" in done.stderr
    assert "restore it from git" in done.stderr
    assert digest(city.cameras) == before


def test_latin1_is_read_when_named(city, cli, tmp_path):
    source = tmp_path / "latin1.csv"
    source.write_bytes((",".join(HEADER + ["name"]) + "\n"
                        + "49.1196,6.1764,fixed,90,5,public,camera,wall,Caméra de la Comédie\n"
                        ).encode("latin-1"))
    assert cli("contrib", "add", str(source), *city.args).returncode == 2
    done = cli("contrib", "add", str(source), *city.args, "--encoding", "latin-1")
    assert done.returncode == 0, done.stderr
    cameras = load_contributions(city.cameras)
    assert "Caméra de la Comédie" in set(cameras["name"])


def test_utf8_bom_semicolons_and_decimal_commas(city, cli, tmp_path):
    source = tmp_path / "excel.csv"
    source.write_bytes(codecs.BOM_UTF8 + b"Latitude;Longitude;camera:type\n49,1196;6,1764;dome\n")
    done = cli("contrib", "add", str(source), *city.args)
    assert done.returncode == 0, done.stderr
    assert "accepted 1, rejected 0, duplicates 0" in done.stdout
    cameras = load_contributions(city.cameras)
    dome = cameras[cameras["camera_type"] == "dome"].iloc[0]
    assert (round(dome.geometry.y, 4), round(dome.geometry.x, 4)) == (49.1196, 6.1764)


def test_geojson_rows(city, cli, tmp_path):
    """Point features with OSM tags or schema names as properties; a Lambert-93 collection is
    reprojected; a line feature, a feature without geometry and string coordinates are
    rejected row by row."""
    features = [
        {"type": "Feature", "properties": {"camera:type": "dome", "height": 6},
         "geometry": {"type": "Point", "coordinates": [6.1700, 49.1150]}},
        {"type": "Feature", "properties": {"camera_type": "fixed", "directions": [[10, 10]],
                                           "height_m": 4.5},
         "geometry": {"type": "Point", "coordinates": [6.1720, 49.1160]}},
        {"type": "Feature", "properties": {},
         "geometry": {"type": "LineString", "coordinates": [[6.17, 49.11], [6.18, 49.12]]}},
        {"type": "Feature", "properties": {"camera:type": "fixed"}, "geometry": None},
        {"type": "Feature", "properties": {},
         "geometry": {"type": "Point", "coordinates": ["6.17", "north"]}},
    ]
    source = tmp_path / "walk.geojson"
    source.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    done = cli("contrib", "add", str(source), *city.args, "--contributor", "ana")
    assert done.returncode == 0, done.stderr
    assert "accepted 2, rejected 3, duplicates 0" in done.stdout
    reasons = {r["row"]: r["reason"] for r in read_rejects(tmp_path / "walk.geojson.rejects.csv")}
    assert reasons == {
        "3": "a LineString, not a Point: a camera is one point per site",
        "4": "no geometry: a camera is a Point",
        "5": "latitude 'north' is not a number",
    }
    cameras = load_contributions(city.cameras).set_index("id")
    added = cameras[cameras["source"] == "file:walk.geojson"]
    assert sorted(added["camera_type"]) == ["dome", "fixed"]
    fixed = added[added["camera_type"] == "fixed"].iloc[0]
    assert fixed["directions"] == [(10.0, 10.0)] and fixed["height_m"] == 4.5
    assert fixed["tags"]["camera:direction"] == "10" and fixed["tags"]["height"] == "4.5"
    stored = json.loads(city.cameras.read_text(encoding="utf-8"))["features"]
    assert {f["properties"]["contributor"] for f in stored} == {"seed", "ana"}

    l93 = tmp_path / "l93.geojson"
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True).transform(6.1650, 49.1180)
    l93.write_text(json.dumps({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}},
        "features": [{"type": "Feature", "properties": {"camera:type": "panning"},
                      "geometry": {"type": "Point", "coordinates": [x, y]}}],
    }), encoding="utf-8")
    done = cli("contrib", "add", str(l93), *city.args)
    assert "accepted 1, rejected 0, duplicates 0" in done.stdout, done.stderr
    panning = load_contributions(city.cameras).query("camera_type == 'panning'").iloc[0]
    assert abs(panning.geometry.x - 6.1650) < 1e-7 and abs(panning.geometry.y - 49.1180) < 1e-7


# ---------------------------------------------------------------------- ids, duplicates, merges


def test_same_file_twice_adds_nothing_and_ids_are_stable(city, cli, tmp_path):
    source = write_csv(tmp_path / "walk.csv", [
        GOOD, dict(GOOD, lat="49.1150", lon="6.1700", **{"camera:type": "dome"})])
    first = cli("contrib", "add", str(source), *city.args)
    assert first.returncode == 0 and "accepted 2, rejected 0, duplicates 0" in first.stdout
    after_first = digest(city.cameras)
    ids = [f["properties"]["id"] for f in json.loads(city.cameras.read_text())["features"]]
    assert all(re.fullmatch(r"contrib:[0-9a-f]{12}", i) for i in ids)
    second = cli("contrib", "add", str(source), *city.args)
    assert second.returncode == 0, second.stderr
    assert "accepted 0, rejected 0, duplicates 2 (2 already added)" in second.stdout
    assert digest(city.cameras) == after_first
    # the same file in another city folder gets the same ids
    other = tmp_path / "other-data"
    make_city(other)
    cli("contrib", "add", str(source), "metz", "--data-dir", str(other), "--bundle", city.args[-1])
    other_ids = [
        f["properties"]["id"]
        for f in json.loads((other / "metz" / "cameras.geojson").read_text())["features"]
    ]
    assert set(other_ids) <= set(ids) and len(other_ids) == 2
    assert contribution_id(6.1764, 49.1196, {"camera:type": "fixed"}) == \
        contribution_id(6.17640004, 49.11960004, {"camera:type": "fixed", "name": "x"})


def test_duplicates_are_reported_not_added(city, cli, tmp_path):
    """Exact duplicate rows, a row 3 m from another, and a row on top of a stored camera:
    reported with their distance; two cameras on one pole pointing different ways are two
    cameras."""
    near = dict(GOOD, lat="49.11963", lon="6.1764")  # 3.3 m north of GOOD
    pole = dict(GOOD, **{"camera:direction": "270"})  # same spot, other direction
    on_stored = dict(OTHER, **{"camera:direction": ""})  # the seed camera, no direction
    source = write_csv(tmp_path / "dups.csv", [GOOD, GOOD, near, pole, on_stored])
    done = cli("contrib", "add", str(source), *city.args)
    assert done.returncode == 0, done.stderr
    assert "accepted 2, rejected 0, duplicates 3" in done.stdout
    rejects = read_rejects(tmp_path / "dups.csv.rejects.csv")
    good_id = contribution_id(6.1764, 49.1196, dict(GOOD))
    seed_id = load_contributions(city.cameras).query("source == 'file:seed.csv'")["id"].iloc[0]
    assert [(r["row"], r["reason"]) for r in rejects] == [
        ("3", f"same position and tags as row 2 (id {good_id})"),
        ("4", f"duplicate: 3.3 m from row 2 ({good_id}), not added; pass --merge-duplicates to "
              "merge its tags into it"),
        ("6", f"duplicate: 0.0 m from camera {seed_id}, not added; pass --merge-duplicates to "
              "merge its tags into it"),
    ]


def test_all_duplicates_exit_0_and_leave_the_file_alone(city, cli, tmp_path):
    before = digest(city.cameras)
    source = write_csv(tmp_path / "again.csv", [dict(OTHER, lat="49.11001")])
    done = cli("contrib", "add", str(source), *city.args)
    assert done.returncode == 0
    assert "accepted 0, rejected 0, duplicates 1" in done.stdout
    assert digest(city.cameras) == before


def test_merge_duplicates_fills_missing_tags_without_overwriting(city, cli, tmp_path):
    bare = write_csv(
        tmp_path / "bare.csv", [{"lat": "49.1150", "lon": "6.1700", "camera:type": "fixed"}]
    )
    assert cli("contrib", "add", str(bare), *city.args).returncode == 0
    details = write_csv(
        tmp_path / "details.csv",
        [{"lat": "49.11502", "lon": "6.1700", "camera:type": "fixed", "camera:direction": "45",
          "height": "6", "camera:mount": "pole"}],
    )
    reported = cli("contrib", "add", str(details), *city.args)
    assert "accepted 0, rejected 0, duplicates 1" in reported.stdout
    merged = cli("contrib", "add", str(details), *city.args, "--merge-duplicates")
    assert merged.returncode == 0, merged.stderr
    assert "accepted 0, rejected 0, duplicates 1 (1 merged)" in merged.stdout
    assert re.search(r"row 2: merged into camera contrib:\w+ \(2\.2 m away\)", merged.stdout)
    camera = load_contributions(city.cameras).query("source == 'file:bare.csv'").iloc[0]
    assert camera["directions"] == [(45.0, 45.0)] and camera["height_m"] == 6.0
    assert camera["mount"] == "pole" and camera["tags"]["camera:direction"] == "45"
    after = digest(city.cameras)
    again = cli("contrib", "add", str(details), *city.args, "--merge-duplicates")
    assert again.returncode == 0 and digest(city.cameras) == after  # nothing new to merge


def test_dry_run_writes_nothing(tmp_path, cli, bundle):
    data_dir = tmp_path / "data"
    folder = make_city(data_dir)
    source = write_csv(tmp_path / "walk.csv", [GOOD, dict(GOOD, height="tall")])
    done = cli("contrib", "add", str(source), "metz", "--data-dir", str(data_dir),
               "--bundle", str(bundle), "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "dry run: accepted 1, rejected 1, duplicates 0" in done.stdout
    assert "row 3: height='tall'" in done.stdout
    assert not (folder / "cameras.geojson").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "walk.csv"]


def test_fixed_rejects_file_can_be_added_back(city, cli, tmp_path):
    source = write_csv(tmp_path / "walk.csv", [dict(GOOD, height="tall")])
    assert cli("contrib", "add", str(source), *city.args).returncode == 1
    rejects = tmp_path / "walk.csv.rejects.csv"
    fixed = tmp_path / "fixed.csv"
    fixed.write_text(rejects.read_text(encoding="utf-8").replace(",tall,", ",6,"), encoding="utf-8")
    done = cli("contrib", "add", str(fixed), *city.args)
    assert "accepted 1, rejected 0, duplicates 0" in done.stdout, done.stdout + done.stderr
    camera = load_contributions(city.cameras).query("source == 'file:fixed.csv'").iloc[0]
    assert camera["height_m"] == 6.0
    assert "row" not in camera["tags"] and "reason" not in camera["tags"]


def test_rejects_path_option(city, cli, tmp_path):
    source = write_csv(tmp_path / "walk.csv", [dict(GOOD, height="tall")])
    target = tmp_path / "out" / "why.csv"
    done = cli("contrib", "add", str(source), *city.args, "--rejects", str(target))
    assert done.returncode == 1
    assert read_rejects(target)[0]["reason"].startswith("height='tall'")
    assert not (tmp_path / "walk.csv.rejects.csv").exists()


def test_unconfigured_city_is_refused(cli, tmp_path, bundle):
    source = write_csv(tmp_path / "walk.csv", [GOOD])
    done = cli(
        "contrib",
        "add",
        str(source),
        "nowhere",
        "--data-dir",
        str(tmp_path),
        "--bundle",
        str(bundle),
    )
    assert done.returncode == 2
    assert "unknown city 'nowhere'" in done.stderr


# --------------------------------------------------------------------------- worklist


def test_worklist(city, cli, tmp_path):
    header = ["lat", "lon", "camera:type", "camera:direction", "height", "check_date"]
    rows = [
        {
            "lat": "49.1150",
            "lon": "6.1700",
            "camera:type": "fixed",
            "camera:direction": "90",
            "height": "5",
            "check_date": "2024-05-01",
        },  # complete and recent: not listed
        {"lat": "49.1160", "lon": "6.1710"},  # nothing known
        {
            "lat": "49.1170",
            "lon": "6.1720",
            "camera:type": "dome",
            "height": "4",
        },  # domes need no direction
        {
            "lat": "49.1180",
            "lon": "6.1730",
            "camera:type": "fixed",
            "camera:direction": "10",
            "height": "5",
            "check_date": "2020",
        },  # 2020 ends 2020-12-31: older than 4 years on 2025-01-01
        {
            "lat": "49.1190",
            "lon": "6.1740",
            "camera:type": "fixed",
            "camera:direction": "10",
            "height": "5",
            "check_date": "2021-01",
        },  # ends 2021-01-31: not older
    ]
    source = write_csv(tmp_path / "w.csv", rows, header)
    assert cli("contrib", "add", str(source), *city.args).returncode == 0
    prefix = tmp_path / "out" / "metz-todo"
    done = cli("contrib", "worklist", *city.args, "-o", str(prefix), "--today", "2025-01-01")
    assert done.returncode == 0, done.stderr
    with (tmp_path / "out" / "metz-todo.csv").open(encoding="utf-8") as fh:
        listed = {(r["latitude"], r["todo"]) for r in csv.DictReader(fh)}
    # the seed camera (OTHER) is complete and has no check_date: not listed either
    assert listed == {
        ("49.116", "camera:type; camera:direction; height"),
        ("49.118", "check_date 2020 older than 4 years"),
    }
    collection = json.loads((tmp_path / "out" / "metz-todo.geojson").read_text(encoding="utf-8"))
    assert len(collection["features"]) == len(listed)
    assert f"{len(listed)} of 6 cameras need a visit" in done.stdout


def test_worklist_library_rules():
    import geopandas as gpd
    import shapely

    cameras = gpd.GeoDataFrame(
        {
            "id": ["a", "b", "c"],
            "camera_type": ["panning", "fixed", "unknown"],
            "directions": [[], [(1.0, 1.0)], []],
            "height_m": [5.0, float("nan"), 3.0],
            "check_date": [None, "2019-06-30", "2021-02-29x"],
            "name": [None] * 3,
            "source": ["t"] * 3,
        },
        geometry=[shapely.Point(0, 0)] * 3,
        crs="EPSG:4326",
    )
    import datetime as dt

    todo = worklist(cameras, today=dt.date(2024, 2, 29)).set_index("id")["todo"].to_dict()
    assert todo == {"b": "height; check_date 2019-06-30 older than 4 years",
                    "c": "camera:type; camera:direction"}
