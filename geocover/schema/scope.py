"""What a claim counts and what a source holds: the vocabularies of scope.

A claim states what it counts (``counts``), whose cameras (``whose``), where
(``where``) and as of when (``as_of``); a camera source states its operator scope,
whether it is exhaustive or a lower bound, and its vintage. Verdicts compare like with
like through these fields (``docs/city-toml.md``, ``docs/report-json.md``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from geocover.schema.ids import camera_source

#: What a claim counts.
COUNTS: dict[str, str] = {
    "camera_sites": "camera sites (one place, one or more cameras)",
    "cameras": "cameras",
    "authorized_area": "area authorized by the prefecture",
    "authorized_share": "share of the commune authorized",
    "range": "a camera specification (range)",
    "retention": "an operating rule (retention)",
}
#: Whose cameras a claim or a source is about (operator scope).
WHOSE: dict[str, str] = {
    "municipal_police": "the commune (police municipale, centre de supervision urbain)",
    "national_police": "the State (Préfecture de police, police nationale, gendarmerie)",
    "public": "any public operator",
    "any": "any operator, public or private",
}
#: Where a claim counts.
WHERE: dict[str, str] = {
    "commune": "inside the commune",
    "perimeters": "inside the authorized perimeters",
}
#: What a claim kind counts, when its city.toml entry does not say.
DEFAULT_COUNTS: dict[str, str] = {
    "camera_count": "camera_sites",
    "authorized_area_km2": "authorized_area",
    "authorized_share": "authorized_share",
    "identification_range_m": "range",
    "retention_days": "retention",
}

#: Operator classes of one camera (what a source can tell of it).
OPERATOR_CLASSES: dict[str, str] = {
    "municipal_police": "the commune's cameras",
    "national_police": "the State's police cameras",
    "public": "a public operator, which one unknown",
    "private": "a private operator",
    "unknown": "operator unknown",
}
#: For each claim scope (``whose``), the camera operator classes it counts.
COUNTED_CLASSES: dict[str, frozenset[str]] = {
    "municipal_police": frozenset({"municipal_police"}),
    "national_police": frozenset({"national_police"}),
    "public": frozenset({"municipal_police", "national_police", "public"}),
    "any": frozenset(OPERATOR_CLASSES),
}

#: Kinds of camera source.
SOURCE_KINDS: dict[str, str] = {
    "official_list": "an official list of one operator",
    "osm": "OpenStreetMap (mixed operators, tagged per camera where known)",
    "citizen_map": "a citizen map (mixed operators, public/private per camera where known)",
    "city_list": "a city's own list of mixed operators (city.toml [[lists]])",
    "contributions": "contributions to this project",
    "file": "a camera file given on the command line",
}


@dataclass(frozen=True)
class ClaimScope:
    """What a claim counts, whose, where and as of when."""

    counts: str
    whose: str = "any"
    where: str = "commune"
    as_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        """``camera sites of the State (…), inside the commune, as of 2019-02-01``."""
        text = f"{COUNTS.get(self.counts, self.counts)}"
        if self.counts in ("camera_sites", "cameras"):
            text += f" of {WHOSE.get(self.whose, self.whose)}"
        text += f", {WHERE.get(self.where, self.where)}"
        if self.as_of:
            text += f", as of {self.as_of}"
        return text


@dataclass(frozen=True)
class SourceScope:
    """What a camera source holds.

    Parameters
    ----------
    key : str
        The source's short name in reports (``list:paris-police-2025``, ``osm``…), also
        the prefix of its camera ids.
    kind : str
        One of :data:`SOURCE_KINDS`.
    label : str
        Who published it, for a reader.
    operator : str
        ``mixed`` (read per camera), or one :data:`OPERATOR_CLASSES` value for the
        list of one operator.
    exhaustive : bool
        True when it claims to hold every camera of its operator at its vintage (an
        official list); False when it is a lower bound (maps, contributions).
    vintage : str
        The date of its data (ISO, as precise as known), ``""`` when unknown.
    family : str
        Versions of one list share a family: they are vintages of one source, never
        added together.
    dated : bool
        Whether it gives each camera's date of service.
    """

    key: str
    kind: str
    label: str
    operator: str = "mixed"
    exhaustive: bool = False
    vintage: str = ""
    family: str = ""
    dated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        who = (
            "mixed operators"
            if self.operator == "mixed"
            else OPERATOR_CLASSES.get(self.operator, self.operator)
        )
        bound = "exhaustive for its operator" if self.exhaustive else "a lower bound"
        dates = ", with dates of service" if self.dated else ""
        return f"{self.label}: {who}, {bound}, as of {self.vintage or 'an unknown date'}{dates}"


def same_date(a: str | None, b: str | None) -> bool:
    """Whether two ISO dates agree at the precision of the less precise one
    (``2019-02`` and ``2019-02-01`` do, ``2019`` and ``2020-01`` do not)."""
    if not a or not b:
        return False
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def announced(as_of: str | None, said: str | None) -> bool:
    """Whether a figure for ``as_of`` was given before that time came (``said`` earlier
    than the period ``as_of`` covers): a forecast, not a count.

    Examples
    --------
    >>> announced("2023-12", "2023-09-01"), announced("2020-02", "2020-02"), announced("2018", "")
    (True, False, False)
    """
    if not as_of or not said:
        return False
    return end_of(said) < as_of[:10]


def end_of(date: str) -> str:
    """The last ISO day a partial date covers, for ``<=`` comparisons (``2014-11`` →
    ``2014-11-99``: a string that sorts after every day of November 2014)."""
    return date + "-99" if len(date) < 10 else date


def source_key(camera_id: str) -> str:
    """The source of a camera from its id: ``osm``, ``contrib`` or ``list:<name>`` (the one
    rule, :func:`geocover.schema.ids.camera_source`)."""
    return camera_source(camera_id)
