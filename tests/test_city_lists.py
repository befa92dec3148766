"""A city's own camera lists, declared in its city.toml (``[[lists]]``, issue 11 point 2).

The bundle's real Paris lists are declared in place (``../shared/data``, never copied)
as a city's own lists: they give the same cameras and verdicts as geocover's catalogue
entries for the same files. Vintages of one family are never read together. Bad
declarations name the file, the entry and the reason (exit code 2).
"""

from __future__ import annotations

import json

import pytest

from geocover.errors import ConfigError, UsageError
from geocover.pipeline.analysis import analyse
from geocover.sources.city import load_city
from geocover.sources.layers import choose_lists, load_camera_layers

CLAIM = """
[[claims]]
id = "plan-sites-2019"
kind = "camera_count"
counts = "camera_sites"
whose = "national_police"
where = "commune"
value = 1391
as_of = "2019-02-01"
source = "BOVP 2019-02-01 (arrêté préfectoral, annexe 1)"
date = "2019-02-01"
"""


def police_2025(bundle, name="own-police-2025", **extra):
    """The Paris police prefecture's 2025 list, declared as a city's own (in place)."""
    entry = {
        "name": name,
        "file": str(bundle / "cameras/paris-police-2025-06-01.geojson"),
        "columns": {"id": "numero_pub", "name": "adresse", "installed": "date_mes_iso"},
        "precision": "crossing",
        "operator": "national_police",
        "exhaustive": True,
        "vintage": "2025-06-01",
        "family": "paris-police-plan",
        "source": "Préfecture de police de Paris, ArcGIS layer (2025-06-01)",
        "licence": "public administrative data",
        "attribution": "Préfecture de police de Paris",
    }
    entry.update(extra)
    return entry


def bovp_2019_csv(bundle, name="own-bovp-2019", **extra):
    """The 707 geocoded sites of the 2019 arrêté, as the raw ``;``-separated CSV."""
    entry = {
        "name": name,
        "file": str(bundle / "cameras/paris-bovp2019-raw/data.csv"),
        "columns": {"id": "Numéro", "name": "Implantation",
                    "location_precision": "Précision de l\u2019implantation",
                    "installed": "Date de mise en service"},
        "precision": {"croisement": "crossing", "rue": "street", "voie": "street",
                      "commune": "commune"},
        "installed_format": "%d/%m/%y",
        "lat": "lat", "lon": "lon",
        "operator": "national_police",
        "vintage": "2019-02-01",
        "family": "paris-police-plan",
        "source": "BOVP 2019-02-01 (arrêté préfectoral), geocoded",
    }
    entry.update(extra)
    return entry


def _toml_value(value):
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}"
                                for k, v in value.items()) + " }"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False)


def write_city(folder, lists, *, catalogue=(), claims=CLAIM):
    """A Paris city.toml in ``folder`` declaring ``lists`` as its own ([[lists]])."""
    folder.mkdir(parents=True, exist_ok=True)
    text = ('[city]\nname = "Paris (own lists, test)"\ninsee = "75056"\n'
            "official_area_km2 = 105.4\n\n[sources]\nosm = false\n"
            f"lists = {json.dumps(list(catalogue))}\n")
    for entry in lists:
        text += "\n[[lists]]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in entry.items())
    path = folder / "city.toml"
    path.write_text(text + claims, encoding="utf-8")
    return path


def _positions(cameras, prefix):
    """(record id, lon, lat, installed) of each camera, its list's name left out."""
    return sorted((cid.split(":", 2)[2], round(g.x, 9), round(g.y, 9), str(inst))
                  for cid, g, inst in zip(cameras["id"], cameras.geometry, cameras["installed"],
                                          strict=True)
                  if cid.startswith(prefix))


def _verdict(analysis):
    v = analysis.verdicts[0]
    rows = [{k: r[k] for k in ("read", "inside_commune", "in_operator_scope", "in_service",
                               "exhaustive", "operator", "vintage", "dated")}
            for r in v.sources]
    return v.verdict, v.bound, rows


