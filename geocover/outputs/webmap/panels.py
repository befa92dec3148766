"""The map's panels: claims (one line each, opening to the details), what the mapped
cameras see, the legend, and how the map was computed (sources and dates, and a folded
part for analysts). Everything in the analysis' language; every text escaped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from geocover import settings
from geocover.outputs.escape import html_text
from geocover.outputs.report import shown_verdicts
from geocover.outputs.webmap import assets as _assets
from geocover.outputs.webmap.encode import _preset_label
from geocover.outputs.webmap.style import _STYLES
from geocover.outputs.webmap.words import (
    claim_text,
    decisive_text,
    preset_name,
    verdict_class,
    verdict_label,
)
from geocover.pipeline.analysis import Analysis

# ------------------------------------------------------------------ claims


def _measured(value: float | None, tr: Any) -> str:
    if value is None:
        return ""
    return str(tr.decimal(value, 4, significant=True))


def _analysts(tr: Any, body: str) -> str:
    t1 = tr.gettext("For analysts")
    return (f"<details class='gc-analysts'><summary>{html_text(t1)}"
            f"</summary>{body}</details>")


def _claims_html(analysis: Analysis) -> str:
    h, tr = html_text, analysis.tr
    city = analysis.city
    t2 = tr.gettext("{city}: the claims, checked")
    out = [f"<details open data-gc-fold><summary><h2>"
           f"{h(t2.format(city=city.name))}</h2>"
           "</summary>"]
    if not analysis.verdicts:
        t3 = tr.gettext("No claim is stated for this commune.")
        out.append(f"<p class='gc-muted'>{h(t3)}"
                   "</p>")
    else:
        t4 = tr.gettext("Open a claim for its details.")
        out.append(f"<p class='gc-muted'>{h(t4)}</p>")
        out.append("<ol class='gc-verdicts'>")
        for v in shown_verdicts(analysis):
            cls = verdict_class(v)
            decisive = decisive_text(v, analysis)
            tail = f" <span class='gc-decisive'>— {h(decisive)}</span>" if decisive else ""
            out.append(f"<li class='gc-v-{cls}'><details><summary><span class='gc-badge'>"
                       f"{h(verdict_label(v, tr))}</span> <b>{h(claim_text(v, tr))}</b>{tail}"
                       "</summary>")
            if v.quote:
                out.append(f"<div class='gc-quote'>“{h(v.quote)}”</div>")
            source = tr.gettext("Source: {source}, {date}").format(source=tr.gettext(v.source),
                                                                   date=tr.date(v.date))
            out.append(f"<p class='gc-muted'>{h(source)}</p>")
            t5 = tr.gettext("Claim id")
            body = [f"<p>{h(t5)}: <code>{h(v.id)}</code></p>",
                    f"<p>{h(v.explanation)}</p>"]
            if v.checks:
                body.append("<ul>")
                for c in v.checks:
                    measured = _measured(c.measured, tr)
                    t6 = tr.gettext("measured")
                    extra = f"; {h(t6)} {h(measured)}" if measured else ""
                    t7 = tr.gettext("tolerance")
                    tol = f"; {h(t7)} {h(c.tolerance)}" if c.tolerance else ""
                    body.append(f"<li>{h(c.against)}: <b>{h(c.verdict)}</b>{extra}{tol}. "
                                f"{h(c.explanation)}</li>")
                body.append("</ul>")
            if v.settle:
                t8 = tr.gettext("What would settle it")
                body.append(f"<p>{h(t8)}: {h(v.settle)}</p>")
            out.append(_analysts(tr, "".join(body)))
            out.append("</details></li>")
        out.append("</ol>")
    out.append("</details>")
    out.append(_seen_html(analysis))
    return "".join(out)


def _seen_html(analysis: Analysis) -> str:
    """The share of the commune and of its streets the mapped cameras see, per preset."""
    h, tr = html_text, analysis.tr
    t9 = tr.gettext("What the mapped cameras see")
    t12 = tr.gettext("of the commune")
    t13 = tr.gettext("of its streets")
    out = [f"<details open data-gc-fold class='gc-seen'><summary>"
           f"{h(t9)}</summary>"]
    t10 = tr.gettext("model")
    t11 = tr.gettext("area")
    rows = [c for c in analysis.camera_coverage.values() if c.cameras]
    if not rows:
        none = tr.gettext("No camera is mapped here yet, so the map shows nothing as seen.")
        out.append(f"<p class='gc-muted'>{h(none)}</p>")
    else:
        out.append(f"<table class='gc-rows gc-seen-table'><thead><tr>"
                   f"<th>{h(t10)}</th><th>{h(t11)}</th>"
                   f"<th>{h(t12)}</th>"
                   f"<th>{h(t13)}</th></tr></thead><tbody>")
        for c in rows:
            streets = "—"
            if c.streets_km and c.streets_seen_km is not None:
                streets = tr.percent(c.streets_seen_km / c.streets_km)
            share = tr.percent(c.share_of_commune) if c.share_of_commune is not None else "—"
            out.append(f"<tr><td>{h(preset_name(c.preset, tr))}</td><td>{h(tr.km2(c.area_km2))}"
                       f"</td><td>{h(share)}</td><td>{h(streets)}</td></tr>")
        out.append("</tbody></table>")
        least = tr.gettext("Mapped cameras are a lower bound of those that exist: this is "
                           "the least that is seen.")
        out.append(f"<p class='gc-muted'>{h(least)}</p>")
    out.append("</details>")
    return "".join(out)


# ------------------------------------------------------------------ legend


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


def _legend_html(analysis: Analysis, *, statuses: set[str], classes: set[str],
                 clustered: bool, fov: bool, cover: bool, neighbours: bool,
                 compliance: bool) -> str:
    """Only what the map has: perimeter statuses present, camera types, shapes and
    precisions present, clusters when there are any."""
    h, tr = html_text, analysis.tr
    _ = tr.gettext
    t14 = _("commune boundary")
    items = [f"<li>{_swatch(_STYLES['commune'])}{h(t14)}</li>"]
    if neighbours:
        t15 = _("neighbouring communes")
        items.append(f"<li>{_swatch(_STYLES['neighbours'])}{h(t15)}</li>")
    texts = {
        "valid": _("authorized perimeter, valid"),
        "expired": _("authorized perimeter, expired (valid until, else decree date + {years} "
                     "years)").format(years=settings.AUTHORIZATION_YEARS),
        "unknown": _("authorized perimeter, validity unknown (no date)"),
    }
    items += [f"<li>{_swatch(_STYLES[s])}{h(texts[s])}</li>" for s in texts if s in statuses]
    if compliance:
        t16 = _("compliance check (layer off at first)")
        items.append(f"<li>{_swatch(_STYLES['compliance'])}"
                     f"{h(t16)}</li>")
    present = " ".join(sorted(classes))
    types = [("fixed", _("fixed camera")), ("dome", _("dome camera")),
             ("panning", _("panning camera (PTZ)")), ("unknown", _("camera of unknown type"))]
    for t, text in types:
        if f"gc-t-{t} " in present + " ":
            items.append(f"<li><span class='gc-cam gc-t-{t} gc-s-osm'><i></i></span> "
                         f"{h(text)}</li>")
    shapes = [("osm", _("round: OpenStreetMap")), ("list", _("square: official list")),
              ("contrib", _("diamond: contribution"))]
    for s, text in shapes:
        if f"gc-s-{s}" in present:
            items.append(f"<li><span class='gc-cam gc-t-unknown gc-s-{s}'><i></i></span> "
                         f"{h(text)}</li>")
    t17 = _("faded: approximate position (street or commune)")
    if "gc-p-street" in present or "gc-p-commune" in present:
        items.append("<li><span class='gc-cam gc-t-unknown gc-s-list gc-p-street'><i></i>"
                     f"</span> {h(t17)}</li>")
    if clustered:
        groups = _("groups of cameras: green under 10, yellow under 100, orange 100 or more; "
                   "zoom in to see each camera")
        items.append(
            "<li class='gc-clusters'><span class='gc-cl gc-cl-s'>5</span>"
            "<span class='gc-cl gc-cl-m'>50</span><span class='gc-cl gc-cl-l'>500</span> "
            f"{h(groups)}</li>")
    if fov:
        fov_text = _("field of view of a camera (modelled)")
        items.append(f"<li>{_swatch(_STYLES['fov'])}{h(fov_text)}</li>")
    if cover:
        t18 = _("area seen by the mapped cameras")
        items.append(f"<li>{_swatch(_STYLES['cover'])}{h(t18)}"
                     "</li>")
    t19 = _("Legend")
    return (f"<details open data-gc-fold><summary>{h(t19)}</summary>"
            "<ul class='gc-legend'>" + "".join(items) + "</ul></details>")


# ------------------------------------------------------------------ how it was computed

def _layer_name(layer: str, tr: Any) -> str:
    from geocover.i18n import N_

    names = {
        "commune": N_("commune boundary"), "perimeters": N_("authorized perimeters"),
        "buildings": N_("buildings"), "highways": N_("streets"), "streets": N_("streets"),
        "neighbours": N_("neighbouring communes"),
    }
    if layer in names:
        return str(tr.gettext(names[layer]))
    if layer.startswith("cameras"):
        return str(tr.gettext("cameras"))
    return layer


def _about_html(analysis: Analysis, report_href: str | None, markdown_href: str | None,
                presets: Sequence[str]) -> str:
    from geocover._version import __version__

    h, tr = html_text, analysis.tr
    _ = tr.gettext
    t20 = _("How this was computed")
    out = [f"<details data-gc-fold><summary>{h(t20)}</summary>"]
    c = analysis.commune_figures
    official = tr.km2(c.official_area_km2) if c.official_area_km2 else "—"
    paragraphs = [
        _("The commune measures {area} (official figure: {official}). Areas are measured on "
          "the map in a metric projection and checked on the Earth's ellipsoid.").format(
              area=tr.km2(c.area_km2), official=official),
        _("Each claim is compared with what the sources show: consistent, contradicted, or "
          "unverifiable when the data to check it is missing. When two claimed figures only "
          "agree with each other, the map says so, and does not call it a check on the "
          "ground."),
    ]
    if presets:
        paragraphs.append(_(
            "What a camera sees is modelled (a wedge or a disc from its type, direction and "
            "height) under several models: {models}. Mapped cameras are a lower bound of "
            "those that exist.").format(models=", ".join(preset_name(p, tr) for p in presets)))
    out += [f"<p>{h(t)}</p>" for t in paragraphs]
    t21 = _("Sources and dates")
    out.append(f"<h3 class='gc-h3'>{h(t21)}</h3><ul>")
    for s in analysis.sources:
        when = []
        if s.vintage_date:
            when.append(_("data of {date}").format(date=tr.date(s.vintage_date)))
        if s.retrieved:
            when.append(_("retrieved {date}").format(date=tr.date(str(s.retrieved)[:10])))
        count = (", " + tr.ngettext("{n} feature", "{n} features", s.count).format(
            n=tr.integer(s.count))) if s.count is not None else ""
        t22 = _("licence")
        licence = f" ({h(t22)}: {h(s.licence)})" if s.licence else ""
        dates = f", {h(', '.join(when))}" if when else ""
        out.append(f"<li><b>{h(_layer_name(s.layer, tr))}</b>{dates}{h(count)}. "
                   f"<span class='gc-muted'>{h(s.attribution)}{licence}</span></li>")
    out.append("</ul>")
    models = "; ".join(_preset_label(p) for p in presets)
    made = _("Made by geocover {version} on {date}.").format(version=__version__,
                                                            date=analysis.generated)
    t24 = _("planar")
    t25 = _("geodesic")
    body = [f"<p>{h(made)}</p>"]
    if models:
        t_models = _("Models")
        body.append(f"<p>{h(t_models)}: {h(models)}</p>")
    t23 = _("Areas computed in")
    body.append(f"<p>{h(t23)} {h(c.crs)}: {h(tr.km2(c.area_km2, 3))} "
                f"({h(t24)}), {h(tr.km2(c.geodesic_area_km2, 3))} "
                f"({h(t25)}).</p>")
    t26 = _("text")
    body.append("<ul>")
    for s in analysis.sources:
        body.append(f"<li><code>{h(s.layer)}</code>: {h(s.origin)}; {h(s.dates_text())}</li>")
    body.append("</ul>")
    if report_href:
        md = f" · <a href='{h(markdown_href)}'>Markdown</a>" if markdown_href else ""
        full = _("The full report, if it was shared with the map")
        body.append(f"<p class='gc-report-link'>{h(full)}: "
                    f"<a href='{h(report_href)}'>{h(t26)}</a>{md}</p>")
    if analysis.warnings:
        n = len(analysis.warnings)
        warned = tr.ngettext("{n} warning", "{n} warnings", n).format(n=tr.integer(n))
        body.append(f"<p>{h(warned)}</p><ul>")
        body += [f"<li>{h(w)}</li>" for w in analysis.warnings[:20]]
        if len(analysis.warnings) > 20:
            body.append(f"<li>… {h(str(len(analysis.warnings) - 20))}</li>")
        body.append("</ul>")
    libs = ", ".join(f"{h(k)} {h(v)}" for k, v in _assets.asset_versions().items()
                     if k != "jQuery")
    t27 = _("Map code")
    body.append(f"<p class='gc-muted'>{h(t27)}: {libs}.</p>")
    out.append(_analysts(tr, "".join(body)))
    out.append("<p class='gc-muted'>© OpenStreetMap contributors (ODbL); "
               "IGN – ADMIN EXPRESS (Licence Ouverte).</p>")
    out.append("</details>")
    return "".join(out)
