"""The maps in a real headless browser (Debian's chromium through playwright), offline.

Every request outside file:// and loopback is intercepted and recorded (tests/browser.py).
These tests fail, never skip, when chromium is missing.
"""

from __future__ import annotations

import pytest
import shapely

from geocover.outputs.webmap.build import write_map
from geocover.pipeline.analysis import analyse
from tests.browser import chromium, close_page, open_page
from tests.test_webmap import HOSTILE, hostile_analysis

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TILE_HOST = "tile.openstreetmap.org"

# Counts what a reader sees: camera markers drawn singly, cameras inside cluster bubbles,
# field-of-view paths.
_COUNT = """() => {
  const markers = document.querySelectorAll('.leaflet-marker-icon.gc-cam').length;
  let clustered = 0;
  for (const c of document.querySelectorAll('.leaflet-marker-icon.marker-cluster')) {
    clustered += parseInt(c.textContent, 10);
  }
  return {markers, clustered,
          fov: document.querySelectorAll('.leaflet-gcFov-pane path').length,
          perimeters: document.querySelectorAll('.leaflet-gcPerimeters-pane path').length,
          commune: document.querySelectorAll('.leaflet-gcCommune-pane path').length,
          neighbours: document.querySelectorAll('.leaflet-gcNeighbours-pane path').length,
          verdicts: document.querySelectorAll('.gc-claims li[class^=gc-v-]').length};
}"""


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def paris_map(bundle, tmp_path_factory):
    """The Paris map: the 1,389 sites of the police plan (c. 2013), two presets, OSM tiles."""
    analysis = analyse(insee="75056", bundle=bundle, lists=["paris-pvpp2013"], osm=False,
                       presets=["sunders", "panopticity-observation"], lang="en")
    path = tmp_path_factory.mktemp("paris") / "paris.html"
    write_map(analysis, path, tiles="osm")
    return path, analysis


def _toggle(page, label: str) -> None:
    """Open the layer list as a reader does, click a layer's checkbox, close the list."""
    page.locator(".gc-layers-button").click()
    page.locator(".gc-layer-list label", has_text=label).locator("input").click()
    page.locator(".gc-layers-button").click()


def test_metz_map_offline_no_request_no_error(cli, bundle, tmp_path, browser):
    result = cli("map", "metz", "--bundle", str(bundle), "--tiles", "none",
                 "-o", str(tmp_path / "maps" / "metz.html"))
    assert result.returncode == 0, result.stderr
    page, traffic = open_page(browser, tmp_path / "maps" / "metz.html")
    try:
        assert traffic.problems() == []
        assert traffic.external == []  # --tiles none: not a single outside request
        counts = page.evaluate(_COUNT)
        assert counts["commune"] == 1 and counts["neighbours"] == 14
        assert counts["markers"] == counts["clustered"] == counts["fov"] == 0  # none mapped offline
        assert counts["verdicts"] == 8  # the claims of data/metz/city.toml
        assert page.locator(".leaflet-control-scale").count() == 1
        attribution = page.locator(".leaflet-control-attribution").text_content()
        assert "OpenStreetMap contributors" in attribution and "IGN – ADMIN EXPRESS" in attribution
        assert page.locator(".gc-about summary").first.text_content() == "How this was computed"
        assert page.locator(".gc-about summary a").count() == 0  # the header is no link
        link = page.locator(".gc-report-link a").first
        assert link.get_attribute("href") == "metz-report.txt"
        assert (tmp_path / "maps" / "metz-report.txt").is_file()
        # Toggling a layer hides it.
        _toggle(page, "Neighbouring communes")
        assert page.evaluate(_COUNT)["neighbours"] == 0
        _toggle(page, "Neighbouring communes")
        assert page.evaluate(_COUNT)["neighbours"] == 14
        page.screenshot(path=str(tmp_path / "metz.png"))
    finally:
        close_page(page)


def test_metz_map_with_tiles_requests_only_the_tile_host(cli, bundle, tmp_path, browser):
    path = tmp_path / "metz.html"
    assert cli("map", "metz", "--bundle", str(bundle), "-o", str(path)).returncode == 0
    page, traffic = open_page(browser, path, tile_hosts=(TILE_HOST,))
    try:
        assert traffic.problems() == []
        assert traffic.tiles, "the OSM tile layer should have asked for tiles"
        assert traffic.hosts == {TILE_HOST}
    finally:
        close_page(page)


