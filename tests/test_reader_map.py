"""The readers' map as a citizen reads it (issue 14): the headline banner, claims one line
each, plain words, French and English, and a layout that works on a desktop and a phone.

The browser tests open each case once (Metz and Paris, French and English, 1366 × 768 and
390 × 844) in Debian's chromium with the network cut, and check everything on that page.
"""

from __future__ import annotations

import json
import re

import pytest
from babel.messages.pofile import read_po

from geocover.i18n import LOCALE_DIR, translator
from geocover.outputs.webmap.banner import headline, most_seen
from geocover.outputs.webmap.build import render_map, write_map
from geocover.outputs.webmap.layers import _FIELD, _camera_row
from geocover.outputs.webmap.words import (
    ARITHMETIC,
    DEVELOPER_WORDS,
    developer_words,
    verdict_class,
    verdict_label,
)
from geocover.pipeline.analysis import analyse
from tests.browser import chromium, close_page, open_page
from tests.helpers import write_layer

CITIES = {
    "metz": {"city": "metz"},
    "paris": {"insee": "75056", "lists": ["paris-pvpp2013"], "osm": False,
              "presets": ["sunders", "panopticity-observation"]},
}
DESKTOP, PHONE = (1366, 768), (390, 844)


def _panels(page: str) -> str:
    calls = re.findall(r'geocover\.panel\(map_\w+, "\w+", ("(?:[^"\\]|\\.)*")', page)
    return " ".join(json.loads(m) for m in calls)


# ------------------------------------------------------------------ without a browser


def test_metz_banner_share_bar_and_arithmetic_badge(bundle):
    analysis = analyse("metz", bundle=bundle, lang="en")
    head = headline(analysis)
    assert head is not None and head.kind == "authorized_area_km2" and head.value == 21
    share = next(v for v in analysis.verdicts if v.kind == "authorized_share")
    # 21 / 41.94 agrees with 50 %: arithmetic, never the badge of a check on the ground.
    assert share.verdict == "consistent" and verdict_class(share) == ARITHMETIC
    assert verdict_label(share, analysis.tr) == "the figures agree with each other"
    assert verdict_label(share, translator("fr")) == "les chiffres concordent entre eux"
    banner = _panels(render_map(analysis, tiles="none")).split("gc-claims")[0]
    # The bar: the claimed area against the official area of the commune (INSEE's 41.94).
    width = float(re.search(r"gc-bar-claim' style='width:([\d.]+)%'", banner).group(1))
    assert width == pytest.approx(100 * 21 / 41.94, abs=0.01)
    assert "gc-bar-perim" not in banner  # none digitized
    assert "0 perimeters digitized (0 decrees)" in banner
    # "At most": the widest preset that models sight, not the fact sheet's 300 m reach.
    cap = most_seen(analysis)
    assert cap is not None and not cap.preset.startswith("factsheet")
    sight = [c for c in analysis.capacity if not c.preset.startswith("factsheet")]
    assert cap.dome_km2 == max(c.dome_km2 for c in sight)
    assert f"What {cap.n_cameras} cameras could see at most: {cap.dome_km2:.2f} km²" in banner


def test_banner_shows_digitized_perimeters_on_the_same_bar(bundle, tmp_path):
    metz = analyse("metz", bundle=bundle, lang="en")
    centre = metz.commune.to_crs("EPSG:2154").geometry.iloc[0].representative_point()
    import shapely

    square = shapely.box(centre.x - 1000, centre.y - 1000, centre.x + 1000, centre.y + 1000)
    path = write_layer(tmp_path / "synthetic-perimeters.geojson", [
        {"id": "SYN-A", "name": "synthetic", "decree_ref": "synthetic decree 1",
         "decree_date": "2024-01-01", "geometry": square},
    ])
    analysis = analyse("metz", bundle=bundle, perimeters=path, lang="en")
    banner = _panels(render_map(analysis, tiles="none")).split("gc-claims")[0]
    width = float(re.search(r"gc-bar-perim' style='width:([\d.]+)%'", banner).group(1))
    assert width == pytest.approx(100 * 4.0 / 41.94, abs=0.01)  # 2 km × 2 km, inside Metz
    assert "1 perimeter digitized (1 decree), covering 4.00 km²" in banner