@pytest.mark.parametrize(("declare", "catalogue_name"), [
    (police_2025, "paris-police-2025"),
    (bovp_2019_csv, "paris-bovp2019"),  # a CSV declared against the catalogue's GeoJSON
])
def test_a_declared_list_reads_as_the_catalogue_entry(bundle, tmp_path, declare, catalogue_name):
    entry = declare(bundle)
    city = load_city(str(write_city(tmp_path / "own", [entry])))
    own = analyse(city, bundle=bundle, presets=["sunders"])
    known = analyse("paris", bundle=bundle, lists=[catalogue_name], osm=False,
                    presets=["sunders"])
    mine = _positions(own.matching.records, f"list:{entry['name']}:")
    theirs = _positions(known.matching.records, f"list:{catalogue_name}:")
    assert mine == theirs and len(mine) in (1689, 707)
    assert _verdict(own) == _verdict(known)
    assert own.verdicts[0].verdict == known.verdicts[0].verdict
    # the declared vintage, licence and attribution date the source, not its file
    record = next(s for s in own.sources if s.origin.startswith(f"list:{entry['name']}"))
    assert record.vintage == entry["vintage"] and record.vintage_basis == "declared in city.toml"
    if "licence" in entry:
        assert record.licence == entry["licence"] and record.attribution == entry["attribution"]


