"""Verdicts: each claim of a city compared with the figures.

A verdict is ``consistent``, ``contradicted`` or ``unverifiable`` (and why), with
the numbers and the tolerance used. A claim may be checked several ways (its
``checks``); the claim's own verdict is *contradicted* if any check contradicts it,
otherwise the verdict of its primary check, the one against measured geometry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geocover.i18n import NBSP, Translator, translator
from geocover.model.coverage import CommuneFigures, PerimeterFigures
from geocover.schema.city import City, Claim
from geocover.schema.scope import DEFAULT_COUNTS, ClaimScope, as_of_date, by_date
from geocover.verdicts.bounds import (
    CONSISTENT,
    CONTRADICTED,
    UNVERIFIABLE,
    Bound,
    decide,
    figure,
)
from geocover.verdicts.counts import CameraEvidence, count_finding, perimeter_zone

if TYPE_CHECKING:
    import geopandas as gpd

#: A share stated as a whole percent ("50 %") is read as ±0.5 percentage point.
SHARE_TOLERANCE = 0.005
#: A measured area matches a claimed one within this relative tolerance (the claim's
#: rounding to the km² plus digitization error of a few percent).
AREA_TOLERANCE = 0.05
#: Checks that compare the claim with other figures (a claimed area against the
#: commune's), not with anything measured on the ground: their agreement only says the
#: figures agree with each other.
ARITHMETIC_CHECKS = frozenset({
    "claimed area / computed commune area",
    "claimed area / official commune area",
    "official commune area",
})


@dataclass(frozen=True)
class Check:
    """One comparison of a claim with one figure."""

    against: str
    verdict: str
    explanation: str
    measured: float | None = None
    tolerance: str = ""
    file: str | None = None
    """The file the check speaks of, as given to the library; the explanation names it
    by this text. Outputs choose how to show it (:meth:`Verdict.shown`)."""


@dataclass(frozen=True)
class Verdict:
    """A claim and what the figures say of it."""

    id: str
    kind: str
    value: float
    verdict: str
    explanation: str
    source: str
    date: str
    quote: str = ""
    checks: tuple[Check, ...] = ()
    scope: ClaimScope | None = None
    """What the claim counts, whose, where, as of when."""
    bound: Bound | None = None
    """What the data says of the figure (at least / at most), for the claim's scope."""
    sources: tuple[dict[str, Any], ...] = ()
    """Each source's contribution: its scope and what it gives for this claim."""
    decisive: str = ""
    """The decisive figure and its scope, in one phrase."""
    settle: str = ""
    """What would settle the claim, when unverifiable."""

    @property
    def arithmetic_only(self) -> bool:
        """Consistent, but only because the claimed figures agree with each other (e.g.
        21 km² is 50 % of 41.94 km²): no check against the ground agrees."""
        return self.verdict == CONSISTENT and not any(
            c.verdict == CONSISTENT and c.against not in ARITHMETIC_CHECKS for c in self.checks)

    def shown(self, show: Callable[[str], str]) -> Verdict:
        """The verdict with each file its checks name written as ``show(file)`` (a
        report shows paths relative to its reader's folder; the library does not)."""
        files = [c.file for c in self.checks if c.file]
        if not files:
            return self

        def text(value: str) -> str:
            for file in files:
                value = value.replace(file, show(file))
            return value

        checks = tuple(replace(c, explanation=text(c.explanation)) for c in self.checks)
        return replace(self, explanation=text(self.explanation), decisive=text(self.decisive),
                       checks=checks)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["checks"] = [
            {k: v for k, v in asdict(c).items() if k != "file"} for c in self.checks
        ]
        data["scope"] = None if self.scope is None else self.scope.to_dict()
        data["bound"] = None if self.bound is None else self.bound.to_dict()
        data["sources"] = [dict(s) for s in self.sources]
        return data


@dataclass
class Facts:
    """What has been measured, for the verdicts."""

    commune: CommuneFigures
    perimeters: PerimeterFigures | None = None
    perimeters_file: Path | None = None
    cameras_mapped: int | None = None
    """Number of camera sites mapped (all sources), None when no camera source was read."""
    cameras_installed_by: dict[str, int] = field(default_factory=dict)
    """For a claim's ``as_of`` date: mapped cameras known to be installed by then."""
    capacity_km2: dict[str, float] = field(default_factory=dict)
    """Preset name → the most the claimed cameras could see (no overlap, no occlusion)."""
    cameras: CameraEvidence | None = None
    """Every camera read, with its site and whether it is inside the commune."""
    perimeters_complete: bool = False
    """Whether the perimeter set declares itself complete (docs/perimeters.md)."""
    perimeters_as_of: str | None = None
    perimeter_layer: gpd.GeoDataFrame | None = None
    """The perimeters (with ``decree_date``, ``valid_until``, ``status``), for claims
    counted inside them; None when none were read."""


