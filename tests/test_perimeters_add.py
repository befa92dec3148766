"""``geocover perimeters add``: polygons digitized from a decree (GeoJSON, KML, GeoPackage,
Shapefile), validated by the perimeter rules and against the real Metz boundary, stored
with stable ids, under the lock, atomically."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geocover.pipeline.perimeters_add import add_perimeters, perimeter_id
from geocover.sources.city import load_city
from geocover.sources.perimeters import load_perimeters

BOX = shapely.box(6.170, 49.115, 6.180, 49.122)  # the centre of Metz
BOX2 = shapely.box(6.160, 49.100, 6.168, 49.106)
NANCY = shapely.box(6.17, 48.68, 6.19, 48.70)
BOWTIE = shapely.Polygon([(6.170, 49.115), (6.180, 49.122), (6.180, 49.115), (6.170, 49.122)])
DECREE = ("--decree-ref", "arrêté n° 2019-DCAT-12", "--decree-date", "2019-03-01")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "missing"


def write_geojson(path: Path, geometries, **props) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": dict(props), "geometry": shapely.geometry.mapping(g)}
        for g in geometries]}), encoding="utf-8")
    return path


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.fixture
def metz(tmp_path: Path, bundle: Path):
    data_dir = tmp_path / "data"
    folder = data_dir / "metz"
    folder.mkdir(parents=True)
    (folder / "city.toml").write_text('[city]\nname = "Metz"\ninsee = "57463"\n', encoding="utf-8")
    return folder / "perimeters.geojson", (
        "metz",
        "--data-dir",
        str(data_dir),
        "--bundle",
        str(bundle),
    )


def test_add_geojson_then_again(metz, cli, tmp_path):
    target, args = metz
    source = write_geojson(tmp_path / "centre.geojson", [BOX])
    done = cli("perimeters", "add", str(source), *args, *DECREE,
               "--source-url", "https://www.moselle.gouv.fr/raa", "--contributor", "ana")
    assert done.returncode == 0, done.stderr
    assert ("valid_until 2024-03-01: decree date + 5 years (authorizations last five years); "
            "pass --valid-until if the decree says otherwise") in done.stdout
    assert "added 1, already present 0, duplicates 0" in done.stdout
    loaded = load_perimeters(target)
    row = loaded.frame.iloc[0]
    assert row["id"] == perimeter_id(BOX, "arrêté n° 2019-DCAT-12")
    assert (row["decree_ref"], row["decree_date"], row["valid_until"]) == \
        ("arrêté n° 2019-DCAT-12", "2019-03-01", "2024-03-01")
    assert row["name"] == "arrêté n° 2019-DCAT-12"
    assert row["source_url"] == "https://www.moselle.gouv.fr/raa"
    assert "valid_until assumed: decree date + 5 years" in row["notes"]
    assert row.geometry.equals_exact(BOX, 1e-9)
    stored = json.loads(target.read_text(encoding="utf-8"))
    assert stored["features"][0]["properties"]["contributor"] == "ana"
    before = digest(target)
    again = cli("perimeters", "add", str(source), *args, *DECREE)
    assert again.returncode == 0
    assert "added 0, already present 1, duplicates 0" in again.stdout
    assert digest(target) == before


def test_kml_from_umap_keeps_names(metz, cli, tmp_path):
    target, args = metz
    kml = tmp_path / "umap.kml"
    gpd.GeoDataFrame({"Name": ["Centre-ville", "Gare"], "Description": ["zone 1", ""]},
                     geometry=[BOX, BOX2], crs="EPSG:4326").to_file(kml, driver="KML")
    done = cli("perimeters", "add", str(kml), *args, *DECREE, "--valid-until", "2023-12-31")
    assert done.returncode == 0, done.stderr
    assert "valid_until" not in done.stdout  # given, not assumed
    frame = load_perimeters(target).frame.set_index("name")
    assert sorted(frame.index) == ["Centre-ville", "Gare"]
    assert frame.loc["Centre-ville", "notes"] == "zone 1"
    assert set(frame["valid_until"]) == {"2023-12-31"}


def test_geopackage_in_lambert93_and_names(metz, cli, tmp_path):
    target, args = metz
    gpkg = tmp_path / "decree.gpkg"
    gpd.GeoDataFrame(geometry=[BOX, BOX2], crs="EPSG:4326").to_crs("EPSG:2154").to_file(
        gpkg, driver="GPKG"
    )
    done = cli("perimeters", "add", str(gpkg), *args, *DECREE, "--name", "Plan 2019")
    assert done.returncode == 0, done.stderr
    frame = load_perimeters(target).frame
    assert sorted(frame["name"]) == ["Plan 2019 (1/2)", "Plan 2019 (2/2)"]
    assert frame.geometry.iloc[0].symmetric_difference(BOX).area < 1e-12


def test_shapefile_without_crs_needs_assume_crs(metz, cli, tmp_path):
    target, args = metz
    shp = tmp_path / "nocrs.shp"
    frame = gpd.GeoDataFrame(geometry=[BOX], crs="EPSG:4326").to_crs("EPSG:2154")
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        frame.set_crs(None, allow_override=True).to_file(shp)
    assert not shp.with_suffix(".prj").exists()
    refused = cli("perimeters", "add", str(shp), *args, *DECREE)
    assert refused.returncode == 2
    assert refused.stderr == (
        f"geocover: error: {shp}: the file declares no CRS; re-export it with "
        "one, or pass --assume-crs EPSG:XXXX if you know it\n"
    )
    assert not target.exists()
    done = cli("perimeters", "add", str(shp), *args, *DECREE, "--assume-crs", "EPSG:2154")
    assert done.returncode == 0, done.stderr
    assert "no CRS declared, assumed EPSG:2154" in done.stderr
    assert load_perimeters(target).frame.geometry.iloc[0].symmetric_difference(BOX).area < 1e-12


def test_invalid_polygon_refused_or_repaired(metz, cli, tmp_path):
    target, args = metz
    source = write_geojson(tmp_path / "bowtie.geojson", [BOWTIE])
    refused = cli("perimeters", "add", str(source), *args, *DECREE)
    assert refused.returncode == 2
    assert refused.stderr.startswith(
        f"geocover: error: {source}: row 0: invalid polygon (Self-intersection"
    )
    assert "pass --on-invalid repair" in refused.stderr
    assert not target.exists()
    done = cli("perimeters", "add", str(source), *args, *DECREE, "--on-invalid", "repair")
    assert done.returncode == 0, done.stderr
    row = load_perimeters(target).frame.iloc[0]
    assert row.geometry.is_valid and "polygon repaired with make_valid" in row["notes"]


BAD_CASES = [
    ("outside", lambda p: write_geojson(p, [NANCY]), (),
     r"row 0: outside Metz: [\d,]+ m from the commune boundary \(tolerance 200 m\)"),
    ("swapped", lambda p: write_geojson(p, [shapely.transform(BOX, lambda c: c[:, ::-1])]), (),
     "row 0: latitude and longitude look swapped: swapped, the polygon lies in Metz"),
    ("points", lambda p: write_geojson(p, [shapely.Point(6.17, 49.12)]), (),
     r"row 0: a Point where polygons are expected \(1 of 1 features\)"),
    ("other-decree", lambda p: write_geojson(p, [BOX], decree_ref="arrêté 2017-1"), (),
     "row 0: decree_ref 'arrêté 2017-1' in the file differs from --decree-ref "
     "'arrêté n° 2019-DCAT-12': one decree per addition"),
    ("bad-date-in-file", lambda p: write_geojson(p, [BOX], valid_until="bientôt"), (),
     "row 0: valid_until 'bientôt' is not a date \\(write YYYY-MM-DD\\)"),
    ("empty", lambda p: write_bytes(p, b""), (), "the file is empty"),
    ("no-polygons", lambda p: write_bytes(p, b'{"type": "FeatureCollection", "features": []}'), (),
     "no polygons in the file"),
]


@pytest.mark.parametrize("name,make,extra,reason", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_unusable_perimeters_exit_2(name, make, extra, reason, metz, cli, tmp_path):
    import re

    target, args = metz
    good = write_geojson(tmp_path / "good.geojson", [BOX2])
    assert cli("perimeters", "add", str(good), *args, *DECREE).returncode == 0
    before = digest(target)
    source = make(tmp_path / f"{name}.geojson")
    done = cli("perimeters", "add", str(source), *args, *DECREE, *extra)
    assert done.returncode == 2, done.stdout + done.stderr
    prefix = re.escape(f"geocover: error: {source}: ")
    assert re.fullmatch(prefix + reason + "\n", done.stderr), done.stderr
    assert digest(target) == before


@pytest.mark.parametrize("options,message", [
    (("--decree-ref", "a", "--decree-date", "2019-13-01"),
     "--decree-date '2019-13-01' is not a date (write YYYY-MM-DD)"),
    (("--decree-ref", "a", "--decree-date", "2019-03-01", "--valid-until", "2018-01-01"),
     "--valid-until 2018-01-01 is before --decree-date 2019-03-01"),
    (("--decree-ref", " ", "--decree-date", "2019-03-01"),
     "--decree-ref is required: the decree's reference (arrêté n° …)"),
])
def test_bad_options(options, message, metz, cli, tmp_path):
    target, args = metz
    source = write_geojson(tmp_path / "centre.geojson", [BOX])
    done = cli("perimeters", "add", str(source), *args, *options)
    assert done.returncode == 2
    assert done.stderr == f"geocover: error: {message}\n"
    assert not target.exists()


def test_dry_run_and_expired_warning(metz, cli, tmp_path):
    target, args = metz
    source = write_geojson(tmp_path / "old.geojson", [BOX])
    done = cli("perimeters", "add", str(source), *args, "--decree-ref", "arrêté 2010-4",
               "--decree-date", "2010-06-15", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "dry run: added 1, already present 0, duplicates 0" in done.stdout
    assert done.stderr == (f"warning: {source}: row 0: the authorization expired on 2015-06-15 "
                           "(added all the same: past decrees are part of the record)\n")
    assert not target.exists()


def test_redigitized_polygon_of_the_same_decree_is_a_duplicate(metz, cli, tmp_path):
    target, args = metz
    assert cli("perimeters", "add", str(write_geojson(tmp_path / "a.geojson", [BOX])),
               *args, *DECREE).returncode == 0
    before = digest(target)
    nudged = shapely.affinity.translate(BOX, xoff=1e-6)  # ~7 cm: a second digitization
    done = cli("perimeters", "add", str(write_geojson(tmp_path / "b.geojson", [nudged])),
               *args, *DECREE)
    assert done.returncode == 0
    assert "added 0, already present 0, duplicates 1" in done.stdout
    assert "the same polygon and decree as perimeter:" in done.stdout
    assert digest(target) == before


def test_concurrent_additions_keep_both(metz, tmp_path, bundle):
    """Two additions at once (threads: flock locks open file descriptions, so they exclude
    each other inside one process too)."""
    target, args = metz
    city = load_city("metz", Path(args[2]))
    files = [
        write_geojson(tmp_path / "a.geojson", [BOX]),
        write_geojson(tmp_path / "b.geojson", [BOX2]),
    ]
    errors: list[BaseException] = []

    def add(path: Path, ref: str) -> None:
        try:
            add_perimeters(path, city, decree_ref=ref, decree_date="2020-01-01", bundle=bundle)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(f, f"arrêté {i}")) for i, f in enumerate(files)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(load_perimeters(target).frame["decree_ref"]) == ["arrêté 0", "arrêté 1"]
