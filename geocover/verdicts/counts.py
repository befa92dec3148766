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

A claim counted **inside the authorized perimeters** (``where = "perimeters"``) keeps
only the cameras inside the union of the perimeters valid on its date
(:func:`perimeter_zone`, by the one rule of :func:`~geocover.schema.perimeters.status_of`).
A partial set of perimeters leaves out cameras in the perimeters not digitized, so the
count inside it is a lower bound; an exhaustive list still bounds it from above by what
it holds in the whole commune. Only a set declared complete on the claim's date lets
the exhaustive list's count inside the perimeters be the upper bound.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geocover.i18n import Translator, translator
from geocover.model.scope import in_operator_scope, in_service_by, operator_classes
from geocover.schema.perimeters import date_or_none, status_of
from geocover.schema.scope import (
    WHOSE,
    ClaimScope,
    SourceScope,
    by_date,
    same_date,
    source_key,
)
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


@dataclass(frozen=True)
class Zone:
    """Where a claim counts when it is not the whole commune: the authorized perimeters."""

    inside: np.ndarray
    """Whether each camera record lies in a perimeter valid on the claim's date."""
    complete: bool
    """Whether the perimeters are every one in force on that date (declared complete)."""
    used: int
    """Perimeters valid on the date, whose union is the zone."""
    left_out: int
    """Perimeters left out: expired, not yet decreed, or of unknown dates."""
    day: dt.date | None
    """The day the perimeters were judged valid on (None: as loaded, i.e. today)."""

    def describe(self, tr: Translator | None = None) -> str:
        """``the 2 authorized perimeters valid on 1 June 2020 (a partial set: …)``."""
        tr = tr or translator("en")
        n = self.used
        if self.day is not None:
            zone = tr.ngettext("{n} authorized perimeter valid on {date}",
                               "the {n} authorized perimeters valid on {date}", n).format(
                n=tr.integer(n), date=tr.date(self.day))
        else:
            zone = tr.ngettext("{n} authorized perimeter valid today",
                               "the {n} authorized perimeters valid today", n).format(
                n=tr.integer(n))
        state = (tr.gettext("declared complete") if self.complete else
                 tr.gettext("a partial set: those not digitized are missing, a lower bound"))
        if self.left_out:
            state += tr.ngettext("; {n} left out (not valid then, or undated)",
                                 "; {n} left out (not valid then, or undated)",
                                 self.left_out).format(n=tr.integer(self.left_out))
        return f"{zone} ({state})"


def _last_day(as_of: str) -> dt.date | None:
    """The last day a claim's ``as_of`` (``2018``, ``2014-11``, ``2019-02-01``) covers."""
    parts = [int(p) for p in as_of[:10].split("-") if p.isdigit()]
    try:
        if len(parts) == 1:
            return dt.date(parts[0], 12, 31)
        if len(parts) == 2:
            following = dt.date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        return dt.date(*parts[:3])
    except (ValueError, TypeError):
        return None