def _combine(claim: Claim, checks: list[Check], summary: str = "", *,
             bound: Bound | None = None, sources: tuple[dict[str, Any], ...] = (),
             decisive: str = "", settle: str = "") -> Verdict:
    contradicted = any(c.verdict == CONTRADICTED for c in checks)
    verdict = CONTRADICTED if contradicted else checks[0].verdict
    explanation = " ".join(c.explanation for c in checks)
    if not decisive:
        first = next((c for c in checks if c.verdict == verdict), checks[0])
        decisive = first.explanation
    scope = claim.scope or ClaimScope(counts=DEFAULT_COUNTS[claim.kind], as_of=claim.as_of)
    figures_only = verdict == CONSISTENT and not any(
        c.verdict == CONSISTENT and c.against not in ARITHMETIC_CHECKS for c in checks)
    return Verdict(
        scope=scope,
        bound=bound,
        sources=sources,
        decisive=decisive,
        # an agreement of figures only is settled on the ground, as an unverifiable claim
        settle=settle if verdict == UNVERIFIABLE or figures_only else "",
        id=claim.id,
        kind=claim.kind,
        value=claim.value,
        verdict=verdict,
        explanation=(summary + " " + explanation).strip(),
        source=claim.source,
        date=claim.date,
        quote=claim.quote,
        checks=tuple(checks),
    )


def _pct(x: float, tr: Translator) -> str:
    return tr.percent(x, 2)


def _signed(x: float, tr: Translator) -> str:
    """``+3.2%`` / ``−3,2 %``: a relative difference."""
    return ("+" if x >= 0 else "−") + tr.percent(abs(x), 1)


def _perimeters_missing(tr: Translator) -> str:
    return tr.gettext(
        "No authorized perimeter has been digitized yet: there is no measured area to "
        "compare.")


def _completeness(facts: Facts, tr: Translator) -> str:
    if facts.perimeters_complete:
        return tr.gettext("declared complete {as_of}").format(
            as_of=as_of_date(facts.perimeters_as_of or "", tr))
    return tr.gettext("partial (not declared complete: a lower bound)")


def _perimeter_check(claimed: float, measured: float, facts: Facts, tolerance: float,
                     what: str, show: Callable[[float], str],
                     tr: Translator) -> tuple[Check, Bound]:
    """A partial set is a lower bound (it contradicts only by exceeding the claim); a set
    declared complete gives the figure itself (both bounds)."""
    bound = Bound(lower=measured, upper=measured if facts.perimeters_complete else None)
    verdict, why = decide(claimed, bound, tolerance)
    return Check(
        "digitized perimeters", verdict,
        tr.gettext("{what} ({completeness}): {bound} against {claimed} claimed; {why}.").format(
            what=what, completeness=_completeness(facts, tr), bound=bound.describe(show, tr),
            claimed=show(claimed), why=tr.gettext(why)),
        measured, tr.gettext("±{tolerance} relative").format(tolerance=tr.percent(tolerance)),
        file=_file(facts),
    ), bound


def _settle_perimeters(facts: Facts, tr: Translator) -> str:
    if facts.perimeters is None or facts.perimeters.count == 0:
        return tr.gettext("the prefecture's decrees, digitized as perimeters on the map")
    return tr.gettext("the remaining decrees digitized, and the set declared complete")


def _file(facts: Facts) -> str | None:
    return str(facts.perimeters_file) if facts.perimeters_file else None


def _km2(x: float, tr: Translator) -> str:
    return f"{figure(x, tr)}{NBSP if tr.lang == 'fr' else ' '}km²"


def check_authorized_area(claim: Claim, city: City, facts: Facts,
                          tr: Translator | None = None) -> Verdict:
    tr = tr or translator("en")
    checks: list[Check] = []
    bound = None
    p = facts.perimeters
    if p is None or p.count == 0:
        checks.append(Check("digitized perimeters", UNVERIFIABLE, _perimeters_missing(tr), 0.0,
                            file=_file(facts)))
    else:
        rel = (p.area_km2 - claim.value) / claim.value
        what = tr.ngettext(
            "The {n} digitized perimeter covers {area} inside the commune (overlaps counted "
            "once; {difference} against the claim)",
            "The {n} digitized perimeters cover {area} inside the commune (overlaps counted "
            "once; {difference} against the claim)", p.count,
        ).format(n=tr.integer(p.count), area=tr.km2(p.area_km2), difference=_signed(rel, tr))
        check, bound = _perimeter_check(
            claim.value, p.area_km2, facts, claim.tolerance or AREA_TOLERANCE, what,
            tr.km2, tr)
        checks.append(check)
    official = city.official_area_km2 or facts.commune.official_area_km2
    if official:
        share = claim.value / official
        checks.append(
            Check(
                "official commune area",
                CONSISTENT if share <= 1 else CONTRADICTED,
                tr.gettext("{area} is {share} of the official {official}.").format(
                    area=_km2(claim.value, tr), share=_pct(share, tr),
                    official=_km2(official, tr)),
                share,
                tr.gettext("must not exceed the commune"),
            )
        )
    return _combine(claim, checks, bound=bound, settle=_settle_perimeters(facts, tr))