def test_paris_headline_is_the_camera_count(bundle):
    analysis = analyse(insee="75056", bundle=bundle, lists=["paris-police-2025"], osm=False,
                       presets=["sunders"], lang="fr")
    head = headline(analysis)
    assert head is not None and head.kind == "camera_count" and head.value == 1391
    banner = _panels(render_map(analysis, tiles="none")).split("gc-claims")[0]
    assert verdict_label(head, analysis.tr) in banner and "1\u202f391 sites de caméras" in banner


def test_popup_titles_a_person_reads(bundle):
    """Official list: "Camera no. N, <address>" from the list itself (read here with json);
    OSM: type and compass point; the street named where the place is approximate."""
    tr = translator("en")
    analysis = analyse(insee="75056", bundle=bundle, lists=["paris-police-2025"], osm=False,
                       presets=["sunders"], lang="en")
    raw = json.loads((bundle / "cameras" / "paris-police-2025-06-01.geojson").read_text(
        encoding="utf-8"))
    addresses = {f["properties"]["numero_pub"]: f["properties"]["adresse"]
                 for f in raw["features"]}
    cams = analysis.cameras.to_dict("records")
    checked = 0
    for cam in cams[:50]:
        title, rows, _cls, extra = _camera_row(cam, "the list", tr)
        number = str(cam["id"]).rsplit(":", 1)[1]
        assert title == f"Camera no. {number}, {addresses[number].strip()}"
        # Where: the title names the crossing; the row says how well it is placed.
        assert rows[0][1] == "at a street crossing (placed there from a list, not surveyed)"
        assert ["id", cam["id"]] in extra  # the internal id, for analysts only
        assert not any(developer_words(str(r[1])) for r in rows if r[1])
        checked += 1
    assert checked == 50
    osm = {"id": "osm:node/123", "camera_type": "fixed", "directions": [[135.0, 135.0]],
           "location_precision": "exact", "source": "osm", "site_ids": ["osm:node/123",
                                                                         "list:x-2019:7"],
           "site_sources": ["list:x-2019", "osm"]}
    title, rows, _cls, extra = _camera_row(osm, None, tr)
    assert title == "OSM camera, fixed, facing south-east"
    assert [_FIELD["Edit in OpenStreetMap"], None,
            "https://www.openstreetmap.org/edit?node=123"] in rows
    assert ["site: sources", "list:x-2019, osm"] in extra
    assert ["site: ids", "osm:node/123, list:x-2019:7"] in extra
    fr_title = _camera_row(osm, None, translator("fr"))[0]
    assert fr_title == "Caméra OSM, fixe, orientée sud-est"
    street = {"id": "list:x-2019:8", "name": "Rue Serpenoise", "location_precision": "street"}
    title, rows, _cls, _extra = _camera_row(street, None, tr)
    assert title == "Camera no. 8, Rue Serpenoise"  # the street named in the title
    assert rows[0][1] == "somewhere in this street (approximate)"
    citizen = {"id": "list:sous-surveillance-net:42", "camera_type": "dome"}
    assert _camera_row(citizen, None, tr)[0] == "Camera on sous-surveillance.net, dome"
    named = {"id": "osm:node/9", "name": "Rue Serpenoise", "location_precision": "street"}
    assert _camera_row(named, None, tr)[1][0][1] == "somewhere in Rue Serpenoise (approximate)"


def test_legend_lists_only_what_the_map_has(bundle):
    metz = _panels(render_map(analyse("metz", bundle=bundle, lang="en"), tiles="none"))
    legend = metz.split("gc-legend'>")[1]
    assert "commune boundary" in legend and "neighbouring communes" in legend
    for absent in ("camera", "perimeter", "field of view", "groups of cameras"):
        assert absent not in legend, absent  # none mapped, none digitized offline
    paris = _panels(render_map(analyse(**CITIES["paris"], bundle=bundle, lang="en"),
                               tiles="none"))
    legend = paris.split("gc-legend'>")[1]
    assert "square: official list" in legend and "round: OpenStreetMap" not in legend
    assert "groups of cameras: green under 10" in legend  # 1,389 markers are clustered
    assert "authorized perimeter" not in legend


