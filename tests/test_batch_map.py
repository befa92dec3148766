"""The batch choropleth for readers (issue 14, item 7): coloured by a surveillance figure
(cameras known per km², or the share seen), never by size; French by default, English on
request, numbers formatted for the language; a metric scale, and a legend clear of the
scale, the search box and the attribution, on a desktop and on a phone. The communes are
the bundle's real Moselle; the cameras are synthetic (generated here, labelled so)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from geocover.outputs.batch import choropleth, choropleth_title
from geocover.outputs.choropleth import COLOURS, UNKNOWN_COLOUR, page_text
from geocover.pipeline.batch import run_batch
from geocover.sources.communes import load_departement
from tests.test_batch import synthetic_cameras

VIEWPORTS = [(1366, 768), (390, 844)]


@pytest.fixture(scope="module")
def moselle_with_cameras():
    """Moselle's 727 real communes; synthetic cameras in every 50th (two in five of them)."""
    from tests.conftest import BUNDLE

    communes = load_departement("57", bundle=BUNDLE)
    points = list(communes.geometry.representative_point().iloc[::50])
    cameras = synthetic_cameras(points + points[:5])
    return run_batch("57", bundle=BUNDLE, cameras=cameras, presets=["sunders"], progress=None)


def _options(page_html):
    """The data and options handed to the page's script (the JSON the page reads)."""
    call = page_html.split("= geocover.choropleth(", 1)[1]
    decoder = json.JSONDecoder()
    data, end = decoder.raw_decode(call)
    options, _ = decoder.raw_decode(call[end:].lstrip(", "))
    return data, options


def test_colours_follow_the_cameras_per_km2_not_the_area(moselle_with_cameras):
    frame = moselle_with_cameras.communes
    data, options = _options(choropleth(moselle_with_cameras, lang="en"))
    figure = options["figures"][0]
    assert figure["key"] == "density"
    assert figure["label"] == "Cameras known per km² (largest single source)"
    # density is the cameras known over the planar area, computed here independently
    known = frame["cameras_known"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    expected = known / frame["area_km2"].to_numpy(dtype=float)
    shown = np.asarray([np.nan if v is None else v for v in data["density"]], dtype=float)
    assert np.allclose(shown, np.round(expected, 3), equal_nan=True)
    assert np.isfinite(shown).sum() == 15  # the communes holding synthetic cameras


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_page_speaks_one_language(moselle_with_cameras, lang):
    page_html = choropleth(moselle_with_cameras, lang=lang)
    _, options = _options(page_html)
    assert options["lang"] == lang and options["text"] == page_text(
        __import__("geocover.i18n", fromlist=["translator"]).translator(lang))
    title = choropleth_title(["57"], 727, "x", lang)
    if lang == "fr":
        assert title.startswith("Caméras de vidéosurveillance connues par km²")
        assert "727 communes" in title
        assert options["statusText"][0].startswith("aucune caméra connue")
        assert options["figures"][0]["unit"] == "par km²"
    else:
        assert title.startswith("Video-surveillance cameras known per km²")
        assert options["statusText"][0] == "no camera known (no source looked here)"


def test_french_is_the_default(moselle_with_cameras, monkeypatch):
    monkeypatch.delenv("GEOCOVER_LANG")
    _, options = _options(choropleth(moselle_with_cameras))
    assert options["lang"] == "fr" and options["locale"] == "fr-FR"


def _disjoint(a, b):
    return (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
            or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


@pytest.mark.browser
def test_legend_scale_and_language_in_chromium(moselle_with_cameras, tmp_path):
    from tests.browser import chromium, close_page, open_page

    pages = {lang: tmp_path / f"moselle-{lang}.html" for lang in ("fr", "en")}
    for lang, path in pages.items():
        path.write_text(choropleth(moselle_with_cameras, lang=lang), encoding="utf-8")
    frame = moselle_with_cameras.communes
    with chromium() as browser:
        for lang, path in pages.items():
            for viewport in VIEWPORTS:
                page, traffic = open_page(browser, path, viewport=viewport,
                                          tile_hosts=("tile.openstreetmap.org",))
                assert page.evaluate("document.documentElement.lang") == lang
                scale = page.locator(".leaflet-control-scale").inner_text()
                assert "km" in scale or " m" in scale
                assert "mi" not in scale and "ft" not in scale
                legend = page.locator(".gc-ch-legend").bounding_box()
                for other in (".leaflet-control-scale", ".gc-ch-search",
                              ".leaflet-control-attribution"):
                    assert _disjoint(legend, page.locator(other).bounding_box()), (
                        lang, viewport, other)
                scale_box = page.locator(".leaflet-control-scale").bounding_box()
                assert _disjoint(scale_box, page.locator(
                    ".leaflet-control-attribution").bounding_box()), (lang, viewport)
                # the legend is inside the window, whole
                assert legend["x"] >= 0 and legend["x"] + legend["width"] <= viewport[0]
                assert legend["y"] >= 0 and legend["y"] + legend["height"] <= viewport[1]
                text = page.locator(".gc-ch-legend").inner_text()
                if lang == "fr":
                    assert "Couleur de chaque commune" in text and "par km²" in text
                    assert "aucune caméra connue" in text
                    assert "per km²" not in text and "no camera known" not in text
                else:
                    assert "Colour of each commune" in text and "per km²" in text
                # a commune's colour is its class of cameras per km²; grey where none is
                # known (no source looked there)
                colours = page.evaluate(
                    "geocover.layers.communes.getLayers().map(function (l) {"
                    " return [l._gcIndex, l.options.fillColor]; })")
                by_index = dict(colours)
                density = frame["density_per_km2"].to_numpy(dtype=float)
                unknown = {i for i, c in by_index.items() if c == UNKNOWN_COLOUR}
                assert unknown == {i for i in by_index if not np.isfinite(density[i])}
                assert len(unknown) == 727 - 15
                ranks = {c: k for k, c in enumerate(COLOURS)}
                seen = sorted((density[i], ranks[c]) for i, c in by_index.items()
                              if c in ranks and np.isfinite(density[i]))
                assert len(seen) == 15
                assert [r for _, r in seen] == sorted(r for _, r in seen)  # monotonic
                # the popup of Metz, in the page's language and number format
                page.fill(".gc-ch-search input", "57463")
                page.locator(".gc-ch-results button").first.click()
                popup = page.locator(".leaflet-popup-content").last.inner_text()
                box = page.locator(".leaflet-popup-content-wrapper").last.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= viewport[0], viewport
                area = frame.loc[frame["code"] == "57463", "area_km2"].iloc[0]
                if lang == "fr":
                    assert "Superficie" in popup and f"{area:.3f}".replace(".", ",") in popup
                else:
                    assert "Area" in popup and f"{area:.3f}" in popup
                assert not traffic.problems()
                page.screenshot(path=str(tmp_path / f"moselle-{lang}-{viewport[0]}.png"))
                close_page(page)
