"""The report's figures, after the verdicts: the commune, the authorized perimeters, the
cameras and what they see, the capacity of the claimed cameras, each claim in detail.

In the analysis' language (``analysis.tr``), without file paths, options or CRS codes
(those are in the appendix, :mod:`geocover.outputs.report_appendix`). Renders what
:func:`~geocover.pipeline.analysis.analyse` computed; computes nothing.
"""

from __future__ import annotations

from geocover.i18n import N_, Translator
from geocover.outputs import verdict_text as vt
from geocover.outputs.document import Section, Table
from geocover.pipeline.analysis import Analysis
from geocover.schema.ids import camera_source
from geocover.schema.scope import as_of_date
from geocover.verdicts.claims import Verdict

LOWER_BOUND = N_(
    "Mapped cameras are a lower bound of what exists: coverage from them is the least "
    "that is seen, never the most."
)
#: Words for the values of camera types and perimeter statuses.
WORDS = {
    "fixed": N_("fixed"),
    "dome": N_("dome"),
    "panning": N_("panning"),
    "unknown": N_("unknown"),
    "valid": N_("valid"),
    "expired": N_("expired"),
}


def word(value: str, tr: Translator) -> str:
    return tr.gettext(WORDS[value]) if value in WORDS else value


def source_name(key: str, tr: Translator) -> str:
    """A camera source's short name for a reader: ``OpenStreetMap``, ``contributions``,
    the list's name (``paris-police-2025``)."""
    if key == "osm":
        return "OpenStreetMap"
    if key == "contrib":
        return tr.gettext("contributions")
    return key.removeprefix("list:")


def share(x: float | None, tr: Translator) -> str:
    return tr.gettext("n/a") if x is None else tr.percent(x, 2)


def _signed(x: float, tr: Translator) -> str:
    return ("+" if x >= 0 else "−") + tr.percent(abs(x), 2)


def commune_section(analysis: Analysis) -> Section:
    tr, c = analysis.tr, analysis.commune_figures
    rows = [[tr.gettext("area measured on the map"), tr.km2(c.area_km2, 3)]]
    if c.official_area_km2:
        rows.append([tr.gettext("official area"), tr.km2(c.official_area_km2, 3)])
        assert c.computed_vs_official is not None
        rows.append([tr.gettext("measured against official"),
                     _signed(c.computed_vs_official, tr)])
    return Section(tr.gettext("The commune"), [Table([tr.gettext("figure"),
                                                      tr.gettext("value")], rows, {1})],
                   level=3)


def perimeters_section(analysis: Analysis) -> Section:
    tr, p = analysis.tr, analysis.perimeter_figures
    title = tr.gettext("Authorized perimeters")
    if p.count == 0:
        return Section(title, [tr.gettext(
            "0 digitized: there is no perimeter to measure yet (the prefecture's decrees "
            "remain to be digitized).")], level=3)
    status = ", ".join(f"{tr.integer(v)} {word(k, tr)}" for k, v in sorted(p.by_status.items()))
    complete = (tr.gettext("declared complete {as_of}").format(
        as_of=as_of_date(analysis.perimeters.complete_as_of or "", tr))
        if analysis.perimeters.complete
        else tr.gettext("partial (not declared complete: a lower bound)"))
    rows = [
        [tr.gettext("perimeters digitized"), f"{tr.integer(p.count)} ({status})"],
        [tr.gettext("the set"), complete],
        [tr.gettext("area inside the commune (overlaps once)"), tr.km2(p.area_km2, 3)],
        [tr.gettext("share of the commune"), share(p.share, tr)],
        [tr.gettext("share of the official area"), share(p.share_of_official, tr)],
        [tr.gettext("overlaps (counted once)"), tr.km2(p.overlap_km2, 3)],
        [tr.gettext("outside the commune (left out)"), tr.km2(p.outside_km2, 3)],
    ]
    return Section(title, [Table([tr.gettext("figure"), tr.gettext("value")], rows, {1})],
                   level=3)


def cameras_section(analysis: Analysis) -> Section:
    tr = analysis.tr
    cams = analysis.cameras
    n = 0 if cams is None else len(cams)
    items: list[str | Table] = []
    if n:
        assert cams is not None
        records = analysis.matching.records if analysis.matching is not None else cams
        by_source = records["id"].map(camera_source).value_counts().sort_index()
        read = ", ".join(f"{tr.integer(v)} {source_name(str(k), tr)}" for k, v in by_source.items())
        items.append(tr.ngettext(
            "{n} site mapped (cameras read: {read}; matched across sources), {inside} of them "
            "inside the commune",
            "{n} sites mapped (cameras read: {read}; matched across sources), {inside} of them "
            "inside the commune", n).format(n=tr.integer(n), read=read,
                                            inside=tr.integer(analysis.cameras_inside)))
        types = cams["camera_type"].fillna("unknown").value_counts().sort_index()
        items.append(tr.gettext("by type: {types}").format(
            types=", ".join(f"{tr.integer(v)} {word(str(k), tr)}" for k, v in types.items())))
    else:
        items.append(tr.gettext("none mapped in the sources read (see the sources in the "
                                "appendix)"))
    outside = analysis.cameras_outside_perimeters
    if outside is not None:
        items.append(tr.gettext("outside every authorized perimeter: {n}").format(
            n=tr.integer(len(outside))))
    items.append(tr.gettext(LOWER_BOUND))
    return Section(tr.gettext("Cameras"), items, level=3)


