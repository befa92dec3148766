"""Rendering an :class:`~geocover.pipeline.analysis.Analysis` as text, Markdown or JSON.

The JSON form is a stable contract documented in ``docs/report-json.md``; the text
and Markdown forms are for people and may change wording.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from geocover.outputs import compliance as _compliance
from geocover.outputs import provenance as _provenance
from geocover.outputs import report_appendix as _appendix
from geocover.outputs import report_figures as _fig
from geocover.outputs import sites as _sites
from geocover.outputs import verdict_text as vt
from geocover.outputs.document import Section, markdown_of, text_of
from geocover.outputs.escape import md_text, plain_text, strict_json
from geocover.outputs.report_appendix import IGN_ATTRIBUTION, OSM_ATTRIBUTION, commune_source
from geocover.pipeline.analysis import Analysis
from geocover.schema.ids import camera_source
from geocover.schema.scope import by_date, in_date
from geocover.schema.text import display_path
from geocover.verdicts.claims import Verdict

__all__ = ["FORMATS", "IGN_ATTRIBUTION", "OSM_ATTRIBUTION", "commune_source", "render",
           "shown_verdicts", "summary", "to_dict", "to_markdown", "to_text"]

FORMATS = ("text", "markdown", "json")


def _compliance_section(analysis: Analysis) -> tuple[Any, list[str], list[str]] | None:
    return _compliance.section(analysis)


def shown_verdicts(analysis: Analysis) -> list[Verdict]:
    """The verdicts as a reader sees them: the files they name shown relative to the
    current folder or the checkout (:func:`~geocover.schema.text.display_path`)."""
    return [v.shown(display_path) for v in analysis.verdicts]
SCHEMA_VERSION = 1

#: Sections rendered from the analysis' typed fields (``compliance``, ``provenance``): name →
#: function returning (json_fragment, text_lines, markdown_lines) from an analysis, or None.
#: They compute nothing: ``analyse`` did.
SECTIONS: dict[str, Callable[[Analysis], tuple[Any, list[str], list[str]] | None]] = {
    "sites": _sites.sites_section,
    "estimate": _sites.estimate_section,
    "compliance": _compliance.section,
    "provenance": _provenance.section,
}


def _version() -> str:
    from geocover._version import __version__

    return __version__


def _round(x: float | None, digits: int = 6) -> float | None:
    return None if x is None else round(float(x), digits)


def to_dict(analysis: Analysis) -> dict[str, Any]:
    """The report as a JSON-ready dict (schema: docs/report-json.md)."""
    c = analysis.commune_figures
    boundary = commune_source(analysis)
    p = analysis.perimeter_figures
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "geocover_version": _version(),
        "generated": analysis.generated,
        "lang": analysis.lang,
        "city": {"slug": analysis.city.slug, "name": analysis.city.name},
        "commune": {
            "code": c.code,
            "name": c.name,
            "crs": c.crs,
            "area_km2": _round(c.area_km2),
            "geodesic_area_km2": _round(c.geodesic_area_km2),
            "planar_vs_geodesic": _round(c.planar_vs_geodesic, 8),
            "official_area_km2": c.official_area_km2,
            "official_area_source": analysis.city.official_area_source or None,
            "computed_vs_official": _round(c.computed_vs_official, 8),
            "source": str(analysis.commune["source"].iloc[0]),
            "retrieved": str(analysis.commune["retrieved"].iloc[0]),
            "vintage": None if boundary is None else boundary.vintage,
            "vintage_basis": None if boundary is None else boundary.vintage_basis,
        },
        "perimeters": {
            "file": str(analysis.perimeters.path) if analysis.perimeters.path else None,
            "count": p.count,
            "area_km2": _round(p.area_km2),
            "share": _round(p.share, 8),
            "share_of_official": _round(p.share_of_official, 8),
            "sum_km2": _round(p.sum_km2),
            "overlap_km2": _round(p.overlap_km2),
            "outside_km2": _round(p.outside_km2),
            "outside_by_id": {k: _round(v) for k, v in p.outside_by_id.items()},
            "by_status": p.by_status,
            "complete": analysis.perimeters.complete,
            "complete_as_of": analysis.perimeters.complete_as_of,
            "decrees": list(analysis.perimeters.decrees),
        },
        "cameras": _cameras_json(analysis),
        "coverage": {
            name: {
                "label": cov.label,
                "cameras": cov.cameras,
                "area_km2": _round(cov.area_km2),
                "share_of_commune": _round(cov.share_of_commune, 8),
                "occluded": cov.occluded,
                "unoccluded_area_km2": _round(cov.unoccluded_area_km2),
                "share_of_perimeters": _round(cov.share_of_perimeters, 8),
                "streets_km": _round(cov.streets_km),
                "streets_seen_km": _round(cov.streets_seen_km),
                "street_share": _round(cov.street_share, 8),
            }
            for name, cov in analysis.camera_coverage.items()
        },
        "capacity": _capacity_json(analysis),
        "claims": [v.to_dict() for v in shown_verdicts(analysis)],
        "summary": summary(analysis),
        "verdict_summary": _sites.summary_lines(analysis),
        "notes": list(analysis.notes),
        "sources": [s.to_dict() for s in analysis.sources],
        "warnings": list(analysis.warnings),
        "attribution": [IGN_ATTRIBUTION, OSM_ATTRIBUTION],
    }
    for name, section in SECTIONS.items():
        out = section(analysis)
        if out is not None:
            data[name] = out[0]
    return data


LOWER_BOUND = _fig.LOWER_BOUND


def _cameras_json(analysis: Analysis) -> dict[str, Any]:
    cams = analysis.cameras
    n = 0 if cams is None else len(cams)
    by_source: dict[str, int] = {}
    by_type: dict[str, int] = {}
    records = analysis.matching.records if analysis.matching is not None else cams
    if n:
        assert cams is not None and records is not None
        sources = records["id"].map(camera_source).value_counts().sort_index()
        types = cams["camera_type"].fillna("unknown").value_counts().sort_index()
        by_source = {str(k): int(v) for k, v in sources.items()}
        by_type = {str(k): int(v) for k, v in types.items()}
    outside = analysis.cameras_outside_perimeters
    return {
        "count": n,
        "inside_commune": analysis.cameras_inside,
        "by_source": by_source,
        "by_type": by_type,
        "outside_perimeters": None if outside is None else len(outside),
        "outside_perimeters_ids": outside,
        "tag_problems": len(analysis.camera_problems),
        "lower_bound": True,
        "note": LOWER_BOUND,
    }


def _capacity_json(analysis: Analysis) -> dict[str, Any] | None:
    if not analysis.capacity:
        return None
    first = analysis.capacity[0]
    return {
        "n_cameras": first.n_cameras,
        "authorized_km2": first.authorized_km2,
        "commune_km2": _round(first.commune_km2),
        "note": "the most N cameras could see: no overlap, no occlusion; fixed = every camera a "
                "wedge, dome = every camera a disc",
        "presets": {
            c.preset: {
                "label": c.label,
                "fixed_km2": _round(c.fixed_km2),
                "dome_km2": _round(c.dome_km2),
                "fixed_share_of_authorized": _round(c.fixed_share_of_authorized, 8),
                "dome_share_of_authorized": _round(c.dome_share_of_authorized, 8),
            }
            for c in analysis.capacity
        },
    }


def summary(analysis: Analysis) -> list[str]:
    """The report in a few sentences, for a reader who reads nothing else (in the
    analysis' language)."""
    from geocover.verdicts.claims import CONSISTENT, CONTRADICTED, UNVERIFIABLE

    tr = analysis.tr
    out = []
    counts = {v: sum(1 for x in analysis.verdicts if x.verdict == v)
              for v in (CONSISTENT, CONTRADICTED, UNVERIFIABLE)}
    if analysis.verdicts:
        n = len(analysis.verdicts)
        text = tr.ngettext(
            "Of {n} claim, {consistent}, {contradicted} and {unverifiable} with the data read.",
            "Of {n} claims, {consistent}, {contradicted} and {unverifiable} with the data read.",
            n).format(
            n=tr.integer(n),
            consistent=tr.ngettext("{n} consistent", "{n} consistent",
                                   counts[CONSISTENT]).format(n=counts[CONSISTENT]),
            contradicted=tr.ngettext("{n} contradicted", "{n} contradicted",
                                     counts[CONTRADICTED]).format(n=counts[CONTRADICTED]),
            unverifiable=tr.ngettext("{n} unverifiable", "{n} unverifiable",
                                     counts[UNVERIFIABLE]).format(n=counts[UNVERIFIABLE]))
        figures_only = sum(1 for v in analysis.verdicts if v.arithmetic_only)
        if figures_only:
            text += " " + tr.ngettext(
                "{n} consistent claim is so only because the figures agree with each other, "
                "not from a check on the ground.",
                "{n} consistent claims are so only because the figures agree with each other, "
                "not from a check on the ground.", figures_only).format(n=figures_only)
        out.append(text)
    by_kind = {v.kind: v for v in analysis.verdicts}
    area = by_kind.get("authorized_area_km2")
    share = by_kind.get("authorized_share")
    p = analysis.perimeter_figures
    if area is not None and share is not None:
        official = analysis.city.official_area_km2
        claimed = vt.number(area.value, tr)
        if p.count == 0:
            ratio = (tr.gettext("{area} km² is {share} of the official {official} km²").format(
                area=claimed, share=tr.percent(area.value / official, 2),
                official=vt.number(official, tr)) if official else "")
            out.append(tr.gettext(
                "The {area} km² and {share} figures agree with each other ({ratio}), but no "
                "authorized perimeter has been digitized, so the area itself cannot be checked "
                "against the map.").format(area=claimed, share=tr.percent(share.value, 0),
                                           ratio=ratio))
        else:
            out.append(tr.ngettext(
                "The {n} digitized perimeter covers {area} of the commune ({share}) against "
                "{claimed} km² claimed: {verdict}.",
                "The {n} digitized perimeters cover {area} of the commune ({share}) against "
                "{claimed} km² claimed: {verdict}.", p.count).format(
                n=tr.integer(p.count), area=tr.km2(p.area_km2), share=_fig.share(p.share, tr),
                claimed=claimed, verdict=vt.verdict_label(area, tr)))
    n = 0 if analysis.cameras is None else len(analysis.cameras)
    counts_claimed = [v for v in analysis.verdicts if v.kind == "camera_count"]
    if counts_claimed and n == 0:
        latest = max(counts_claimed, key=lambda v: v.value)
        out.append(tr.gettext(
            "No camera site is mapped in the sources read, against {claimed} claimed; mapped "
            "cameras are a lower bound of what exists.").format(
            claimed=vt.number(latest.value, tr)))
    elif counts_claimed:
        latest = max(counts_claimed, key=lambda v: v.value)
        out.append(tr.ngettext(
            "{n} camera site is mapped in the sources read, against {claimed} claimed; "
            "mapped cameras are a lower bound of what exists.",
            "{n} camera sites are mapped in the sources read, against {claimed} claimed; "
            "mapped cameras are a lower bound of what exists.", n).format(
            n=tr.integer(n), claimed=vt.number(latest.value, tr)))
    if analysis.capacity and analysis.capacity[0].authorized_km2:
        band = [c for c in analysis.capacity if not c.preset.startswith("factsheet-300m")]
        if band:
            best = max(band, key=lambda c: c.dome_km2)
            claim = next((c for c in analysis.capacity if c.preset == "factsheet-300m-reach"), None)
            authorized = vt.number(best.authorized_km2 or 0, tr)
            if (best.dome_share_of_authorized or 0) < 1:
                text = tr.gettext(
                    "Even with no overlap and nothing in the way, {n} cameras would see at most "
                    "{area} ({share} of the {authorized} km² authorized) under the widest "
                    "published model ({model})").format(
                    n=tr.integer(best.n_cameras), area=tr.km2(best.dome_km2, 1),
                    share=_fig.share(best.dome_share_of_authorized, tr), authorized=authorized,
                    model=tr.gettext(best.label))
                if claim is not None and claim.dome_km2 >= (claim.authorized_km2 or 0):
                    text = tr.gettext("{sentence}; {more}").format(sentence=text, more=tr.gettext(
                        "only by turning, with the fact sheet's own 300 m range, could they "
                        "reach it ({area}, never seen all at once)").format(
                        area=tr.km2(claim.dome_km2, 1)))
                out.append(text + ".")
            else:
                out.append(tr.gettext(
                    "{n} cameras could see up to {area} under {model}, more than the "
                    "{authorized} km² authorized.").format(
                    n=tr.integer(best.n_cameras), area=tr.km2(best.dome_km2, 1),
                    model=tr.gettext(best.label), authorized=authorized))
    return out


def _claimed_by(verdicts: list[Verdict], analysis: Analysis) -> str:
    """Who claimed these counts: the city's fact sheet by its title when they all come
    from it, else their sources."""
    title = analysis.city.factsheet.get("title")
    if title and all(v.source.startswith("fact sheet") for v in verdicts):
        return analysis.tr.gettext("the fact sheet “{title}”").format(title=title)
    return "; ".join(dict.fromkeys(v.source for v in verdicts))


def _as_of(v: Verdict) -> str:
    return v.scope.as_of if v.scope is not None and v.scope.as_of else v.date


def timeline_lines(analysis: Analysis) -> list[str]:
    """The camera counts over time: as claimed, then the later press figures (a
    forecast said as one), then what the sources read know in service."""
    tr = analysis.tr
    counts = sorted((v for v in analysis.verdicts if v.kind == "camera_count"), key=_as_of)
    out = []
    if counts:
        out.append(tr.gettext("Claimed by {source}: {counts}.").format(
            source=_claimed_by(counts, analysis),
            counts=", ".join(tr.gettext("{n} {when}").format(
                n=vt.number(v.value, tr), when=in_date(_as_of(v), tr)) for v in counts)))
    points = []
    for t in analysis.city.timeline:
        text = tr.gettext("{n} {when}").format(n=tr.integer(t.value),
                                               when=in_date(t.as_of, tr))
        if "forecast" in t.source.lower():
            text += " " + tr.gettext("(a forecast)")
        points.append(text)
    if points:
        sources = dict.fromkeys(t.source.split(",")[0].strip() for t in analysis.city.timeline)
        out.append(tr.gettext("Later, in the press ({sources}): {counts}.").format(
            counts=", ".join(points), sources="; ".join(sources)))
    if counts:
        known = [v for v in counts if v.bound is not None and v.bound.lower]
        if known:
            out.append(tr.gettext("Known in service in the sources read: {counts}.").format(
                counts=", ".join(tr.gettext("{n} {when}").format(
                    n=v.bound.describe(tr.integer, tr),  # type: ignore[union-attr]
                    when=by_date(_as_of(v), tr)) for v in known)))
        else:
            out.append(tr.gettext("No camera of the sources read is known in service at these "
                                  "dates: the map cannot confirm or contradict the counts "
                                  "yet."))
    return out


def _title(analysis: Analysis) -> str:
    return analysis.tr.gettext("Video-surveillance claims of {city}, checked against the "
                               "map").format(city=analysis.city.name)


def _sections(analysis: Analysis) -> tuple[list[Section], list[Section], list[Section]]:
    """The report's three parts: the verdicts (what a citizen reads first), the figures,
    the appendix."""
    tr = analysis.tr
    verdicts = shown_verdicts(analysis)
    first = [Section(tr.gettext("Verdicts"), _sites.summary_lines(analysis), bullets=True)]
    timeline = timeline_lines(analysis)
    if timeline:
        first.append(Section(tr.gettext("Cameras over time"), timeline))
    first.append(Section(tr.gettext("In short"), summary(analysis)))
    figures = _fig.figures_sections(analysis)
    figures += _sites.overlap_sections(analysis) + _sites.estimate_sections(analysis)
    figures += _fig.claims_sections(analysis, verdicts)
    figures.insert(0, Section(tr.gettext("Figures"), []))
    appendix = [Section(tr.gettext("Appendix: for analysts"), []),
                *_appendix.appendix_sections(analysis)]
    return first, figures, appendix


def _compliance_lines(analysis: Analysis) -> tuple[list[str], list[str]]:
    out = _compliance_section(analysis)
    return ([], []) if out is None else (out[1], out[2])


def to_text(analysis: Analysis) -> str:
    """A plain-text report for a terminal: the verdicts first, then the figures, then
    the appendix."""
    first, figures, appendix = _sections(analysis)
    compliance_text, _ = _compliance_lines(analysis)
    lines = [_title(analysis), "", *text_of(first), "", *text_of(figures)]
    if compliance_text:
        lines += ["", *compliance_text]
    lines += ["", *text_of(appendix)]
    return "\n".join(lines) + "\n"


def to_markdown(analysis: Analysis) -> str:
    """A Markdown report (for a web page or an issue): the same content as the text."""
    first, figures, appendix = _sections(analysis)
    _, compliance_md = _compliance_lines(analysis)
    out = [f"# {md_text(_title(analysis))}", "", *markdown_of(first), "", *markdown_of(figures)]
    if compliance_md:
        out += ["", *compliance_md]
    out += ["", *markdown_of(appendix)]
    return "\n".join(out) + "\n"


def render(analysis: Analysis, fmt: str = "text") -> str:
    """The report in ``fmt``: "text", "markdown" or "json"."""
    if fmt == "json":
        return strict_json(to_dict(analysis), ensure_ascii=False, indent=2) + "\n"
    if fmt == "markdown":
        return to_markdown(analysis)
    if fmt == "text":
        return plain_text(to_text(analysis))
    raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
