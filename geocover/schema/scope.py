"""What a claim counts and what a source holds: the vocabularies of scope.

A claim states what it counts (``counts``), whose cameras (``whose``), where
(``where``) and as of when (``as_of``); a camera source states its operator scope,
whether it is exhaustive or a lower bound, and its vintage. Verdicts compare like with
like through these fields (``docs/city-toml.md``, ``docs/report-json.md``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from geocover.i18n import N_, Translator, translator
from geocover.schema.ids import camera_source

#: What a claim counts.
COUNTS: dict[str, str] = {
    "camera_sites": N_("camera sites (one place, one or more cameras)"),
    "cameras": N_("cameras"),
    "authorized_area": N_("area authorized by the prefecture"),
    "authorized_share": N_("share of the commune authorized"),
    "range": N_("a camera specification (range)"),
    "retention": N_("an operating rule (retention)"),
}
#: Whose cameras a claim or a source is about (operator scope).
WHOSE: dict[str, str] = {
    "municipal_police": N_("the commune (police municipale, centre de supervision urbain)"),
    "national_police": N_("the State (Préfecture de police, police nationale, gendarmerie)"),
    "public": N_("any public operator"),
    "any": N_("any operator, public or private"),
}
#: Where a claim counts.
WHERE: dict[str, str] = {
    "commune": N_("inside the commune"),
    "perimeters": N_("inside the authorized perimeters"),
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
    "municipal_police": N_("the commune's cameras"),
    "national_police": N_("the State's police cameras"),
    "public": N_("a public operator, which one unknown"),
    "private": N_("a private operator"),
    "unknown": N_("operator unknown"),
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


def _day(date: str) -> bool:
    return len(date.strip()) >= 10


def by_date(date: str, tr: Translator) -> str:
    """``by 2008`` / ``by 1 February 2019``; in French ``en 2008``, ``en novembre 2014``,
    ``au 1er février 2019`` (the preposition follows the date's precision)."""
    if _day(date):
        return tr.pgettext("day", "by {date}").format(date=tr.date(date))
    return tr.pgettext("year or month", "by {date}").format(date=tr.date(date))


def as_of_date(date: str, tr: Translator) -> str:
    """``as of 2008`` / ``as of 1 February 2019``; in French ``en 2008``, ``au 1er février
    2019``."""
    if _day(date):
        return tr.pgettext("day", "as of {date}").format(date=tr.date(date))
    return tr.pgettext("year or month", "as of {date}").format(date=tr.date(date))


def in_date(date: str, tr: Translator) -> str:
    """``in 2008``, ``in November 2014``, ``on 1 February 2019``; in French ``en 2008``,
    ``en novembre 2014``, ``au 1er février 2019``."""
    if _day(date):
        return tr.gettext("on {date}").format(date=tr.date(date))
    return tr.gettext("in {date}").format(date=tr.date(date))


@dataclass(frozen=True)
class ClaimScope:
    """What a claim counts, whose, where and as of when."""

    counts: str
    whose: str = "any"
    where: str = "commune"
    as_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self, tr: Translator | None = None) -> str:
        """``camera sites of the State (…), inside the commune, as of 2019-02-01`` (in
        ``tr``'s language, English by default)."""
        tr = tr or translator("en")
        what = tr.gettext(COUNTS[self.counts]) if self.counts in COUNTS else self.counts
        where = tr.gettext(WHERE[self.where]) if self.where in WHERE else self.where
        if self.counts in ("camera_sites", "cameras"):
            who = tr.gettext(WHOSE[self.whose]) if self.whose in WHOSE else self.whose
            what = tr.gettext("{what} of {whose}").format(what=what, whose=who)
        text = tr.gettext("{what}, {where}").format(what=what, where=where)
        if self.as_of:
            text = f"{text}, {as_of_date(self.as_of, tr)}"
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

    def describe(self, tr: Translator | None = None) -> str:
        """``OpenStreetMap: mixed operators, a lower bound, as of 2025-02-08`` (in ``tr``'s
        language, English by default)."""
        tr = tr or translator("en")
        if self.operator == "mixed":
            who = tr.gettext("mixed operators")
        elif self.operator in OPERATOR_CLASSES:
            who = tr.gettext(OPERATOR_CLASSES[self.operator])
        else:
            who = self.operator
        bound = (tr.gettext("exhaustive for its operator") if self.exhaustive
                 else tr.gettext("a lower bound"))
        when = tr.date(self.vintage) if self.vintage else tr.gettext("an unknown date")
        text = tr.gettext("{source}: {operator}, {bound}, as of {date}").format(
            source=self.label, operator=who, bound=bound, date=when)
        if self.dated:
            text = tr.gettext("{scope}, with dates of service").format(scope=text)
        return text


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
