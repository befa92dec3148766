"""The map's panels: claims, legend, about."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from geocover import settings
from geocover.outputs.escape import html_text
from geocover.outputs.report import shown_verdicts
from geocover.outputs.webmap import assets as _assets
from geocover.outputs.webmap.encode import _preset_label
from geocover.outputs.webmap.style import _STYLES, _VERDICTS
from geocover.pipeline.analysis import Analysis

# ------------------------------------------------------------------ panels


_UNITS = {"authorized_area_km2": " km²", "camera_count": " cameras",
          "identification_range_m": " m", "retention_days": " days"}


def _claim_value(kind: str, value: float) -> str:
    if kind == "authorized_share":
        return f"{100 * value:g} %"
    return f"{value:g}{_UNITS.get(kind, '')}"


def _measured(value: float | None) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return f"{value:.4g}"


def _claims_html(analysis: Analysis) -> str:
    h = html_text
    city = analysis.city
    out = [f'<details open data-gc-fold><summary><h2>{h(city.name)}: the claims and the map'
           "</h2></summary>"]
    from geocover.outputs.report import summary

    sentences = summary(analysis)
    if sentences:
        out.append("<ul class='gc-summary'>" + "".join(f"<li>{h(t)}</li>" for t in sentences)
                   + "</ul>")
    if not analysis.verdicts:
        out.append("<p class='gc-muted'>No claim is configured for this commune "
                   "(data/&lt;city&gt;/city.toml).</p>")
    else:
        out.append("<ol class='gc-verdicts'>")
        for v in shown_verdicts(analysis):
            verdict = v.verdict if v.verdict in _VERDICTS else "unverifiable"
            out.append(
                f"<li class='gc-v-{verdict}'><span class='gc-badge'>{h(v.verdict)}</span> "
                f"<b>{h(_claim_value(v.kind, v.value))}</b> <small>({h(v.id)}; {h(v.source)}, "
                f"{h(v.date)})</small>"
            )
            if v.quote:
                out.append(f"<div class='gc-quote'>“{h(v.quote)}”</div>")
            out.append(f"<div>{h(v.explanation)}</div>")
            if v.checks:
                out.append("<details><summary>checks</summary><ul>")
                for c in v.checks:
                    measured = _measured(c.measured)
                    extra = f"; measured {h(measured)}" if measured else ""
                    tol = f"; tolerance {h(c.tolerance)}" if c.tolerance else ""
                    out.append(f"<li>against {h(c.against)}: <b>{h(c.verdict)}</b>"
                               f"{extra}{tol}</li>")
                out.append("</ul></details>")
            out.append("</li>")
        out.append("</ol>")
    out.append("</details>")
    return "".join(out)


def _swatch(style: dict[str, Any]) -> str:
    border = "dashed" if style.get("dashArray") else "solid"
    fill = style.get("fillColor", "transparent") if style.get("fill", True) else "transparent"
    opacity = style.get("fillOpacity", 0.2) if style.get("fill", True) else 0
    rgba = _rgba(fill, float(opacity) + 0.15) if fill != "transparent" else "transparent"
    return (f"<span class='gc-sw' style='border:2px {border} {style.get('color', '#333')};"
            f"background:{rgba}'></span>")


def _rgba(color: str, alpha: float) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{min(alpha, 1):.2f})"


def _legend_html(*, perimeters: bool, cameras: set[str], fov: bool, cover: bool,
                 neighbours: bool) -> str:
    items = [f"<li>{_swatch(_STYLES['commune'])}commune boundary</li>"]
    if neighbours:
        items.append(f"<li>{_swatch(_STYLES['neighbours'])}neighbouring communes</li>")
    if perimeters:
        items += [
            f"<li>{_swatch(_STYLES['valid'])}authorized perimeter, valid</li>",
            (f"<li>{_swatch(_STYLES['expired'])}authorized perimeter, expired "
             f"(valid until, else decree date + {settings.AUTHORIZATION_YEARS} years)</li>"),
            (f"<li>{_swatch(_STYLES['unknown'])}authorized perimeter, validity unknown "
             "(no date)</li>"),
        ]
    if cameras:
        for t, text in (("fixed", "fixed camera"), ("dome", "dome"), ("panning", "panning (PTZ)"),
                        ("unknown", "type unknown")):
            items.append(f"<li><span class='gc-cam gc-t-{t} gc-s-osm'><i></i></span> {text}</li>")
        shapes = {"osm": "round: OpenStreetMap", "list": "square: official list",
                  "contrib": "diamond: contribution"}
        for s in ("osm", "list", "contrib"):
            if s in cameras:
                items.append(f"<li><span class='gc-cam gc-t-unknown gc-s-{s}'><i></i></span> "
                             f"{shapes[s]}</li>")
        items.append("<li><span class='gc-cam gc-t-unknown gc-s-list gc-p-street'><i></i></span> "
                     "faded: approximate position (street or commune)</li>")
        items.append("<li class='gc-muted'>numbered discs: clusters of cameras (zoom in)</li>")
    if fov:
        items.append(f"<li>{_swatch(_STYLES['fov'])}field of view of a camera (modelled)</li>")
    if cover:
        items.append(f"<li>{_swatch(_STYLES['cover'])}area seen by the mapped cameras</li>")
    return ("<details open data-gc-fold><summary>Legend</summary><ul class='gc-legend' "
            "style='list-style:none;padding-left:0'>" + "".join(items) + "</ul></details>")


def _about_html(analysis: Analysis, report_href: str | None, markdown_href: str | None,
                presets: Sequence[str]) -> str:
    from geocover._version import __version__

    h = html_text
    link = ""
    if report_href:
        link = f" · <a href='{h(report_href)}'>how this was computed</a>"
    made = h(analysis.generated[:10])
    out = [f"<details data-gc-fold><summary>Sources and dates (map of {made}){link}</summary>"]
    out.append(f"<p>Made by geocover {h(__version__)} on {h(analysis.generated)}.</p>")
    if report_href:
        md = f" (<a href='{h(markdown_href)}'>Markdown</a>)" if markdown_href else ""
        out.append(f"<p>The figures, the verdicts and their reasoning: "
                   f"<a href='{h(report_href)}'>the report</a>{md}.</p>")
    out.append("<ul>")
    for s in analysis.sources:
        dates = s.dates_text()
        when = f", {h(dates)}" if dates else ""
        count = f", {s.count:,} features" if s.count is not None else ""
        licence = f" (licence: {h(s.licence)})" if s.licence else ""
        out.append(f"<li><b>{h(s.layer)}</b>: {h(s.origin)}{when}{count}. "
                   f"<span class='gc-muted'>{h(s.attribution)}{licence}</span></li>")
    out.append("</ul>")
    if presets:
        out.append("<p>Fields of view are modelled (wedge or disc from each camera's type, "
                   "direction and height) under named presets: "
                   + ", ".join(h(_preset_label(p)) for p in presets)
                   + ". Mapped cameras are a lower bound of those that exist.</p>")
    if analysis.warnings:
        out.append(f"<details><summary>{len(analysis.warnings)} warning(s)</summary><ul>")
        out += [f"<li>{h(w)}</li>" for w in analysis.warnings[:20]]
        if len(analysis.warnings) > 20:
            out.append(f"<li>… and {len(analysis.warnings) - 20} more (see the report)</li>")
        out.append("</ul></details>")
    libs = ", ".join(f"{h(k)} {h(v)}" for k, v in _assets.asset_versions().items()
                     if k != "jQuery")
    out.append(f"<p class='gc-muted'>Attribution: © OpenStreetMap contributors (ODbL); "
               f"IGN – ADMIN EXPRESS (Licence Ouverte). Map code: {libs}, inlined.</p>")
    out.append("</details>")
    return "".join(out)