def check_authorized_share(claim: Claim, city: City, facts: Facts,
                           tr: Translator | None = None) -> Verdict:
    tr = tr or translator("en")
    checks: list[Check] = []
    bound = None
    area_claims = city.claims_of("authorized_area_km2")
    tol = tr.gettext("±{points} percentage point (a whole percent)").format(
        points=tr.decimal(100 * SHARE_TOLERANCE, 1))
    if area_claims:
        area = area_claims[0].value
        computed = area / facts.commune.area_km2
        ok = abs(computed - claim.value) <= SHARE_TOLERANCE
        checks.append(
            Check(
                "claimed area / computed commune area",
                CONSISTENT if ok else CONTRADICTED,
                tr.gettext("The claimed {area} is {share} of the commune as measured "
                           "({commune}), against {claimed} claimed.").format(
                    area=_km2(area, tr), share=_pct(computed, tr),
                    commune=tr.km2(facts.commune.area_km2), claimed=_pct(claim.value, tr)),
                computed,
                tol,
            )
        )
        official = city.official_area_km2
        if official:
            share = area / official
            ok = abs(share - claim.value) <= SHARE_TOLERANCE
            checks.append(
                Check(
                    "claimed area / official commune area",
                    CONSISTENT if ok else CONTRADICTED,
                    tr.gettext("Against the official {official} it is {share}.").format(
                        official=_km2(official, tr), share=_pct(share, tr)),
                    share,
                    tol,
                )
            )
    p = facts.perimeters
    if p is None or p.count == 0:
        checks.append(Check("digitized perimeters", UNVERIFIABLE, _perimeters_missing(tr),
                            file=_file(facts)))
    else:
        assert p.share is not None
        rel_tol = claim.tolerance or max(SHARE_TOLERANCE / claim.value if claim.value else 0,
                                         AREA_TOLERANCE)
        check, bound = _perimeter_check(
            claim.value, p.share, facts, rel_tol,
            tr.gettext("The digitized perimeters cover {share} of the commune").format(
                share=_pct(p.share, tr)),
            lambda x: _pct(x, tr), tr)
        checks.append(check)
    if not checks:
        checks.append(Check("commune area", UNVERIFIABLE,
                            tr.gettext("No claimed area to relate the share to.")))
    summary = (
        tr.gettext("The share follows from the claimed area: the two figures agree with each "
                   "other and with the commune's area.")
        if all(c.verdict == CONSISTENT for c in checks[:-1]) and len(checks) > 1
        else ""
    )
    return _combine(claim, checks, summary, bound=bound, settle=_settle_perimeters(facts, tr))