def perimeter_zone(records: gpd.GeoDataFrame, perimeters: gpd.GeoDataFrame | None,
                   as_of: str | None, *, complete: bool, complete_as_of: str | None) -> Zone:
    """The cameras inside the perimeters valid on ``as_of`` (its last day).

    A perimeter counts when its decree is dated on or before that day and its
    authorization has not ended (:func:`~geocover.schema.perimeters.status_of`); one of
    unknown dates is left out, so the zone never holds more than was authorized. Without
    ``as_of`` the perimeters' status as loaded (judged today) is used. The set is
    complete for the claim only when it is declared complete as of the claim's date.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> cams = gpd.GeoDataFrame(geometry=[shapely.Point(0.5, 0.5), shapely.Point(5, 5)],
    ...                         crs="EPSG:4326")
    >>> zone = gpd.GeoDataFrame({"decree_date": ["2015-01-01"], "valid_until": [None]},
    ...                         geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:4326")
    >>> perimeter_zone(cams, zone, "2018", complete=False, complete_as_of=None).inside.tolist()
    [True, False]
    >>> perimeter_zone(cams, zone, "2021", complete=False, complete_as_of=None).used
    0
    """
    n = len(records)
    if perimeters is None or perimeters.empty:
        return Zone(np.zeros(n, dtype=bool), False, 0, 0, None)
    day = _last_day(as_of) if as_of else None
    if day is None:
        keep = (perimeters["status"] == "valid").to_numpy() if "status" in perimeters \
            else np.zeros(len(perimeters), dtype=bool)
    else:
        keep = np.asarray([
            (start := date_or_none(d)) is not None and start <= day
            and status_of(d, u, day) == "valid"
            for d, u in zip(perimeters["decree_date"], perimeters["valid_until"], strict=True)
        ], dtype=bool)
    geoms = perimeters.geometry
    if records.crs is not None:
        geoms = geoms.to_crs(records.crs)
    union = shapely.union_all(geoms.to_numpy()[keep]) if keep.any() else None
    inside = np.zeros(n, dtype=bool)
    if union is not None and n:
        inside = np.asarray(shapely.intersects(records.geometry.to_numpy(), union), dtype=bool)
    whole = complete and (as_of is None or same_date(complete_as_of, as_of))
    return Zone(inside, whole, int(keep.sum()), int((~keep).sum()), day)


def count_finding(scope: ClaimScope, evidence: CameraEvidence,
                  tr: Translator | None = None, zone: Zone | None = None) -> CountFinding:
    """The bound the camera sources give on a claim of scope ``scope`` (its texts in
    ``tr``'s language, English by default), counted in the commune, or in ``zone`` (the
    authorized perimeters) when the claim counts there."""
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
        where = inside if zone is None else inside & zone.inside
        scoped = where & in_scope
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
        if upper is not None and zone is not None and not zone.complete:
            # perimeters not digitized may hold more: at most what the list holds in the
            # whole commune, of the claim's scope and date
            upper = int((inside & in_scope & service).sum())
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
                "inside_perimeters": None if zone is None else int(where.sum()),
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
    counted = "inside_commune" if zone is None else "inside_perimeters"
    per = "; ".join(
        tr.gettext("{source}: {kept} of {inside} inside").format(
            source=r["label"] or r["source"], kept=tr.integer(r["in_service"]),
            inside=tr.integer(r[counted]))
        for r in rows
    )
    at_least = bound.describe(tr.integer, tr)
    if zone is not None:
        decisive = _in_zone(tr, zone, scope, upper=bound.upper is not None, bound=at_least,
                            whose=who, per=per)
    elif scope.as_of:
        decisive = tr.gettext(
            "{bound} camera sites of {whose} in service {by_date} inside the commune "
            "(matched sites; {per})").format(bound=at_least, whose=who,
                                             by_date=by_date(scope.as_of, tr), per=per)
    else:
        decisive = tr.gettext(
            "{bound} camera sites of {whose} inside the commune (matched sites; {per})"
        ).format(bound=at_least, whose=who, per=per)
    return CountFinding(bound=bound, sources=rows, decisive=decisive)


def _in_zone(tr: Translator, zone: Zone, scope: ClaimScope, *, upper: bool,
             **values: str) -> str:
    """The decisive phrase of a claim counted inside the perimeters."""
    place = zone.describe(tr)
    if scope.as_of:
        text = tr.gettext(
            "{bound} camera sites of {whose} in service by {date} inside {place} (matched "
            "sites; {per})").format(date=tr.date(scope.as_of), place=place, **values)
    else:
        text = tr.gettext("{bound} camera sites of {whose} inside {place} (matched sites; "
                          "{per})").format(place=place, **values)
    if not zone.complete and upper:
        text += tr.gettext("; the upper bound is what the exhaustive list holds in the whole "
                           "commune, since perimeters not digitized may hold more")
    return text


def empty_evidence() -> CameraEvidence:
    from geocover.schema.frames import empty_cameras

    return CameraEvidence(empty_cameras(), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool))
