"""Rendering an :class:`~geocover.pipeline.analysis.Analysis` as text, Markdown or JSON.

The JSON form is a stable contract documented in ``docs/report-json.md``; the text
and Markdown forms are for people and may change wording.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from geocover.outputs import compliance as _compliance
from geocover.outputs import provenance as _provenance
from geocover.outputs import sites as _sites
from geocover.outputs.escape import md_fenced, md_text, plain_text, strict_json
from geocover.pipeline.analysis import Analysis
from geocover.schema.ids import camera_source
from geocover.schema.text import display_path
from geocover.verdicts.claims import Verdict

FORMATS = ("text", "markdown", "json")


def shown_verdicts(analysis: Analysis) -> list[Verdict]:
    """The verdicts as a reader sees them: the files they name shown relative to the
    current folder or the checkout (:func:`~geocover.schema.text.display_path`)."""
    return [v.shown(display_path) for v in analysis.verdicts]
SCHEMA_VERSION = 1
OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
IGN_ATTRIBUTION = "IGN – ADMIN EXPRESS (Licence Ouverte)"

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


def commune_source(analysis: Analysis) -> Any:
    """The source record of the commune boundary (None for a hand-made analysis)."""
    return next((s for s in analysis.sources if s.layer == "commune"), None)


def to_dict(analysis: Analysis) -> dict[str, Any]:
    """The report as a JSON-ready dict (schema: docs/report-json.md)."""
    c = analysis.commune_figures
    boundary = commune_source(analysis)
    p = analysis.perimeter_figures
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "geocover_version": _version(),
        "generated": analysis.generated,
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


LOWER_BOUND = (
    "Mapped cameras are a lower bound of what exists: coverage from them is the least "
    "that is seen, never the most."
)


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


def _camera_lines(analysis: Analysis) -> list[str]:
    data = _cameras_json(analysis)
    lines = ["Cameras (mapped)"]
    sources = ", ".join(f"{v} {k}" for k, v in data["by_source"].items()) or "none"
    if data["count"]:
        lines.append(f"  {data['count']} sites mapped (cameras read: {sources}; matched across "
                     f"sources), {data['inside_commune']} of them inside the commune")
    else:
        lines.append("  none mapped in the sources read (see Sources below)")
    if data["by_type"]:
        lines.append("  by type: " + ", ".join(f"{v} {k}" for k, v in data["by_type"].items()))
    if data["outside_perimeters"] is not None:
        lines.append(f"  outside every authorized perimeter: {data['outside_perimeters']}")
    lines.append(f"  {LOWER_BOUND}")
    return lines


def _coverage_lines(analysis: Analysis) -> list[str]:
    if not analysis.camera_coverage or analysis.cameras is None or not len(analysis.cameras):
        return []
    lines = ["What the mapped cameras see (union inside the commune, overlaps once)",
             f"  {'preset':<28} {'km²':>9} {'commune':>9} {'perimeters':>10} {'streets':>8}"
             "  occlusion"]
    for cov in analysis.camera_coverage.values():
        occl = (f"by buildings (without: {cov.unoccluded_area_km2:.4f} km²)" if cov.occluded
                else "no buildings known")
        if cov.preset.endswith("-reach"):
            occl += "; REACH BY TURNING, not seen at once"
        lines.append(
            f"  {cov.preset:<28} {cov.area_km2:9.4f} {_fmt_share(cov.share_of_commune):>9} "
            f"{_fmt_share(cov.share_of_perimeters):>10} {_fmt_share(cov.street_share):>8}  {occl}"
        )
    return lines


def _capacity_lines(analysis: Analysis) -> list[str]:
    if not analysis.capacity:
        return []
    first = analysis.capacity[0]
    auth = f" against the {first.authorized_km2:g} km² authorized" if first.authorized_km2 else ""
    lines = [f"Capacity: the most {first.n_cameras} claimed cameras could see "
             f"(no overlap, no occlusion){auth}",
             f"  {'preset':<28} {'all fixed':>18} {'all domes':>18}"]
    for c in analysis.capacity:
        fs = f" ({_fmt_share(c.fixed_share_of_authorized)})" if c.authorized_km2 else ""
        ds = f" ({_fmt_share(c.dome_share_of_authorized)})" if c.authorized_km2 else ""
        lines.append(f"  {c.preset:<28} {c.fixed_km2:8.3f} km²{fs:>9} {c.dome_km2:8.3f} km²{ds:>9}")
    return lines


def summary(analysis: Analysis) -> list[str]:
    """The report in a few sentences, for a reader who reads nothing else."""
    from geocover.verdicts.claims import CONSISTENT, CONTRADICTED, UNVERIFIABLE

    out = []
    counts = {v: sum(1 for x in analysis.verdicts if x.verdict == v)
              for v in (CONSISTENT, CONTRADICTED, UNVERIFIABLE)}
    if analysis.verdicts:
        out.append(
            f"Of {len(analysis.verdicts)} claims, {counts[CONSISTENT]} consistent, "
            f"{counts[CONTRADICTED]} contradicted and {counts[UNVERIFIABLE]} unverifiable with "
            "the data read."
        )
    by_id = {v.kind: v for v in analysis.verdicts}
    area = by_id.get("authorized_area_km2")
    share = by_id.get("authorized_share")
    p = analysis.perimeter_figures
    if area is not None and share is not None:
        official = analysis.city.official_area_km2
        ratio = (f"{100 * area.value / official:.2f} % of the official {official:g} km²"
                 if official else "")
        if p.count == 0:
            out.append(
                f"The {area.value:g} km² and {100 * share.value:g} % figures agree with each other "
                f"({area.value:g} km² is {ratio}), but no authorized perimeter has been digitized, "
                "so the area itself cannot be checked against the map."
            )
        else:
            out.append(
                f"The {p.count} digitized perimeter(s) cover {p.area_km2:.2f} km² of the commune "
                f"({_fmt_share(p.share)}) against {area.value:g} km² claimed: {area.verdict}."
            )
    n = 0 if analysis.cameras is None else len(analysis.cameras)
    counts_claimed = [v for v in analysis.verdicts if v.kind == "camera_count"]
    if counts_claimed:
        latest = max(counts_claimed, key=lambda v: v.value)
        out.append(
            f"{n} camera site(s) are mapped in the sources read, against {latest.value:g} claimed; "
            "mapped cameras are a lower bound of what exists."
        )
    if analysis.capacity and analysis.capacity[0].authorized_km2:
        band = [c for c in analysis.capacity if not c.preset.startswith("factsheet-300m")]
        if band:
            best = max(band, key=lambda c: c.dome_km2)
            claim = next((c for c in analysis.capacity if c.preset == "factsheet-300m-reach"), None)
            if (best.dome_share_of_authorized or 0) < 1:
                text = (
                    f"Even with no overlap and nothing in the way, {best.n_cameras} cameras would "
                    f"see at most {best.dome_km2:.1f} km² "
                    f"({_fmt_share(best.dome_share_of_authorized)} of the "
                    f"{best.authorized_km2:g} km² authorized) under the widest published model "
                    f"({best.label})"
                )
                if claim is not None and claim.dome_km2 >= (claim.authorized_km2 or 0):
                    text += (f"; only by turning, with the fact sheet's own 300 m range, could "
                             f"they reach it ({claim.dome_km2:.1f} km², never seen all at once)")
                out.append(text + ".")
            else:
                out.append(f"{best.n_cameras} cameras could see up to {best.dome_km2:.1f} km² "
                           f"under {best.label}, more than the {best.authorized_km2:g} km² "
                           "authorized.")
    return out


def _fmt_share(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.2f} %"


def to_text(analysis: Analysis) -> str:
    """A plain-text report for a terminal."""
    c = analysis.commune_figures
    p = analysis.perimeter_figures
    city = analysis.city
    lines = [
        f"geocover {_version()} — video-surveillance claims of {city.name} (INSEE {c.code})",
        "",
        "Commune",
        f"  {'area (planar, ' + c.crs + '):':<31}{c.area_km2:8.3f} km²",
        f"  {'area (geodesic, WGS 84):':<31}{c.geodesic_area_km2:8.3f} km²"
        f"   (planar {c.planar_vs_geodesic:+.3%} against it)",
    ]
    if c.official_area_km2:
        lines.append(
            f"  {'official area:':<31}{c.official_area_km2:8.3f} km²"
            f"   (computed {c.computed_vs_official:+.2%} against it)"
        )
        if city.official_area_source:
            lines.append(f"    source: {city.official_area_source}")
    boundary = commune_source(analysis)
    when = boundary.dates_text() if boundary is not None else \
        f"retrieved {analysis.commune['retrieved'].iloc[0]}"
    lines.append(f"  boundary: {analysis.commune['source'].iloc[0]}, {when}")
    lines[1:1] = (["", "Verdicts"] + [f"  {line}" for line in _sites.summary_lines(analysis)]
                  + ["", "In short"] + [f"  {sentence}" for sentence in summary(analysis)])
    lines += ["", "Authorized perimeters"]
    if p.count == 0:
        lines.append("  0 digitized: no perimeter to measure (see docs/perimeters.md)")
    else:
        lines += [
            f"  {p.count} digitized "
            f"({', '.join(f'{v} {k}' for k, v in sorted(p.by_status.items()))})",
            f"  inside the commune (union): {p.area_km2:.3f} km² = {_fmt_share(p.share)} of the "
            f"commune, {_fmt_share(p.share_of_official)} of the official area",
            f"  overlaps counted once: {p.overlap_km2:.3f} km²; outside the commune (clipped): "
            f"{p.outside_km2:.3f} km²",
        ]
    for block in (_camera_lines(analysis), _coverage_lines(analysis), _capacity_lines(analysis)):
        if block:
            lines += [""] + block
    for section in SECTIONS.values():
        out = section(analysis)
        if out is not None and out[1]:
            lines += [""] + out[1]
    lines += ["", "Claims"]
    for v in shown_verdicts(analysis):
        lines.append(
            f"  [{v.verdict.upper():^12}] {v.id}: {_claim_value(v)} ({v.source}, {v.date})"
        )
        if v.scope is not None:
            lines.append(f"      claim scope: {v.scope.describe()}")
        for src in v.sources:
            zone = ("" if src.get("inside_perimeters") is None
                    else f" ({src['inside_perimeters']} inside the authorized perimeters)")
            lines.append(f"      data scope: {src['scope']}; {src['inside_commune']} inside the "
                         f"commune{zone}, {src['in_operator_scope']} of the claim's operator, "
                         f"{src['in_service']} known in service")
        for check in v.checks:
            tol = f" [tolerance {check.tolerance}]" if check.tolerance else ""
            lines.append(
                f"      - against {check.against}: {check.verdict}. {check.explanation}{tol}"
            )
    if analysis.warnings:
        lines += ["", "Warnings"] + [f"  - {w}" for w in analysis.warnings]
    lines += ["", "Sources"]
    for s in analysis.sources:
        count = f", {s.count} features" if s.count is not None else ""
        dates = s.dates_text()
        when = f", {dates}" if dates else ""
        licence = f" (licence: {s.licence})" if s.licence else ""
        lines.append(f"  - {s.layer}: {s.origin}{when}{count}. {s.attribution}{licence}")
    lines.append(f"  Attribution: {IGN_ATTRIBUTION}; {OSM_ATTRIBUTION}.")
    return "\n".join(lines) + "\n"


def _claim_value(v: Any) -> str:
    units = {
        "authorized_area_km2": " km²",
        "authorized_share": "",
        "camera_count": " cameras",
        "identification_range_m": " m",
        "retention_days": " days",
    }
    if v.kind == "authorized_share":
        return f"{100 * v.value:g} %"
    return f"{v.value:g}{units.get(v.kind, '')}"


def _md_escape(text: Any) -> str:
    # Markdown and HTML both: the .md beside every map is rendered by Markdown viewers
    return md_text(text)


def to_markdown(analysis: Analysis) -> str:
    """A Markdown report (for a web page or an issue)."""
    c = analysis.commune_figures
    p = analysis.perimeter_figures
    city = analysis.city
    out = [
        f"# Video-surveillance claims of {_md_escape(city.name)} (INSEE {_md_escape(c.code)})",
        "",
        f"geocover {_version()}, {analysis.generated}.",
        "",
        "## Verdicts",
        "",
        *[f"- {_md_escape(line)}" for line in _sites.summary_lines(analysis)],
        "",
        "## In short",
        "",
        *[f"- {_md_escape(sentence)}" for sentence in summary(analysis)],
        "",
        "## Commune",
        "",
        "| figure | value |",
        "|---|---|",
        f"| area, planar ({_md_escape(c.crs)}) | {c.area_km2:.3f} km² |",
        f"| area, geodesic (WGS 84) | {c.geodesic_area_km2:.3f} km² "
        f"({c.planar_vs_geodesic:+.3%}) |",
    ]
    if c.official_area_km2:
        out.append(
            f"| official area | {c.official_area_km2:.3f} km² "
            f"(computed {c.computed_vs_official:+.2%}) |"
        )
    out += ["", "## Authorized perimeters", ""]
    if p.count == 0:
        out.append("None digitized yet: there is no measured perimeter (see `docs/perimeters.md`).")
    else:
        out += [
            "| figure | value |",
            "|---|---|",
            f"| perimeters | {p.count} |",
            f"| union inside the commune | {p.area_km2:.3f} km² |",
            f"| share of the commune | {_fmt_share(p.share)} |",
            f"| share of the official area | {_fmt_share(p.share_of_official)} |",
            f"| overlaps (counted once) | {p.overlap_km2:.3f} km² |",
            f"| outside the commune (clipped) | {p.outside_km2:.3f} km² |",
        ]
    out += ["", "## Cameras", "", *md_fenced(_camera_lines(analysis)[1:])]
    coverage = _coverage_lines(analysis)
    if coverage:
        out += ["", "## What the mapped cameras see", "", *md_fenced(coverage[1:])]
    if analysis.capacity:
        out += ["", "## Capacity of the claimed cameras", "",
                *md_fenced(_capacity_lines(analysis))]
    for section in SECTIONS.values():
        res = section(analysis)
        if res is not None and res[2]:
            out += [""] + res[2]
    out += ["", "## Claims", "", "| claim | value | verdict | claim scope | data scope | why |",
            "|---|---|---|---|---|---|"]
    for v in shown_verdicts(analysis):
        claim_scope = v.scope.describe() if v.scope is not None else ""
        data_scope = "; ".join(s["scope"] for s in v.sources)
        out.append(
            f"| {_md_escape(v.id)} | {_md_escape(_claim_value(v))} | **{_md_escape(v.verdict)}** "
            f"| {_md_escape(claim_scope)} | "
            f"{_md_escape(data_scope)} | {_md_escape(v.explanation)} |"
        )
    if analysis.warnings:
        out += ["", "## Warnings", ""] + [f"- {_md_escape(w)}" for w in analysis.warnings]
    out += ["", "## Sources", ""]
    for s in analysis.sources:
        dates = s.dates_text()
        when = f", {_md_escape(dates)}" if dates else ""
        licence = f" (licence: {_md_escape(s.licence)})" if s.licence else ""
        out.append(f"- **{_md_escape(s.layer)}**: {_md_escape(s.origin)}{when}. "
                   f"{_md_escape(s.attribution)}{licence}")
    out.append(f"- Attribution: {IGN_ATTRIBUTION}; {OSM_ATTRIBUTION}.")
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
