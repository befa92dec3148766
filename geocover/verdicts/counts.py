"""Like with like: what the camera sources say of one camera-count claim.

For a claim (what, whose, where, as of), each source's cameras are kept when they are
inside the commune, of the claim's operator scope when the source can tell (an official
list declares its operator; OSM and the citizen map say it per camera where tagged), and
known in service on the claim's date (:func:`geocover.model.scope.in_service_by`). The
cameras kept by every source, matched into sites, give a **lower bound**; a source that
is exhaustive for the claim's operator and of the claim's own date also gives an
**upper bound** (it lists everything that stood then). A list of cameras is read one row
per site: a site holding several cameras makes the lower bound of sites too high by as
many, so this is said wherever it applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np

from geocover.i18n import Translator, translator
from geocover.model.scope import in_operator_scope, in_service_by, operator_classes
from geocover.schema.scope import WHOSE, ClaimScope, SourceScope, same_date, source_key
from geocover.verdicts.bounds import Bound


@dataclass
class CameraEvidence:
    """Every camera read, before matching, with what the counts need."""

    records: gpd.GeoDataFrame
    """All cameras of all sources (camera schema), one row per source's camera."""
    labels: np.ndarray
    """The site of each record (see :func:`geocover.model.matching.match_labels`)."""
    inside: np.ndarray
    """Whether each record is inside the commune."""
    scopes: dict[str, SourceScope] = field(default_factory=dict)
    """Source key → what the source holds."""


@dataclass(frozen=True)
class CountFinding:
    """The bound on one claim and how each source contributed to it."""

    bound: Bound
    sources: list[dict[str, Any]]
    decisive: str


def count_finding(scope: ClaimScope, evidence: CameraEvidence,
                  tr: Translator | None = None) -> CountFinding:
    """The bound the camera sources give on a claim of scope ``scope`` (its texts in
    ``tr``'s language, English by default)."""
    tr = tr or translator("en")
    rec = evidence.records
    keys = np.asarray([source_key(i) for i in rec["id"]], dtype=object)
    classes = operator_classes(rec, evidence.scopes)
    in_scope = in_operator_scope(classes, rec["surveillance"], scope.whose)
    qualifies = np.zeros(len(rec), dtype=bool)
    uppers: list[int] = []
    rows: list[dict[str, Any]] = []
    for key in sorted(set(keys.tolist())):
        mask = keys == key
        src = evidence.scopes.get(key) or SourceScope(key=key, kind="file", label=key)
        inside = mask & evidence.inside
        scoped = inside & in_scope
        service = np.zeros(len(rec), dtype=bool)
        service[mask] = in_service_by(
            [None if not isinstance(v, str) else v for v in rec["installed"][mask]],
            src,
            scope.as_of,
        )
        ok = scoped & service
        qualifies |= ok
        # an exhaustive list of one operator, of the claim's own date, bounds a claim
        # about that operator from above too: it lists everything that stood then
        exhaustive_here = (
            src.exhaustive
            and scope.whose == src.operator
            and (scope.as_of is None or same_date(src.vintage, scope.as_of))
        )
        upper = int(ok.sum()) if exhaustive_here else None
        if upper is not None:
            uppers.append(upper)
        gives = Bound(lower=int(ok.sum()) if ok.any() else None, upper=upper)
        rows.append(
            {
                "source": key,
                "label": src.label,
                "kind": src.kind,
                "operator": src.operator,
                "exhaustive": src.exhaustive,
                "vintage": src.vintage or None,
                "dated": src.dated,
                "read": int(mask.sum()),
                "inside_commune": int(inside.sum()),
                "in_operator_scope": int(scoped.sum()),
                "in_service": int(ok.sum()),
                "gives": gives.to_dict(),
                "scope": src.describe(tr),
            }
        )
    sites = np.unique(evidence.labels[qualifies]).size if qualifies.any() else 0
    bound = Bound(
        lower=float(sites) if sites else None, upper=float(min(uppers)) if uppers else None
    )
    who = tr.gettext(WHOSE[scope.whose]) if scope.whose in WHOSE else scope.whose
    per = "; ".join(
        tr.gettext("{source}: {kept} of {inside} inside").format(
            source=r["label"] or r["source"], kept=tr.integer(r["in_service"]),
            inside=tr.integer(r["inside_commune"]))
        for r in rows
    )
    at_least = bound.describe(tr.integer, tr)
    if scope.as_of:
        decisive = tr.gettext(
            "{bound} camera sites of {whose} in service by {date} inside the commune "
            "(matched sites; {per})").format(bound=at_least, whose=who,
                                             date=tr.date(scope.as_of), per=per)
    else:
        decisive = tr.gettext(
            "{bound} camera sites of {whose} inside the commune (matched sites; {per})"
        ).format(bound=at_least, whose=who, per=per)
    return CountFinding(bound=bound, sources=rows, decisive=decisive)


def empty_evidence() -> CameraEvidence:
    from geocover.schema.frames import empty_cameras

    return CameraEvidence(empty_cameras(), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool))