def check_camera_count(claim: Claim, city: City, facts: Facts,
                       tr: Translator | None = None) -> Verdict:
    tr = tr or translator("en")
    scope = claim.scope or ClaimScope(counts="camera_sites", as_of=claim.as_of)
    evidence = facts.cameras
    settle = tr.gettext(
        "an exhaustive list of these cameras {as_of} (the operator's register, or its "
        "list with dates of service and of removal)").format(
        as_of=as_of_date(scope.as_of or claim.date, tr))
    layer = facts.perimeter_layer
    if scope.where == "perimeters" and (layer is None or len(layer) == 0):
        check = Check("digitized perimeters", UNVERIFIABLE, tr.gettext(
            "The claim counts cameras inside the authorized perimeters, and none is "
            "digitized: there is no zone to count them in."))
        return _combine(claim, [check], bound=Bound(), settle=_settle_perimeters(facts, tr))
    if evidence is None or len(evidence.records) == 0:
        if evidence is None:
            text = tr.gettext("No camera source was read for this report.")
        elif scope.as_of:
            text = tr.gettext("No camera is mapped in the sources read, so none is known in "
                              "service {by_date}.").format(by_date=by_date(scope.as_of, tr))
        else:
            text = tr.gettext("No camera is mapped in the sources read, so none is known in "
                              "service.")
        check = Check("mapped cameras", UNVERIFIABLE, text)
        return _combine(claim, [check], bound=Bound(), settle=settle)
    zone = None
    if scope.where == "perimeters":
        zone = perimeter_zone(evidence.records, layer, scope.as_of,
                              complete=facts.perimeters_complete,
                              complete_as_of=facts.perimeters_as_of)
        if not zone.complete:
            settle += tr.gettext("; and every authorized perimeter of that date, digitized "
                                 "and declared complete")
    finding = count_finding(scope, evidence, tr, zone)
    tolerance = claim.tolerance or 0.0
    verdict, why = decide(claim.value, finding.bound, tolerance)
    if finding.bound.kind == "none":
        if scope.as_of:
            text = tr.gettext("No camera of the sources read is known to be of this scope "
                              "({scope}) and in service {by_date}: the sources give no "
                              "bound.").format(scope=scope.describe(tr),
                                               by_date=by_date(scope.as_of, tr))
        else:
            text = tr.gettext("No camera of the sources read is known to be of this scope "
                              "({scope}) and in service: the sources give no bound.").format(
                scope=scope.describe(tr))
    else:
        text = tr.gettext("The sources read give {finding}, against {claimed} claimed: "
                          "{why}.").format(finding=finding.decisive,
                                           claimed=figure(claim.value, tr), why=tr.gettext(why))
    if scope.counts == "camera_sites" and any(
            r["kind"] == "official_list" for r in finding.sources):
        text += " " + tr.gettext("An official list is read one row per site (a site with two "
                                 "cameras counts twice).")
    check = Check("mapped cameras, like with like", verdict, text,
                  finding.bound.lower,
                  tr.gettext("±{tolerance} relative").format(tolerance=tr.percent(tolerance))
                  if tolerance else tr.gettext("exact"))
    return _combine(claim, [check], bound=finding.bound, sources=tuple(finding.sources),
                    decisive=finding.decisive, settle=settle)


def check_identification_range(claim: Claim, city: City, facts: Facts,
                               tr: Translator | None = None) -> Verdict:
    tr = tr or translator("en")
    text = tr.gettext(
        "A {range} identification range depends on each camera's lens, zoom and light, "
        "which no public source gives; geocover uses it as the 'factsheet-300m' field-of-view "
        "preset (what a zoomed camera sees at one moment: a narrow wedge in its current "
        "direction) and 'factsheet-300m-reach' (what a dome could reach by turning: the disc, "
        "never seen all at once) to bound what the claimed cameras could see."
    ).format(range=tr.metres(claim.value))
    instant = facts.capacity_km2.get("factsheet-300m")
    reach = facts.capacity_km2.get("factsheet-300m-reach")
    decisive = tr.gettext("No public source gives each camera's lens, zoom and light.")
    if instant is not None and reach is not None:
        capacity = tr.gettext(
            "At that range the claimed cameras see at most {instant} at one moment, and could "
            "reach at most {reach} by turning.").format(instant=tr.km2(instant),
                                                        reach=tr.km2(reach, 1))
        text, decisive = f"{text} {capacity}", f"{decisive} {capacity}"
    elif instant is not None:
        capacity = tr.gettext(
            "At that range the claimed cameras see at most {instant} at one moment.").format(
            instant=tr.km2(instant))
        text, decisive = f"{text} {capacity}", f"{decisive} {capacity}"
    return _combine(claim, [Check("camera specifications", UNVERIFIABLE, text, instant)],
                    decisive=decisive,
                    settle=tr.gettext("the cameras' specifications (lens, sensor, zoom) from "
                                      "the operator"))


def check_retention(claim: Claim, city: City, facts: Facts,
                    tr: Translator | None = None) -> Verdict:
    tr = tr or translator("en")
    text = tr.gettext("Image retention is not a map figure; only the operator's records or a "
                      "CNIL inspection can show it.")
    if claim.note:
        text += " " + tr.gettext("Later: {note}").format(note=claim.note)
    return _combine(claim, [Check("operator records", UNVERIFIABLE, text)],
                    settle=tr.gettext("the operator's records or a CNIL inspection"))


CHECKERS: dict[str, Callable[[Claim, City, Facts, Translator | None], Verdict]] = {
    "authorized_area_km2": check_authorized_area,
    "authorized_share": check_authorized_share,
    "camera_count": check_camera_count,
    "identification_range_m": check_identification_range,
    "retention_days": check_retention,
}


def evaluate(city: City, facts: Facts, tr: Translator | None = None) -> list[Verdict]:
    """A verdict for each claim of ``city``, in the order of its city.toml, its texts in
    ``tr``'s language (English by default; :func:`geocover.analyse` passes the analysis')."""
    return [CHECKERS[claim.kind](claim, city, facts, tr) for claim in city.claims]
