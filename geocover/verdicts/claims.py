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
from typing import Any

from geocover.model.coverage import CommuneFigures, PerimeterFigures
from geocover.schema.city import City, Claim

CONSISTENT = "consistent"
CONTRADICTED = "contradicted"
UNVERIFIABLE = "unverifiable"

#: A share stated as a whole percent ("50 %") is read as ±0.5 percentage point.
SHARE_TOLERANCE = 0.005
#: A measured area matches a claimed one within this relative tolerance (the claim's
#: rounding to the km² plus digitization error of a few percent).
AREA_TOLERANCE = 0.05


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
        return replace(self, explanation=text(self.explanation), checks=checks)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["checks"] = [
            {k: v for k, v in asdict(c).items() if k != "file"} for c in self.checks
        ]
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


def _pct(x: float) -> str:
    return f"{100 * x:.2f} %"


def _combine(claim: Claim, checks: list[Check], summary: str = "") -> Verdict:
    contradicted = any(c.verdict == CONTRADICTED for c in checks)
    verdict = CONTRADICTED if contradicted else checks[0].verdict
    explanation = " ".join(c.explanation for c in checks)
    return Verdict(
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


def _perimeters_missing(facts: Facts) -> str:
    where = str(facts.perimeters_file) if facts.perimeters_file else "the city's perimeters file"
    return (
        f"No authorized perimeter has been digitized ({where} holds 0), so there is no "
        "measured area to compare: digitize the prefecture's decrees (docs/perimeters.md) "
        "or give the analysis a perimeter file."
    )


def _file(facts: Facts) -> str | None:
    return str(facts.perimeters_file) if facts.perimeters_file else None


def check_authorized_area(claim: Claim, city: City, facts: Facts) -> Verdict:
    checks: list[Check] = []
    p = facts.perimeters
    if p is None or p.count == 0:
        checks.append(Check("digitized perimeters", UNVERIFIABLE, _perimeters_missing(facts), 0.0,
                            file=_file(facts)))
    else:
        rel = (p.area_km2 - claim.value) / claim.value
        ok = abs(rel) <= AREA_TOLERANCE
        checks.append(
            Check(
                "digitized perimeters",
                CONSISTENT if ok else CONTRADICTED,
                f"The {p.count} digitized perimeter(s) cover {p.area_km2:.2f} km² inside the "
                f"commune (union, overlaps counted once, {p.crs}) against {claim.value:g} km² "
                f"claimed: {rel:+.1%}.",
                p.area_km2,
                f"±{AREA_TOLERANCE:.0%} relative",
            )
        )
    official = city.official_area_km2 or facts.commune.official_area_km2
    if official:
        share = claim.value / official
        checks.append(
            Check(
                "official commune area",
                CONSISTENT if share <= 1 else CONTRADICTED,
                f"{claim.value:g} km² is {_pct(share)} of the official {official:g} km².",
                share,
                "must not exceed the commune",
            )
        )
    return _combine(claim, checks)


def check_authorized_share(claim: Claim, city: City, facts: Facts) -> Verdict:
    checks: list[Check] = []
    area_claims = city.claims_of("authorized_area_km2")
    tol = f"±{100 * SHARE_TOLERANCE:.1f} percentage point (a whole percent)"
    if area_claims:
        area = area_claims[0].value
        computed = area / facts.commune.area_km2
        ok = abs(computed - claim.value) <= SHARE_TOLERANCE
        checks.append(
            Check(
                "claimed area / computed commune area",
                CONSISTENT if ok else CONTRADICTED,
                f"The claimed {area:g} km² is {_pct(computed)} of the commune as measured "
                f"({facts.commune.area_km2:.2f} km², {facts.commune.crs}), against "
                f"{_pct(claim.value)} claimed.",
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
                    f"Against the official {official:g} km² it is {_pct(share)}.",
                    share,
                    tol,
                )
            )
    p = facts.perimeters
    if p is None or p.count == 0:
        checks.append(Check("digitized perimeters", UNVERIFIABLE, _perimeters_missing(facts),
                            file=_file(facts)))
    else:
        assert p.share is not None
        ok = abs(p.share - claim.value) <= max(SHARE_TOLERANCE, AREA_TOLERANCE * claim.value)
        checks.append(
            Check(
                "digitized perimeters",
                CONSISTENT if ok else CONTRADICTED,
                f"The digitized perimeters cover {_pct(p.share)} of the commune.",
                p.share,
                f"±{AREA_TOLERANCE:.0%} relative",
            )
        )
    if not checks:
        checks.append(Check("commune area", UNVERIFIABLE,
                            "No claimed area to relate the share to."))
    summary = (
        "The share follows from the claimed area: the two figures agree with each other "
        "and with the commune's area."
        if all(c.verdict == CONSISTENT for c in checks[:-1]) and len(checks) > 1
        else ""
    )
    return _combine(claim, checks, summary)


def check_camera_count(claim: Claim, city: City, facts: Facts) -> Verdict:
    n = facts.cameras_mapped
    latest = max(city.claims_of("camera_count"), key=lambda c: c.as_of or "", default=None)
    if claim.as_of and latest is not None and claim.id != latest.id:
        n = facts.cameras_installed_by.get(claim.as_of)
        if n is None:
            return _combine(claim, [Check(
                "mapped cameras with installation dates", UNVERIFIABLE,
                "No mapped camera has an installation date to count those in service by "
                f"{claim.as_of}.",
            )])
    if n is None:
        check = Check("mapped cameras", UNVERIFIABLE, "No camera source was read for this report.")
    elif n >= claim.value:
        check = Check(
            "mapped cameras", CONSISTENT,
            f"{n} camera sites are mapped, at least the {claim.value:g} claimed.", float(n),
            "mapped ≥ claimed",
        )
    else:
        check = Check(
            "mapped cameras", UNVERIFIABLE,
            f"Only {n} of the {claim.value:g} claimed cameras are mapped; mapped cameras are a "
            "lower bound of what exists, so the count can be neither confirmed nor refuted.",
            float(n), "mapped ≥ claimed",
        )
    return _combine(claim, [check])


def check_identification_range(claim: Claim, city: City, facts: Facts) -> Verdict:
    text = (
        f"A {claim.value:g} m identification range depends on each camera's lens, zoom and light, "
        "which no public source gives; geocover uses it as the 'factsheet-300m' field-of-view "
        "preset to bound what the claimed cameras could see."
    )
    capacity = facts.capacity_km2.get("factsheet-300m")
    if capacity is not None:
        text += f" At that range the claimed cameras could see at most {capacity:.1f} km²."
    return _combine(claim, [Check("camera specifications", UNVERIFIABLE, text, capacity)])


def check_retention(claim: Claim, city: City, facts: Facts) -> Verdict:
    text = ("Image retention is not a map figure; only the operator's records or a CNIL "
            "inspection can show it.")
    if claim.note:
        text += f" Later: {claim.note}"
    return _combine(claim, [Check("operator records", UNVERIFIABLE, text)])


CHECKERS = {
    "authorized_area_km2": check_authorized_area,
    "authorized_share": check_authorized_share,
    "camera_count": check_camera_count,
    "identification_range_m": check_identification_range,
    "retention_days": check_retention,
}


def evaluate(city: City, facts: Facts) -> list[Verdict]:
    """A verdict for each claim of ``city``, in the order of its city.toml."""
    return [CHECKERS[claim.kind](claim, city, facts) for claim in city.claims]