def test_paris_map_markers_fields_of_view_and_toggles(paris_map, browser):
    path, analysis = paris_map
    page, traffic = open_page(browser, path, tile_hosts=(TILE_HOST,))
    try:
        assert traffic.problems() == []
        assert traffic.hosts <= {TILE_HOST}
        counts = page.evaluate(_COUNT)
        expected_fov = int((~analysis.fields["sunders"].is_empty).sum())
        assert expected_fov == 1389
        assert counts["fov"] == expected_fov  # the first preset is shown on opening
        assert counts["markers"] + counts["clustered"] == 1389
        assert counts["clustered"] > 0  # 1,389 markers are clustered
        # The page draws each field of view from the model's numbers: its vertices lie
        # within 1e-5° (the page's rounding) of the model's polygon reprojected by pyproj.
        drawn = page.evaluate("""() => geocover.layers['fov:sunders'].getLayers()
            .map(l => l.getLatLngs()[0].map(p => [p.lng, p.lat]))""")
        assert len(drawn) == expected_fov
        from geocover.model.fov import sectors
        from geocover.pipeline.analysis import modelled_cameras

        table = sectors(modelled_cameras(analysis.cameras, analysis.crs), "sunders")
        fields = analysis.fields.metric("sunders").to_crs("EPSG:4326").to_numpy()
        single = table.camera[table.single]  # the sectors come first, in the table's order
        for ring, cam in zip(drawn[:len(single):7], single[::7], strict=True):
            assert len(ring) >= 64  # a disc of 64 segments (the list gives no direction)
            gap = shapely.distance(shapely.points(ring), fields[int(cam)].boundary)
            assert float(gap.max()) < 1.5e-5
        _toggle(page, "Fields of view, SunderS")
        assert page.evaluate(_COUNT)["fov"] == 0
        _toggle(page, "Fields of view, PanoptiCity, observation")
        assert page.evaluate(_COUNT)["fov"] == 1389
        _toggle(page, "Official list")
        after = page.evaluate(_COUNT)
        assert after["markers"] == after["clustered"] == 0
        # Zoomed in, single markers open a popup with the site's provenance and precision.
        page.evaluate("() => { geocover.map.setView([48.8584, 2.3470], 17, {animate: false}); }")
        _toggle(page, "Official list")
        page.wait_for_timeout(300)
        point = page.evaluate("""() => {
          for (const e of document.querySelectorAll('.leaflet-marker-icon.gc-cam')) {
            const r = e.getBoundingClientRect();
            if (r.left > 60 && r.top > 60 && r.right < innerWidth - 400
                && r.bottom < innerHeight - 60)
              return [r.left + r.width / 2, r.top + r.height / 2];
          }
          return null;
        }""")
        assert point is not None
        page.mouse.click(*point)
        popup = page.wait_for_selector(".leaflet-popup-content").text_content()
        assert "list:paris-pvpp2013:" in popup and "somewhere in this street" in popup
        assert popup.startswith("Camera no. ")
        assert "Préfecture de police" in popup
        assert traffic.problems() == []
    finally:
        close_page(page)


def test_hostile_text_is_shown_as_text_and_never_runs(bundle, tmp_path, browser):
    analysis = hostile_analysis(bundle, tmp_path)
    path = tmp_path / "hostile.html"
    write_map(analysis, path, tiles="none")
    page, traffic = open_page(browser, path)
    try:
        texts = page.evaluate("""async () => {
          const out = [];
          const read = () => {
            const c = document.querySelector('.leaflet-popup-content');
            return c ? c.textContent : '';
          };
          for (const [key, layer] of Object.entries(geocover.layers)) {
            if (!geocover.map.hasLayer(layer)) geocover.map.addLayer(layer);
            layer.eachLayer(l => {
              if (l.getPopup && l.getPopup()) { l.openPopup(); out.push(read()); l.closePopup(); }
              if (l.getTooltip && l.getTooltip()) {
                l.openTooltip(l.getBounds ? l.getBounds().getCenter() : undefined);
                const t = document.querySelector('.leaflet-tooltip');
                out.push(t ? t.textContent : '');
                l.closeTooltip();
              }
            });
          }
          for (const d of document.querySelectorAll('details')) d.open = true;
          out.push(document.body.textContent);
          return out;
        }""")
        # A real click too, on a marker, as a reader would (the panels folded again).
        page.evaluate("() => { for (const d of document.querySelectorAll('details')) "
                      "d.open = false; }")
        page.evaluate(
            "() => { geocover.map.fitBounds(geocover.layers['cameras:contrib'].getBounds(), "
            "{paddingTopLeft: [300, 200], paddingBottomRight: [450, 200]}); }")
        page.locator(".leaflet-marker-icon.gc-cam").first.click()
        texts.append(page.wait_for_selector(".leaflet-popup-content").text_content())
        # Hover everything a payload's onmouseover could sit on (none survives as markup).
        page.evaluate("""() => { for (const e of document.querySelectorAll('*'))
            e.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})); }""")
        page.wait_for_timeout(300)

        assert page.evaluate("() => window.__pwned") is None
        assert page.evaluate("() => typeof window.__pwned") == "undefined"
        assert traffic.problems() == []
        assert traffic.external == []  # the <img src=http://evil.example/…> was never fetched
        assert page.evaluate("""() => [...document.querySelectorAll('*')].filter(e =>
            [...e.attributes].some(a => a.name.startsWith('on'))).length""") == 0
        assert page.locator("iframe, img[src*=evil], svg[onload]").count() == 0
        shown = "\n".join(texts)
        for payload in HOSTILE:
            assert payload in shown, f"not shown as text: {payload!r}"
        layer_names = page.locator(".gc-layer-list").text_content()
        assert HOSTILE[13] in layer_names
        assert page.title().startswith("Metz " + HOSTILE[5])
    finally:
        close_page(page)


def test_phone_viewport_keeps_the_map_usable(paris_map, browser):
    path, _ = paris_map
    page, traffic = open_page(browser, path, viewport=(390, 800), tile_hosts=(TILE_HOST,))
    try:
        assert traffic.problems() == []
        # Panels fold on a narrow screen, so the map stays visible.
        assert page.evaluate(
            "() => [...document.querySelectorAll('details[data-gc-fold]')].every(d => !d.open)")
    finally:
        close_page(page)
