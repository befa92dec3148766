"""A city's configuration as data: its claims, timeline and sources (read by sources.city)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geocover.schema.scope import ClaimScope

#: Claim kinds geocover knows how to check, with the unit of their value.
CLAIM_KINDS: dict[str, str] = {
    "authorized_area_km2": "km²",
    "authorized_share": "fraction of the commune",
    "camera_count": "cameras",
    "identification_range_m": "m",
    "retention_days": "days",
}


@dataclass(frozen=True)
class Claim:
    """One figure of an official or civil-society statement, with its provenance."""

    id: str
    kind: str
    value: float
    source: str
    date: str
    quote: str = ""
    as_of: str | None = None
    note: str = ""
    scope: ClaimScope | None = None
    """What the claim counts, whose, where and as of when (``docs/city-toml.md``)."""
    tolerance: float | None = None
    """Relative tolerance of the claimed value (None: the kind's default)."""


@dataclass(frozen=True)
class TimelinePoint:
    """A dated camera count from the press (a claim, used for the timeline chart)."""

    as_of: str
    value: int
    source: str
    date: str = ""
    """When the figure was given; a figure given before its ``as_of`` is a forecast."""
    target: bool = False
    """A target (what is aimed at), never a count."""

    @property
    def announced(self) -> bool:
        """A forecast or a target: announced, not counted."""
        from geocover.schema.scope import announced

        return self.target or announced(self.as_of, self.date)


@dataclass(frozen=True)
class CityList:
    """A camera list a city declares in its ``city.toml`` (``[[lists]]``): a file of its
    own, read like the lists geocover knows (``docs/city-toml.md``).

    ``entry`` (``lists[2]``) names the declaration in messages; ``file`` is resolved
    against the city's folder. ``columns`` maps schema columns to the file's columns;
    ``precision`` is one location precision for every row, or a table translating the
    values of the column mapped to ``location_precision``.
    """

    name: str
    file: Path
    entry: str
    vintage: str
    columns: Mapping[str, str] = field(default_factory=dict)
    precision: str | Mapping[str, str] | None = None
    lat: str | None = None
    lon: str | None = None
    installed_format: str | None = None
    operator: str = "mixed"
    exhaustive: bool = False
    family: str = ""
    source: str = ""
    licence: str = ""
    attribution: str = ""


@dataclass(frozen=True)
class RetentionPeriod:
    """How long a city's camera images are kept, as one source states it, and when."""

    days: int
    source: str
    date: str


@dataclass(frozen=True)
class Rights:
    """What a city tells its residents they can do (``[rights]`` of ``city.toml``): see
    the images they appear in, by a written request to ``addressee``."""

    addressee: str
    text: dict[str, str] = field(default_factory=dict)
    """Language (``fr``, ``en``) → the city's own statement of the right; a language
    missing here gets geocover's generic legal text."""
    retention: tuple[RetentionPeriod, ...] = ()
    """The retention periods stated, oldest first (none: the law's one month at most)."""
    source: str = ""
    date: str = ""

    def text_in(self, lang: str) -> str:
        """The city's statement in ``lang``, else empty."""
        return self.text.get(lang, "")


@dataclass(frozen=True)
class City:
    """A city's configuration, as read from its ``city.toml``."""

    slug: str
    name: str
    insee: str
    folder: Path
    official_area_km2: float | None = None
    official_area_source: str = ""
    perimeters_file: Path | None = None
    cameras_file: Path | None = None
    osm: bool = True
    lists: tuple[str, ...] = ()
    official_camera_count: int | None = None
    official_camera_count_source: str = ""
    claims: tuple[Claim, ...] = ()
    timeline: tuple[TimelinePoint, ...] = ()
    factsheet: dict[str, Any] = field(default_factory=dict)
    #: The readers' language (``fr`` or ``en``): ``[city] lang``, French by default.
    lang: str = "fr"
    #: The residents' right to see the images (``[rights]``); None: the generic legal text.
    rights: Rights | None = None
    #: The city's own camera lists (``[[lists]]``), beside the catalogue's ``lists``.
    own_lists: tuple[CityList, ...] = ()

    def claims_of(self, kind: str) -> list[Claim]:
        return [c for c in self.claims if c.kind == kind]