def test_page_language_and_pinch_zoom(bundle):
    for lang in ("fr", "en"):
        page = render_map(analyse("metz", bundle=bundle, lang=lang), tiles="none")
        assert f'<html lang="{lang}">' in page
        [viewport] = re.findall(r'<meta name="viewport"[^>]*>', page)
        assert "user-scalable=no" not in viewport and "maximum-scale" not in viewport


# ------------------------------------------------------------------ in a browser


def _english_ui_fragments() -> list[str]:
    """English phrases of the map's catalog whose French differs (two words or more, the
    text between placeholders)."""
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "geocover.po").open("rb") as f:
        catalog = read_po(f, locale="fr")
    out = set()
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        for msgid in ids:
            if msgid in strings:
                continue
            for part in re.split(r"\{[^{}]*\}", msgid):
                part = part.strip(" ,.:;()—-")
                if len(part.split()) >= 2 and part not in " ".join(strings):
                    out.add(part)
    return sorted(out)


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def maps(bundle, tmp_path_factory):
    """Each city's map in each language, and its analysis."""
    folder = tmp_path_factory.mktemp("reader-maps")
    out = {}
    for city, kwargs in CITIES.items():
        for lang in ("fr", "en"):
            analysis = analyse(**kwargs, bundle=bundle, lang=lang)
            path = folder / f"{city}-{lang}.html"
            write_map(analysis, path, tiles="none", report=False)
            out[city, lang] = path, analysis
    return out


_BOXES = """() => {
  const box = e => { const r = e.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, w: r.width, h: r.height}; };
  const panels = [...document.querySelectorAll('.gc-panel, .gc-sheetbar, .leaflet-control')]
    .map(box).filter(b => b.w > 0 && b.h > 0);
  const popup = document.querySelector('.leaflet-popup');
  return {panels, popup: popup ? box(popup) : null,
          scale: box(document.querySelector('.leaflet-control-scale')),
          attribution: box(document.querySelector('.leaflet-control-attribution'))};
}"""

# Open a popup whose anchor sits just beside the claims panel (desktop) or just under the
# banner (phone), where an unplaced popup would be cut by the panel.
_OPEN_POPUP_NEAR_A_PANEL = """(phone) => {
  const G = geocover, map = G.map;
  const near = document.querySelector(phone ? '.gc-banner' : '.gc-claims').getBoundingClientRect();
  const frame = map.getContainer().getBoundingClientRect();
  const target = phone ? [frame.width / 2, near.bottom - frame.top + 30]
                       : [near.left - frame.left - 15, near.top - frame.top + 40];
  const cams = Object.keys(G.layers).find(k => k.startsWith('cameras:'));
  if (cams) {
    let m = null; G.layers[cams].eachLayer(l => { if (!m) m = l; });
    map.setView(m.getLatLng(), 17, {animate: false});
    const at = map.latLngToContainerPoint(m.getLatLng());
    map.panBy([at.x - target[0], at.y - target[1]], {animate: false});
    m.openPopup();
  } else {
    const ll = map.containerPointToLatLng(target);
    G.layers.commune.eachLayer(l => l.openPopup(ll));
  }
}"""

_ON_MAP = """() => Object.keys(geocover.layers)
  .filter(k => geocover.map.hasLayer(geocover.layers[k]))"""
_TICKED = """() => [...document.querySelectorAll('[data-gc-layer]')]
  .filter(i => i.checked).map(i => i.getAttribute('data-gc-layer'))"""


def _intersects(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] \
        and b["top"] < a["bottom"]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("city", ["metz", "paris"])
