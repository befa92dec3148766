"""Report sections: the verdict summary, the overlap of sources, capture-recapture.

Renders what :mod:`geocover.pipeline.sites` and the verdicts computed; computes nothing.
Each section function returns ``(json_fragment, text_lines, markdown_lines)``.
"""

from __future__ import annotations

from typing import Any

from geocover.model.matching import DISTANCE_BY_PRECISION, Overlap
from geocover.pipeline.analysis import Analysis
from geocover.schema.text import display_path


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _value(v: Any) -> str:
    if v.kind == "authorized_share":
        return f"{100 * v.value:g} %"
    unit = {
        "authorized_area_km2": " km²",
        "camera_count": "",
        "identification_range_m": " m",
        "retention_days": " days",
    }.get(v.kind, "")
    what = f" {v.scope.counts.replace('_', ' ')}" if v.kind == "camera_count" and v.scope else ""
    return f"{v.value:g}{unit}{what}"


def summary_lines(analysis: Analysis) -> list[str]:
    """One line per claim a citizen can read: the claim, the verdict, the decisive figure
    and its scope, and what would settle it when unverifiable (files shown relative to
    the reader's folder, as :func:`~geocover.outputs.report.shown_verdicts` does)."""
    out = []
    for v in (v.shown(display_path) for v in analysis.verdicts):
        line = f"{v.id}: {_value(v)} — {v.verdict.upper()}. {v.decisive.rstrip('.')}."
        if v.settle:
            line += f" To settle it: {v.settle}."
        out.append(line)
    return out


def _overlap_json(ov: Overlap) -> dict[str, Any]:
    return {
        "distance": ov.distance,
        "counts": dict(ov.counts),
        "pairs": [{"a": a, "b": b, "shared": n} for (a, b), n in ov.pairs.items()],
        "sites": ov.sites,
    }


def sites_section(analysis: Analysis) -> tuple[Any, list[str], list[str]] | None:
    """The overlap table: each source's cameras inside the commune, the sites each pair
    shares, at the documented distances and at 5 / 10 / 20 m."""
    m = analysis.matching
    if m is None or len(m.records) == 0:
        return None
    data = {
        "records": len(m.records),
        "sites": len(m.sites),
        "sites_inside_commune": m.overlap.sites,
        "distances_m": dict(DISTANCE_BY_PRECISION),
        "overlap": _overlap_json(m.overlap),
        "sensitivity": [_overlap_json(o) for o in m.sensitivity.values()],
    }
    names = list(m.overlap.counts)
    text = [
        "Sources matched into sites (inside the commune)",
        (
            f"  {len(m.records)} cameras read → {len(m.sites)} sites ({m.overlap.sites} inside "
            "the commune); matched within 10 m (mapped at the camera), 20 m (an official "
            "list's address or crossing), 30 m (a street)"
        ),
    ]
    text += [f"  {name:<30} {m.overlap.counts[name]:>6} inside the commune" for name in names]
    header = f"  {'distance':<14}" + "".join(f" {a}×{b}" for a, b in m.overlap.pairs) + "  sites"
    if m.overlap.pairs:
        text.append("  shared sites per pair of sources:")
        text.append(header)
        for ov in [m.overlap, *m.sensitivity.values()]:
            cells = "".join(f" {n:>{len(a) + len(b) + 1}}" for (a, b), n in ov.pairs.items())
            text.append(f"  {ov.distance:<14}{cells}  {ov.sites:>5}")
    md = [
        "## Sources matched into sites",
        "",
        (
            f"{len(m.records)} cameras read, {len(m.sites)} sites ({m.overlap.sites} inside the "
            "commune)."
        ),
        "",
        "| source | cameras inside the commune |",
        "|---|---|",
    ]
    md += [f"| {_md(n)} | {m.overlap.counts[n]} |" for n in names]
    if m.overlap.pairs:
        md += [
            "",
            "| matching distance | "
            + " | ".join(f"{_md(a)} × {_md(b)}" for a, b in m.overlap.pairs)
            + " | sites |",
            "|---|" + "---|" * (len(m.overlap.pairs) + 1),
        ]
        for ov in [m.overlap, *m.sensitivity.values()]:
            md.append(
                f"| {ov.distance} | "
                + " | ".join(str(n) for n in ov.pairs.values())
                + f" | {ov.sites} |"
            )
    if analysis.notes:
        text += [f"  Note: {n}" for n in analysis.notes]
        md += [""] + [f"- {_md(n)}" for n in analysis.notes]
    return data, text, md


def _interval(e: dict[str, Any]) -> str:
    return f"{e['estimate']:,.0f} (95 % interval {e['low']:,.0f}–{e['high']:,.0f})"


def estimate_section(analysis: Analysis) -> tuple[Any, list[str], list[str]] | None:
    """Capture-recapture: an estimate, shown as one, beside the counted lower bound."""
    m = analysis.matching
    if m is None or not m.estimates or not m.estimates.get("by_distance"):
        return None
    data = dict(m.estimates)
    main = data["by_distance"].get("per precision") or next(iter(data["by_distance"].values()))
    data["counted_lower_bound"] = main["observed"]
    head = main.get("loglinear") or (main.get("chapman") or [None])[0]
    data["headline"] = head
    text = [
        "How many public-space camera sites? (capture-recapture: an estimate, not a count)",
        f"  counted (a lower bound): {main['observed']:,} sites seen by at least one source",
    ]
    for e in main.get("chapman", []):
        text.append(
            f"  Chapman, {e['sources'][0]} × {e['sources'][1]} (n = {e['n'][0]}, "
            f"{e['n'][1]}; shared {e['shared']}): {_interval(e)}"
        )
    if main.get("loglinear"):
        e = main["loglinear"]
        text.append(
            f"  log-linear, {len(e['sources'])} sources (model: {e['model']}): {_interval(e)}"
        )
    text.append("  sensitivity to the matching distance:")
    for label, block in data["by_distance"].items():
        est = block.get("loglinear") or (block.get("chapman") or [None])[0]
        if est:
            text.append(
                f"    {label:<14} counted {block['observed']:,}, estimated {_interval(est)}"
            )
    text.append(
        "  Chapman: N = (n1+1)(n2+1)/(m+1) − 1, Seber's variance, log-normal interval "
        "(Chao 1987); log-linear: Poisson GLM (statsmodels), lowest AIC."
    )
    text.append(f"  Population: {data['population']}.")
    text.append("  Assumptions: " + "; ".join(data["assumptions"]) + ".")
    text += [f"  Caveat: {c}" for c in data["caveats"]]
    md = ["## How many camera sites? (capture-recapture, an estimate)", ""] + [
        f"- {_md(line.strip())}" for line in text[1:]
    ]
    return data, text, md
