"""The readers' tools without a browser: the page code's hygiene, ``[rights]`` of
``city.toml`` read and checked, and the page's data against the files it comes from."""

from __future__ import annotations

import json
import re

import pytest

from geocover.errors import ConfigError
from geocover.outputs.webmap.assets import own_static
from geocover.outputs.webmap.build import render_map
from geocover.outputs.webmap.reader import reader_data
from geocover.pipeline.analysis import analyse
from geocover.sources.city import load_city
from tests.hostile import make_city


def test_page_code_parses_no_html_and_requests_nothing():
    code = own_static("reader.js")
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
                      "eval(", "Function(", "fetch(", "XMLHttpRequest", "sendBeacon",
                      "WebSocket", "https:", "localStorage", "sessionStorage"):
        assert forbidden not in code, forbidden
    # The one URL is SVG's namespace, a name, not a request.
    assert re.findall(r"https?://[^\"']+", code) == ["http://www.w3.org/2000/svg"]
    css = own_static("reader.css")
    for text in (code, css):
        assert not re.search(r"\{\{|\{%|\{#", text)  # nothing branca could run as a template
    # Only these would end the inlined elements (the letter's own HTML, made as text with
    # every typed value escaped, has a </style> that ends nothing inside a <script>).
    assert "</script" not in code.lower() and "</style" not in css.lower()


def test_metz_and_paris_rights_are_read_from_city_toml():
    metz = load_city("metz").rights
    assert metz is not None and metz.addressee == "Police municipale de Metz"
    assert [(p.days, p.source, p.date) for p in metz.retention] == [
        (15, "fact sheet", "2020-02"),
        (30, "new supervision centre (CSU), November 2023", "2023-11"),
    ]
    assert set(metz.text) == {"fr", "en"}
    paris = load_city("paris").rights
    assert paris is not None and paris.retention == ()
    assert "L253-5" in paris.text["fr"] and "L252-5" in paris.text["en"]


@pytest.mark.parametrize("table,reason", [
    ('[rights]\ntext = "x"\n', "rights.addressee must be a non-empty string"),
    ('[rights]\naddressee = "Mairie"\n[[rights.retention]]\ndays = 45\nsource = "s"\n'
     'date = "2020"\n', "rights.retention[1].days must be a whole number of days from 1 to 31"),
    ('[rights]\naddressee = "Mairie"\n[[rights.retention]]\ndays = 10\nsource = "s"\n',
     "rights.retention[1].date is required"),
    ('[rights]\naddressee = "Mairie"\ntext.de = "Recht"\n', "rights.text.de: geocover speaks"),
    ('[[rights]]\naddressee = "Mairie"\n', "rights must be a table"),
])
def test_a_bad_rights_table_is_refused_with_its_entry(tmp_path, table, reason):
    make_city(tmp_path, table)
    with pytest.raises(ConfigError) as error:
        load_city("metz", tmp_path)
    assert reason in str(error.value)


def test_a_city_without_rights_gets_the_law(tmp_path, bundle):
    make_city(tmp_path)
    analysis = analyse("metz", data_dir=tmp_path, bundle=bundle, lang="en")
    rights = reader_data(analysis)["rights"]
    assert rights["text"] == "" and rights["retention"] == [] and rights["days"] == 30
    assert "one month at most" in rights["retentionText"]


def test_paris_page_data_holds_every_camera_of_the_list(bundle):
    analysis = analyse("paris", bundle=bundle, lists=["paris-police-2025"], osm=False,
                       presets=["sunders"], lang="fr")
    raw = json.loads((bundle / "cameras/paris-police-2025-06-01.geojson").read_text(
        encoding="utf-8"))["features"]
    data = reader_data(analysis)
    by_id = {row[2]: row for row in data["cameras"]}
    assert len(by_id) == len(raw)
    for feature in raw[:50]:
        row = by_id[f"list:paris-police-2025:{feature['properties']['numero_pub']}"]
        lon, lat = feature["geometry"]["coordinates"]
        assert abs(row[0] - lat) < 1e-5 and abs(row[1] - lon) < 1e-5
        assert row[5] == feature["properties"]["date_mes_iso"]
        assert data["operators"][row[3]][0] == "national_police"
    streets = {s[0] for s in data["streets"]}
    assert "Boulevard Arago" in streets
    assert data["timeline"]["claims"] == [{"when": "2019-02-01", "value": 1391,
                                           "label": "1er février 2019",
                                           "source": "BOVP 2019-02-01 (arrêté préfectoral, "
                                                     "annexe 1)"}]
    page = render_map(analysis, tiles="none")
    assert "geocover.reader(map_" in page