def test_reader_map_in_a_browser(maps, browser, city, lang, viewport):
    path, analysis = maps[city, lang]
    phone = viewport == PHONE
    tr = translator(lang)
    page, traffic = open_page(browser, path, viewport=viewport, touch=phone)
    try:
        assert traffic.problems() == []
        assert page.evaluate("() => document.documentElement.lang") == lang
        viewport_meta = page.evaluate(
            "() => document.querySelector('meta[name=viewport]').content")
        assert "user-scalable=no" not in viewport_meta and "maximum-scale" not in viewport_meta
        # The banner shows the headline claim's verdict, on a phone too (folded to one line).
        head = headline(analysis)
        assert head is not None
        banner = page.locator(".gc-banner summary")
        assert banner.is_visible()
        assert verdict_label(head, tr) in banner.inner_text().lower() or \
            verdict_label(head, tr).upper() in banner.inner_text()
        # Scale and attribution apart.
        boxes = page.evaluate(_BOXES)
        assert not _intersects(boxes["scale"], boxes["attribution"])
        # One tap on the layer control opens the list and changes no layer.
        on_map, ticked = page.evaluate(_ON_MAP), page.evaluate(_TICKED)
        toggle = page.locator("[data-gc-layers-toggle]:visible")
        assert toggle.count() == 1
        if phone:
            toggle.tap()
        else:
            toggle.click()
        assert page.locator(".gc-layer-list:visible").count() == 1
        assert page.evaluate(_ON_MAP) == on_map and page.evaluate(_TICKED) == ticked
        assert sorted(ticked) == sorted(on_map)
        if phone:  # the list is a bottom sheet, above the bar of buttons
            sheet = page.locator(".gc-layers.gc-sheet-open").bounding_box()
            bar = page.locator(".gc-sheetbar").bounding_box()
            assert sheet["width"] == viewport[0] and sheet["y"] + sheet["height"] <= bar["y"] + 1
        toggle.tap() if phone else toggle.click()
        # A popup opened near a panel is fully visible: clear of every panel, on screen.
        page.evaluate(_OPEN_POPUP_NEAR_A_PANEL, phone)
        page.wait_for_selector(".leaflet-popup")
        page.wait_for_timeout(100)
        boxes = page.evaluate(_BOXES)
        popup = boxes["popup"]
        assert popup is not None
        assert popup["left"] >= 0 and popup["top"] >= 0
        assert popup["right"] <= viewport[0] and popup["bottom"] <= viewport[1]
        for panel in boxes["panels"]:
            assert not _intersects(popup, panel), (popup, panel)
        # What a reader sees, panels opened (the parts for analysts stay folded).
        page.evaluate("() => { geocover.map.closePopup(); }")
        if phone:
            page.locator(".gc-sheetbtn[data-gc-sheet=gc-claims]").tap()
            claims = page.locator(".gc-claims").bounding_box()
            bar = page.locator(".gc-sheetbar").bounding_box()
            assert claims["width"] == viewport[0]
            assert claims["y"] + claims["height"] <= bar["y"] + 1
        page.evaluate("""() => {
          const folds = 'details[data-gc-fold], .gc-verdicts > li > details';
          for (const d of document.querySelectorAll(folds)) d.open = true;
          document.documentElement.classList.remove('gc-phone');  // every panel at once
        }""")
        text = page.evaluate("() => document.body.innerText")
        assert developer_words(text) == [], DEVELOPER_WORDS.pattern
        assert "(verdict" not in text
        if lang == "fr":
            for v in analysis.verdicts:  # the city's own words (city.toml), not the map's
                text = text.replace(v.source, "")
            english = [p for p in _english_ui_fragments() if p in text]
            assert english == []
        assert traffic.problems() == []
    finally:
        close_page(page)


def test_tag_rows_sort_by_key_and_blank_empty_values_whatever_the_cells():
    """A camera's tags for analysts: by key, blank values as "", the same rows whether
    every cell is text (the fast way) or not (numbers, None, a non-text key)."""
    from geocover.outputs.webmap.layers import _tag_rows

    text = {"surveillance": "public", "camera:type": "dome", "note": "  ", "b": "x "}
    assert _tag_rows(text) == [["b", "x "], ["camera:type", "dome"], ["note", ""],
                               ["surveillance", "public"]]
    mixed = {"height": 4.5, "name": None, 7: "seven", "a": "  "}
    assert _tag_rows(mixed) == [["7", "seven"], ["a", ""], ["height", "4.5"], ["name", ""]]
