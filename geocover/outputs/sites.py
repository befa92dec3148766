"""Report sections: the verdict summary, the overlap of sources, capture-recapture.

Renders what :mod:`geocover.pipeline.sites` and the verdicts computed, in the analysis'
language; computes nothing. Each section function returns ``(json_fragment, text_lines,
markdown_lines)``; :func:`overlap_sections` and :func:`estimate_sections` give the same
as :class:`~geocover.outputs.document.Section` objects.
"""

from __future__ import annotations

from typing import Any

from geocover.i18n import Translator
from geocover.model.matching import DISTANCE_BY_PRECISION, Overlap
from geocover.outputs import verdict_text as vt
from geocover.outputs.document import Section, Table, markdown_of, text_of
from geocover.pipeline.analysis import Analysis
from geocover.schema.text import display_path


def summary_lines(analysis: Analysis) -> list[str]:
    """One line per claim a citizen can read: the claim, the verdict, the decisive figure
    and its scope, and what would settle it when unverifiable
    (:func:`~geocover.outputs.verdict_text.claim_line`, the map's words too)."""
    return [vt.claim_line(v.shown(display_path), analysis.tr) for v in analysis.verdicts]


def _name(key: str, tr: Translator) -> str:
    if key == "osm":
        return "OpenStreetMap"
    if key == "contrib":
        return tr.gettext("contributions")
    return key.removeprefix("list:")


def _distance(label: str, tr: Translator) -> str:
    return tr.gettext("per precision") if label == "per precision" else label


def _overlap_json(ov: Overlap) -> dict[str, Any]:
    return {
        "distance": ov.distance,
        "counts": dict(ov.counts),
        "pairs": [{"a": a, "b": b, "shared": n} for (a, b), n in ov.pairs.items()],
        "sites": ov.sites,
    }


def _sites_json(analysis: Analysis) -> dict[str, Any] | None:
    m = analysis.matching
    if m is None or len(m.records) == 0:
        return None
    return {
        "records": len(m.records),
        "sites": len(m.sites),
        "sites_inside_commune": m.overlap.sites,
        "distances_m": dict(DISTANCE_BY_PRECISION),
        "overlap": _overlap_json(m.overlap),
        "sensitivity": [_overlap_json(o) for o in m.sensitivity.values()],
    }


def overlap_sections(analysis: Analysis) -> list[Section]:
    """The overlap table: each source's cameras inside the commune, the sites each pair
    shares, at the documented distances and at 5 / 10 / 20 m."""
    m = analysis.matching
    if m is None or len(m.records) == 0:
        return []
    tr = analysis.tr
    names = list(m.overlap.counts)
    items: list[str | Table] = [
        tr.gettext("{records} cameras read, {sites} sites ({inside} inside the commune); "
                   "matched within 10 m (mapped at the camera), 20 m (an official list's "
                   "address or crossing), 30 m (a street).").format(
            records=tr.integer(len(m.records)), sites=tr.integer(len(m.sites)),
            inside=tr.integer(m.overlap.sites)),
        Table([tr.gettext("source"), tr.gettext("cameras inside the commune")],
              [[_name(n, tr), tr.integer(m.overlap.counts[n])] for n in names], {1}),
    ]
    if m.overlap.pairs:
        header = [tr.gettext("matching distance"),
                  *(f"{_name(a, tr)} × {_name(b, tr)}" for a, b in m.overlap.pairs),
                  tr.gettext("sites")]
        rows = [[_distance(ov.distance, tr), *(tr.integer(n) for n in ov.pairs.values()),
                 tr.integer(ov.sites)] for ov in [m.overlap, *m.sensitivity.values()]]
        items.append(tr.gettext("Sites shared by each pair of sources:"))
        items.append(Table(header, rows, set(range(1, len(header)))))
    items += [tr.gettext("Note: {note}").format(note=n) for n in analysis.notes]
    return [Section(tr.gettext("Sources matched into sites (inside the commune)"), items,
                    level=3)]