def coverage_section(analysis: Analysis) -> Section | None:
    if not analysis.camera_coverage or analysis.cameras is None or not len(analysis.cameras):
        return None
    tr = analysis.tr
    rows = []
    for cov in analysis.camera_coverage.values():
        occl = (tr.gettext("by buildings (without: {area})").format(
            area=tr.km2(cov.unoccluded_area_km2, 4)) if cov.occluded
            else tr.gettext("no buildings known"))
        if cov.preset.endswith("-reach"):
            occl = tr.gettext("{sentence}; {more}").format(
                sentence=occl, more=tr.gettext("REACH BY TURNING, not seen at once"))
        rows.append([tr.gettext(cov.label), tr.decimal(cov.area_km2, 4),
                     share(cov.share_of_commune, tr), share(cov.share_of_perimeters, tr),
                     share(cov.street_share, tr), occl])
    header = [tr.gettext("field-of-view model"), "km²", tr.gettext("of the commune"),
              tr.gettext("of the perimeters"), tr.gettext("of the streets"),
              tr.gettext("hidden")]
    return Section(
        tr.gettext("What the mapped cameras see (inside the commune, overlaps once)"),
        [Table(header, rows, {1, 2, 3, 4})], level=3)


def capacity_section(analysis: Analysis) -> Section | None:
    if not analysis.capacity:
        return None
    tr = analysis.tr
    first = analysis.capacity[0]
    title = tr.gettext("Capacity: the most {n} claimed cameras could see (no overlap, "
                       "nothing in the way)").format(n=tr.integer(first.n_cameras))
    header = [tr.gettext("field-of-view model"), tr.gettext("all fixed"),
              tr.gettext("all domes")]
    numeric = {1, 2}
    if first.authorized_km2:
        header = [header[0], header[1], tr.gettext("of the authorized"), header[2],
                  tr.gettext("of the authorized")]
        numeric = {1, 2, 3, 4}
    rows = []
    for c in analysis.capacity:
        row = [tr.gettext(c.label), tr.km2(c.fixed_km2, 3)]
        if first.authorized_km2:
            row.append(share(c.fixed_share_of_authorized, tr))
        row.append(tr.km2(c.dome_km2, 3))
        if first.authorized_km2:
            row.append(share(c.dome_share_of_authorized, tr))
        rows.append(row)
    items: list[str | Table] = [Table(header, rows, numeric)]
    if first.authorized_km2:
        items.insert(0, tr.gettext("Against the {area} authorized.").format(
            area=tr.km2(first.authorized_km2, 0)))
    return Section(title, items, level=3)


def _claim_detail(v: Verdict, analysis: Analysis) -> list[str]:
    tr = analysis.tr
    source = v.source
    if source == "fact sheet" and analysis.city.factsheet.get("title"):
        source = tr.gettext("the fact sheet “{title}”").format(
            title=analysis.city.factsheet["title"])
    head = tr.gettext("{claim}: {verdict} (source: {source}, {date})").format(
        claim=vt.claim_text(v, tr), verdict=vt.verdict_label(v, tr), source=source,
        date=tr.date(v.date))
    lines = [head]
    if v.quote:
        lines.append(tr.gettext("quote: “{quote}”").format(quote=v.quote))
    if v.scope is not None:
        lines.append(tr.gettext("what the claim counts: {scope}").format(
            scope=v.scope.describe(tr)))
    for src in v.sources:
        values = {"scope": src["scope"], "inside": tr.integer(src["inside_commune"]),
                  "scoped": tr.integer(src["in_operator_scope"]),
                  "service": tr.integer(src["in_service"])}
        if src.get("inside_perimeters") is None:
            lines.append(tr.gettext(
                "what the data holds: {scope}; {inside} inside the commune, {scoped} of the "
                "claim's operator, {service} known in service").format(**values))
        else:
            lines.append(tr.gettext(
                "what the data holds: {scope}; {inside} inside the commune ({zone} inside the "
                "authorized perimeters), {scoped} of the claim's operator, {service} known in "
                "service").format(zone=tr.integer(src["inside_perimeters"]), **values))
    for check in v.checks:
        tol = (" " + tr.gettext("[tolerance: {tolerance}]").format(tolerance=check.tolerance)
               if check.tolerance else "")
        lines.append(tr.gettext("against {what}: {verdict}. {why}").format(
            what=vt.against_text(check, tr), verdict=tr.gettext(check.verdict),
            why=check.explanation) + tol)
    return lines


def claims_sections(analysis: Analysis, verdicts: list[Verdict]) -> list[Section]:
    """Each claim in detail: its source and quote, what it counts, what each source
    holds, and every check."""
    tr = analysis.tr
    out = []
    for v in verdicts:
        head, *rest = _claim_detail(v, analysis)
        out.append(Section(head, list(rest), bullets=True, level=4))
    if out:
        out.insert(0, Section(tr.gettext("Claims in detail"), [], level=3))
    return out


def figures_sections(analysis: Analysis) -> list[Section]:
    """The figures part, section by section (the Paris overlap and estimate, and
    compliance, are added by the report from :data:`~geocover.outputs.report.SECTIONS`)."""
    out = [commune_section(analysis), perimeters_section(analysis), cameras_section(analysis)]
    for extra in (coverage_section(analysis), capacity_section(analysis)):
        if extra is not None:
            out.append(extra)
    return out