def test_independent_count_of_the_declared_csv(bundle, tmp_path):
    """The CSV's rows, read with the csv module, are the declared list's cameras."""
    import csv

    with (bundle / "cameras/paris-bovp2019-raw/data.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    city = load_city(str(write_city(tmp_path / "own", [bovp_2019_csv(bundle)])))
    layers = load_camera_layers(city, bundle=bundle)
    assert len(layers.cameras) == len(rows)
    assert sorted(i.split(":", 2)[2] for i in layers.cameras["id"]) == sorted(
        r["Numéro"] for r in rows)
    # dated: every value but the words for "unknown" and a spreadsheet's "#N/A"
    dated = sum(1 for r in rows
                if r["Date de mise en service"].strip().lower() not in ("inconnue", "#n/a"))
    assert layers.cameras["installed"].notna().sum() == dated


def test_vintages_of_one_family_are_never_added(bundle, tmp_path):
    """Two declared vintages of one family, and one declared beside a catalogue vintage
    of its family: the newest is read, alone."""
    both = load_city(str(write_city(tmp_path / "a", [bovp_2019_csv(bundle), police_2025(bundle)])))
    assert choose_lists(both, None) == ["own-police-2025"]
    layers = load_camera_layers(both, bundle=bundle)
    assert set(layers.scopes) == {"list:own-police-2025"}
    assert len(layers.cameras) == 1689
    assert choose_lists(both, ["own-bovp-2019"]) == ["own-bovp-2019"]
    with pytest.raises(UsageError, match="two vintages of one source"):
        choose_lists(both, ["own-bovp-2019", "own-police-2025"])
    # beside the catalogue: the declared 2019 CSV is older than the catalogue's 2025 list
    mixed = load_city(str(write_city(tmp_path / "b", [bovp_2019_csv(bundle)],
                                     catalogue=["paris-police-2025"])))
    assert choose_lists(mixed, None) == ["paris-police-2025"]
    # a declared 2025 list is newer than the catalogue's 2013 plan
    newer = load_city(str(write_city(tmp_path / "c", [police_2025(bundle)],
                                     catalogue=["paris-pvpp2013"])))
    assert choose_lists(newer, None) == ["own-police-2025"]
    analysis = analyse(newer, bundle=bundle, presets=["sunders"])
    assert {s["source"] for s in analysis.verdicts[0].sources} == {"list:own-police-2025"}


def test_a_list_of_its_own_family_is_read_beside_the_others(bundle, tmp_path):
    entry = police_2025(bundle)
    del entry["family"]  # its own family: its name
    city = load_city(str(write_city(tmp_path / "a", [entry], catalogue=["paris-bovp2019"])))
    assert sorted(choose_lists(city, None)) == ["own-police-2025", "paris-bovp2019"]


def _error(tmp_path, entries, **kw):
    path = write_city(tmp_path / "bad", entries, **kw)
    with pytest.raises(ConfigError) as info:
        city = load_city(str(path))
        load_camera_layers(city, bundle=None)
    return path, str(info.value)


@pytest.mark.parametrize(("change", "reason"), [
    ({"file": "no-such-list.geojson"}, "lists[1] (own-police-2025).file 'no-such-list.geojson': "
                                       "no such file"),
    ({"columns": {"id": "numero"}}, "lists[1] (own-police-2025): "),
    ({"columns": {"idd": "numero_pub"}}, "lists[1] (own-police-2025).columns: 'idd' is not a "
                                         "column of the camera schema"),
    ({"vintage": "2025-13-01"}, "lists[1] (own-police-2025).vintage '2025-13-01' is not a date"),
    ({"vintage": "juin 2025"}, "lists[1] (own-police-2025).vintage 'juin 2025' is not a date"),
    ({"precision": "roughly"}, "lists[1] (own-police-2025).precision 'roughly' is not one of"),
    ({"operator": "the mayor"}, "lists[1] (own-police-2025).operator: 'the mayor' is not one of"),
    ({"operator": "mixed"}, "a list of mixed operators cannot be exhaustive"),
    ({"name": "paris-police-2025"}, "'paris-police-2025' is a list geocover already knows"),
    ({"name": "Own:Police"}, "lists[1].name 'Own:Police' must be a plain lower-case name"),
    ({"colums": {}}, "lists[1]: unknown key 'colums'"),
])
def test_bad_declarations_name_the_file_the_entry_and_the_reason(bundle, tmp_path, change,
                                                                  reason):
    entry = police_2025(bundle)
    entry.update(change)
    path, message = _error(tmp_path, [entry])
    assert message.startswith(f"{path}: "), message
    assert reason in message
    if change.get("columns") == {"id": "numero"}:
        # the column the file lacks, and the file, are named
        assert "no column 'numero' (mapped to 'id')" in message
        assert "paris-police-2025-06-01.geojson" in message


def test_a_vintage_is_required_and_two_lists_need_two_names(bundle, tmp_path):
    entry = police_2025(bundle)
    del entry["vintage"]
    _, message = _error(tmp_path, [entry])
    assert "lists[1] (own-police-2025).vintage is required" in message
    twice = [police_2025(bundle), bovp_2019_csv(bundle, name="own-police-2025")]
    _, message = _error(tmp_path, twice)
    assert "lists[2] (own-police-2025): two lists are named 'own-police-2025'" in message


def test_a_relative_file_is_read_from_the_city_folder(bundle, tmp_path):
    """``file`` relative to the city's folder (here reaching the bundle in place)."""
    import os

    folder = tmp_path / "rel"
    folder.mkdir()
    relative = os.path.relpath(bundle / "cameras/paris-police-2025-06-01.geojson", folder)
    city = load_city(str(write_city(folder, [police_2025(bundle, file=relative)])))
    assert city.own_lists[0].file.resolve() == (
        bundle / "cameras/paris-police-2025-06-01.geojson").resolve()


def test_cli_exit_code_2_on_a_bad_declaration(cli, bundle, tmp_path):
    entry = police_2025(bundle, columns={"id": "numero"})
    path = write_city(tmp_path / "cli", [entry])
    result = cli("report", str(path), "--bundle", str(bundle), "--preset", "sunders")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert str(path) in result.stderr and "lists[1] (own-police-2025)" in result.stderr
    assert "no column 'numero'" in result.stderr


def test_a_folder_or_a_fifo_is_not_a_list(bundle, tmp_path):
    import os

    (tmp_path / "a-folder").mkdir()
    os.mkfifo(tmp_path / "a-fifo")
    for name, reason in (("a-folder", "a folder, not a file"),
                         ("a-fifo", "not a regular file")):
        _, message = _error(tmp_path / name.replace("a-", "t-"),
                            [police_2025(bundle, file=str(tmp_path / name))])
        assert f"lists[1] (own-police-2025).file {str(tmp_path / name)!r}: {reason}" in message