def sites_section(analysis: Analysis) -> tuple[Any, list[str], list[str]] | None:
    data = _sites_json(analysis)
    if data is None:
        return None
    sections = overlap_sections(analysis)
    return data, text_of(sections), markdown_of(sections)


def _interval(e: dict[str, Any], tr: Translator) -> str:
    return tr.gettext("{estimate} (95% interval {low}–{high})").format(
        estimate=tr.integer(e["estimate"]), low=tr.integer(e["low"]), high=tr.integer(e["high"]))


def _estimate_json(analysis: Analysis) -> dict[str, Any] | None:
    m = analysis.matching
    if m is None or not m.estimates or not m.estimates.get("by_distance"):
        return None
    data = dict(m.estimates)
    main = data["by_distance"].get("per precision") or next(iter(data["by_distance"].values()))
    data["counted_lower_bound"] = main["observed"]
    data["headline"] = main.get("loglinear") or (main.get("chapman") or [None])[0]
    return data


def estimate_sections(analysis: Analysis) -> list[Section]:
    """Capture-recapture: an estimate, shown as one, beside the counted lower bound."""
    data = _estimate_json(analysis)
    if data is None:
        return []
    tr = analysis.tr
    main = data["by_distance"].get("per precision") or next(iter(data["by_distance"].values()))
    items: list[str | Table] = [tr.gettext(
        "counted (a lower bound): {n} sites seen by at least one source").format(
        n=tr.integer(main["observed"]))]
    for e in main.get("chapman", []):
        items.append(tr.gettext("Chapman, {a} × {b} (n = {na}, {nb}; shared {shared}): "
                                "{interval}").format(
            a=_name(e["sources"][0], tr), b=_name(e["sources"][1], tr),
            na=tr.integer(e["n"][0]), nb=tr.integer(e["n"][1]),
            shared=tr.integer(e["shared"]), interval=_interval(e, tr)))
    if main.get("loglinear"):
        e = main["loglinear"]
        model = str(e["model"])
        for key in sorted(e["sources"], key=len, reverse=True):
            model = model.replace(key, _name(key, tr))
        items.append(tr.gettext("log-linear, {n} sources (model: {model}): {interval}").format(
            n=tr.integer(len(e["sources"])), model=model, interval=_interval(e, tr)))
    rows = []
    for label, block in data["by_distance"].items():
        est = block.get("loglinear") or (block.get("chapman") or [None])[0]
        if est:
            rows.append([_distance(label, tr), tr.integer(block["observed"]),
                         _interval(est, tr)])
    if rows:
        items.append(tr.gettext("Sensitivity to the matching distance:"))
        items.append(Table([tr.gettext("matching distance"), tr.gettext("counted"),
                            tr.gettext("estimated")], rows, {1}))
    items.append(tr.gettext(
        "Chapman: N = (n1+1)(n2+1)/(m+1) − 1, Seber's variance, log-normal interval "
        "(Chao 1987); log-linear: Poisson GLM (statsmodels), lowest AIC."))
    items.append(tr.gettext("Population: {population}.").format(
        population=tr.gettext(data["population"])))
    items.append(tr.gettext("Assumptions: {assumptions}.").format(
        assumptions="; ".join(tr.gettext(a) for a in data["assumptions"])))
    items += [tr.gettext("Caveat: {caveat}").format(caveat=tr.gettext(c))
              for c in data["caveats"]]
    return [Section(tr.gettext("How many public-space camera sites? (capture-recapture: an "
                               "estimate, not a count)"), items, level=3)]


def estimate_section(analysis: Analysis) -> tuple[Any, list[str], list[str]] | None:
    data = _estimate_json(analysis)
    if data is None:
        return None
    sections = estimate_sections(analysis)
    return data, text_of(sections), markdown_of(sections)
