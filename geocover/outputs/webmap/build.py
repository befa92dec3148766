"""Building and writing the readers' map."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import folium
import shapely
from jinja2 import Template

from geocover.errors import UsageError
from geocover.i18n import Translator
from geocover.io.atomic import replace_atomic
from geocover.outputs.escape import html_text, js_json
from geocover.outputs.paths import report_paths
from geocover.outputs.webmap.banner import banner_html
from geocover.outputs.webmap.elements import GeocoverMap, JsonText, _Call, _DataLayer, page_of
from geocover.outputs.webmap.encode import _bounds, _to_storage
from geocover.outputs.webmap.fields import CameraFrames, fov_layer
from geocover.outputs.webmap.layers import (
    _camera_layers,
    _commune_layer,
    _cover_layer,
    _neighbours_layer,
    _perimeter_layer,
    nearby_neighbours,
)
from geocover.outputs.webmap.panels import _about_html, _claims_html, _legend_html
from geocover.outputs.webmap.style import (
    _PANES,
    CLUSTER_THRESHOLD,
    DEFAULT_DIRECTORY,
    IGN_ATTRIBUTION_HTML,
    OSM_ATTRIBUTION_HTML,
    OSM_TILES_URL,
    TILES,
)
from geocover.pipeline.analysis import Analysis

# ------------------------------------------------------------------ the page

#: branca's page template with the reader's language on ``<html>``.
_PAGE = (
    "<!DOCTYPE html>\n"
    '<html lang="{lang}">\n'
    "<head>\n"
    "{{% if this.title %}}<title>{{{{this.title}}}}</title>{{% endif %}}"
    "    {{{{this.header.render(**kwargs)}}}}\n"
    "</head>\n"
    "<body>\n"
    "    {{{{this.html.render(**kwargs)}}}}\n"
    "</body>\n"
    "<script>\n"
    "    {{{{this.script.render(**kwargs)}}}}\n"
    "</script>\n"
    "</html>\n"
)


def _page_template(lang: str) -> Template:
    if not re.fullmatch(r"[a-z]{2}", lang):
        raise ValueError(f"not a language code: {lang!r}")
    return Template(_PAGE.format(lang=lang))


def page_strings(tr: Translator) -> dict[str, str]:
    """The words the page's script writes (the layer list, the sheets' buttons)."""
    _ = tr.gettext
    return {"layers": _("Layers"), "close": _("Close"), "more": _("For analysts"),
            "showLayers": _("Show or hide layers")}


# ------------------------------------------------------------------ public API


def _select_presets(analysis: Analysis, presets: Iterable[str] | None) -> list[str]:
    available = [p for p in analysis.presets if p in analysis.fields]
    available += [p for p in analysis.fields if p not in available]
    if presets is None:
        return available
    chosen = list(dict.fromkeys(presets))
    missing = [p for p in chosen if p not in analysis.fields]
    if missing:
        have = ", ".join(available) or "none (no camera was mapped)"
        raise UsageError(
            f"no fields of view computed for preset(s) {', '.join(missing)} (computed: {have})"
        )
    return chosen


def default_map_path(analysis: Analysis, directory: str | Path = DEFAULT_DIRECTORY) -> Path:
    """``maps/<city>.html``."""
    return Path(directory) / f"{analysis.city.slug}.html"


#: What the map's parts cost, in seconds on the 2-core machine of the benchmarks (only
#: their ratios matter): a camera's rows and readers' data, a vertex of a preset's area
#: seen (dissolved, reprojected, encoded), a camera's field of view drawn for one preset.
_COST_CAMERA_ROWS = 50e-6
_COST_AREA_VERTEX = 0.5e-6
_COST_FIELD = 2e-6


def _share_presets(analysis: Analysis, chosen: list[str]) -> tuple[list[str], list[str]]:
    """The presets whose layers this process builds and those a forked process builds
    beside the camera rows and the readers' data: the costliest first, each to the side
    with less work so far (their costs estimated from the cameras and each area seen's
    vertices)."""
    n = 0 if analysis.cameras is None else len(analysis.cameras)
    loads = [0.0, _COST_CAMERA_ROWS * n]  # here, there
    sides: tuple[list[str], list[str]] = ([], [])
    costs = []
    for p in chosen:
        figures = analysis.camera_coverage.get(p)
        parts = None if figures is None or figures.pieces is None else figures.pieces.parts
        vertices = 0 if parts is None else int(shapely.get_num_coordinates(parts).sum())
        costs.append((_COST_AREA_VERTEX * vertices + _COST_FIELD * n, p))
    for cost, p in sorted(costs, key=lambda c: -c[0]):
        side = 0 if loads[0] <= loads[1] else 1
        sides[side].append(p)
        loads[side] += cost
    return sides


def build_map(
    analysis: Analysis,
    *,
    tiles: str = "osm",
    presets: Iterable[str] | None = None,
    report_href: str | None = None,
    cluster_threshold: int = CLUSTER_THRESHOLD,
    propose: bool = True,
) -> folium.Map:
    """The interactive map of ``analysis``: a self-contained :class:`folium.Map`.

    Parameters
    ----------
    analysis : Analysis
        What :func:`geocover.analyse` computed; layers it does not have are left out.
    tiles : {"osm", "none"}
        OpenStreetMap's tiles as background (the page's only outside request), or none.
    presets : iterable of str, optional
        The field-of-view presets to show, among those in ``analysis.fields`` (default:
        all of them). The first is shown on opening, the others can be switched on.
    report_href : str, optional
        A link (relative to the map) to the report that explains the figures.
    cluster_threshold : int
        A camera layer with more markers than this is clustered.
    propose : bool
        Add the "propose" mode (closed until opened): place cameras or draw a perimeter
        and download them for ``contrib add`` / ``perimeters add``
        (:mod:`geocover.outputs.webmap.propose`).

    Raises
    ------
    UsageError
        An unknown ``tiles`` value, or a preset without computed fields of view.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from geocover import analyse
    >>> analysis = analyse("metz", bundle="../shared/data")
    >>> page = Path(tempfile.mkdtemp()) / "metz.html"
    >>> build_map(analysis, tiles="none").save(page)
    >>> "Metz" in page.read_text(encoding="utf-8")
    True
    """
    if tiles not in TILES:
        raise UsageError(f"unknown tiles {tiles!r} (choose from {', '.join(TILES)})")
    chosen = _select_presets(analysis, presets)
    commune = _to_storage(analysis.commune)
    centroid = commune.geometry.iloc[0].representative_point()
    tr = analysis.tr

    # Each preset's two layers: dissolving, reprojecting and encoding the area seen (numpy,
    # shapely and pyproj). The fields in degrees are not needed: the page draws the
    # model's numbers, from the cameras' positions and degrees per metre, the same for
    # every preset.
    frames = CameraFrames.of(analysis) if chosen else None

    def preset_layers(p: str) -> Callable[[], tuple[Any, Any]]:
        return lambda: (_cover_layer(p, analysis.fields.metric(p), analysis),
                        fov_layer(p, analysis, show=False, tr=tr, frames=frames))

    def cameras() -> list[Any]:
        if analysis.cameras is None or not len(analysis.cameras):
            return []
        return _camera_layers(analysis.cameras, cluster_threshold, tr)

    from geocover.model.forked import in_child
    from geocover.model.threads import default_workers, in_threads
    from geocover.outputs.webmap.reader import add_reader_tools, reader_data

    def rows(presets_there: list[str]) -> tuple[list[Any], JsonText, list[Any]]:
        """The camera layers, the readers' data and the layers of ``presets_there``, as
        plain values (Python row by row, as text)."""
        there = [tuple(None if layer is None else layer.spec() for layer in preset_layers(p)())
                 for p in presets_there]
        return ([layer.spec() for layer in cameras()],
                JsonText(js_json(reader_data(analysis, propose=propose))), there)

    # The camera rows and the readers' data are pure Python, and so is much of a preset's
    # layers: threads would queue for one GIL (0.58 s for 0.66 s of work). So a forked
    # process, which has a GIL of its own, builds them with the presets that balance its
    # share (_share_presets), while this one builds the other presets' layers.
    here, there = _share_presets(analysis, chosen)
    child = in_child(lambda: rows(there))
    built: dict[str, tuple[Any, Any]] = {}
    if child is None:
        specs, tools, _ = rows([])
        built = dict(zip(chosen, in_threads([*map(preset_layers, chosen)]), strict=True))
    else:
        try:
            built = dict(zip(here, in_threads([*map(preset_layers, here)],
                                              workers=default_workers() - 1), strict=True))
        except BaseException:
            child.cancel()
            raise
        try:
            specs, tools, sent = child.result()
            for p, (cover, fov) in zip(there, sent, strict=True):
                built[p] = (None if cover is None else _DataLayer.from_spec(cover),
                            None if fov is None else _DataLayer.from_spec(fov))
        except RuntimeError:  # the child failed: again here, where its error shows whole
            specs, tools, _ = rows([])
            built.update(zip(there, in_threads([*map(preset_layers, there)]), strict=True))
    layers = [built[p] for p in chosen]
    camera_layers = [_DataLayer.from_spec(spec) for spec in specs]
    cluster = any(layer.settings.get("cluster") for layer in camera_layers)
    fmap = GeocoverMap(
        location=[round(centroid.y, 5), round(centroid.x, 5)],
        zoom_start=12,
        tiles=None,
        control_scale=False,
        cluster=cluster,
    )
    title = tr.gettext("{city}: video-surveillance claims and the map").format(
        city=analysis.city.name)
    page = page_of(fmap)
    page.title = html_text(title)
    page._template = _page_template(tr.lang)
    attributions = [OSM_ATTRIBUTION_HTML, IGN_ATTRIBUTION_HTML]
    fmap.add_child(_Call("setup", {"panes": _PANES, "attribution": attributions, "maxZoom": 19,
                                   "bounds": _bounds(commune), "strings": page_strings(tr)}))
    if tiles == "osm":
        folium.TileLayer(OSM_TILES_URL, attr=OSM_ATTRIBUTION_HTML, name="OpenStreetMap",
                         max_zoom=19, control=False).add_to(fmap)

    neighbours = nearby_neighbours(analysis)
    if neighbours is not None:
        fmap.add_child(_neighbours_layer(neighbours, tr))
    fmap.add_child(_commune_layer(analysis))
    perimeter_layer = _perimeter_layer(analysis)
    if perimeter_layer is not None:
        fmap.add_child(perimeter_layer)
    covers = [cover for cover, _ in layers if cover is not None]
    for cover in covers:
        fmap.add_child(cover)
    shown = False
    for _, fov in layers:
        if fov is not None:
            fov.show = not shown  # the first preset drawn is shown on opening
            fmap.add_child(fov)
            shown = True
    for layer in camera_layers:
        fmap.add_child(layer)
    # The compliance tables (cameras outside perimeters, expiring decrees…), off by default.
    from geocover.outputs.webmap.layers import add_compliance_layers

    if analysis.compliance is not None:
        add_compliance_layers(fmap, analysis.compliance.frames(), tr)
    compliance = analysis.compliance is not None and any(
        not t.empty for t in analysis.compliance.frames().values())

    classes: set[str] = set()
    for layer in camera_layers:
        classes.update(layer.settings["classes"])
    statuses = set() if perimeter_layer is None else {
        f["s"] for f in json.loads(perimeter_layer.data_js)}
    markdown_href = None
    if report_href:
        markdown_href = report_href[:-4] + ".md" if report_href.endswith(".txt") else None
    banner = banner_html(analysis)
    if banner is not None:
        fmap.add_child(_Call("panel", "topright", banner, "gc-banner",
                             tr.gettext("Headline")))
    fmap.add_child(_Call("panel", "topright", _claims_html(analysis), "gc-claims",
                         tr.gettext("Claims")))
    fmap.add_child(_Call("panel", "bottomright",
                         _about_html(analysis, report_href, markdown_href, chosen), "gc-about",
                         tr.gettext("Method")))
    fmap.add_child(_Call("panel", "bottomleft", _legend_html(
        analysis, statuses=statuses, classes=classes, clustered=cluster, fov=shown,
        cover=bool(covers), neighbours=neighbours is not None, compliance=compliance),
        "gc-legend-panel", tr.gettext("Legend")))
    add_reader_tools(fmap, analysis, propose=propose, data=tools)
    if propose:
        from geocover.outputs.webmap.propose import add_propose_mode

        add_propose_mode(fmap, city=analysis.city, lang=analysis.lang)
    fmap.add_child(_Call("done"))
    return fmap


def render_map(analysis: Analysis, **kwargs: Any) -> str:
    """The map's HTML page (see :func:`build_map` for the parameters)."""
    return build_map(analysis, **kwargs).get_root().render()


def write_map(
    analysis: Analysis,
    path: str | Path | None = None,
    *,
    tiles: str = "osm",
    presets: Iterable[str] | None = None,
    report: bool = True,
    cluster_threshold: int = CLUSTER_THRESHOLD,
    propose: bool = True,
) -> list[Path]:
    """Write the map to ``path`` (default ``maps/<city>.html``) atomically, and the report
    it links to beside it (``<stem>-report.txt`` and ``.md``) unless ``report=False``.

    Returns
    -------
    list of Path
        The files written, the map first.
    """
    from geocover.outputs.report import render

    path = Path(path) if path is not None else default_map_path(analysis)
    written = []
    href = None
    if report:
        text_path, md_path = report_paths(path)
        href = quote(text_path.name)
    page = render_map(analysis, tiles=tiles, presets=presets, report_href=href,
                      cluster_threshold=cluster_threshold, propose=propose)
    replace_atomic(path, page.encode("utf-8"))
    written.append(path)
    if report:
        replace_atomic(text_path, render(analysis, "text").encode("utf-8"))
        replace_atomic(md_path, render(analysis, "markdown").encode("utf-8"))
        written += [text_path, md_path]
    return written
