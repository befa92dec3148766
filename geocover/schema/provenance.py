"""Where each layer came from, as data: the files read, the date of the data, the licence.

A :class:`SourceRecord` is built where a source is read (``geocover.sources``) and
travels unchanged to every output: the report, the map's sources panel, the figures'
footers and the provenance record. Nothing downstream parses it back from text.

Two dates, never confused:

``vintage``
    The date of the data itself: when the source published it or was queried
    (a bundle's ``bundle.json``, an Overpass answer's ``osm3s.timestamp_osm_base``,
    the latest decree of a perimeter file). ``None`` when nothing says it: "date unknown".
``retrieved``
    When geocover's copy was obtained: a live answer's retrieval time; for a local
    file, its modification date (which says when the file was copied, not how old the
    data is).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from geocover.i18n import N_, Translator, translator

#: How a missing vintage is shown.
DATE_UNKNOWN = N_("date unknown")


@dataclass(frozen=True)
class FileRead:
    """One file a source read.

    Parameters
    ----------
    path : str
        As shown: ``bundle:<path inside the bundle>``, or relative to the working folder
        (or the checkout) when it lies inside, else absolute.
    sha256 : str
        Checksum of the bytes read (hex).
    bytes : int
        Size.
    modified : str
        The file's modification date (ISO), not the date of its data.
    """

    path: str
    sha256: str
    bytes: int
    modified: str


@dataclass(frozen=True)
class SourceRecord:
    """One layer's source: what it is, its files, the date of its data, its licence.

    Parameters
    ----------
    layer : str
        ``commune``, ``communes``, ``perimeters``, ``cameras``, ``buildings``, ``highways``.
    origin : str
        A one-line description for people (``bundle:geo-api/…``, ``OpenStreetMap
        (Overpass)``, ``list:paris-bovp2019 (…)``). Display only: never parsed.
    retrieved : str
        When geocover's copy was obtained (ISO date); a local file's modification date;
        empty when nothing was read.
    attribution : str
        The attribution to show with any figure from this layer.
    count : int, optional
        Features read (None when nothing was read).
    vintage : str, optional
        The date of the data (ISO 8601, possibly partial: ``2018``, ``2019-02-01``,
        ``2025-02-08T14:06:51Z``, or the manifest's own words); None: date unknown.
    vintage_basis : str
        What the vintage comes from (``bundle.json``, ``osm3s.timestamp_osm_base``,
        ``latest decree_date``…), or why it is unknown.
    licence : str, optional
        The data's licence, when stated.
    url : str, optional
        The address a live source answered from.
    retrieved_at : str, optional
        A live source's full retrieval time (ISO 8601 with time zone).
    files : tuple of FileRead
        The files read, with their checksums.
    """

    layer: str
    origin: str
    retrieved: str
    attribution: str
    count: int | None = None
    vintage: str | None = None
    vintage_basis: str = DATE_UNKNOWN
    licence: str | None = None
    url: str | None = None
    retrieved_at: str | None = None
    files: tuple[FileRead, ...] = field(default_factory=tuple)

    @property
    def live(self) -> bool:
        """Whether the data came from a live service (it then has a URL)."""
        return self.url is not None

    @property
    def vintage_date(self) -> str | None:
        """The vintage as a date for people: a timestamp's date part, else as stated."""
        if self.vintage and len(self.vintage) > 10 and self.vintage[10] == "T":
            return self.vintage[:10]
        return self.vintage

    def dates_text(self, tr: Translator | None = None) -> str:
        """Both dates for people, the data's first: ``data of 2018 (bundle.json), file
        dated 2026-12-01``; one date when they agree; empty when neither is known. In
        ``tr``'s language (English by default); the dates stay ISO, as the sources give
        them."""
        tr = tr or translator("en")
        read = ""
        if self.retrieved:
            read = (tr.gettext("retrieved {date}") if self.live
                    else tr.gettext("file dated {date}")).format(date=self.retrieved)
        if self.vintage is None:
            if not self.files and not self.live and not self.retrieved:
                return ""
            basis = self.vintage_basis
            unknown = tr.gettext(DATE_UNKNOWN)
            data = basis if basis.startswith(DATE_UNKNOWN) else f"{unknown} ({basis})"
            return f"{data}, {read}" if read else data
        data = tr.gettext("data of {date} ({basis})").format(date=self.vintage_date,
                                                             basis=self.vintage_basis)
        if read and (self.retrieved or "")[:10] != (self.vintage_date or "")[:10]:
            return f"{data}, {read}"
        return data

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``sources[]`` of the report, ``docs/report-json.md``)."""
        return {
            "layer": self.layer,
            "origin": self.origin,
            "retrieved": self.retrieved,
            "attribution": self.attribution,
            "count": self.count,
            "vintage": self.vintage,
            "vintage_basis": self.vintage_basis,
            "licence": self.licence,
            "url": self.url,
            "retrieved_at": self.retrieved_at,
            "files": [f.path for f in self.files],
        }


@dataclass(frozen=True)
class DataDate:
    """The date of a source's data and what it rests on (see :class:`SourceRecord`)."""

    vintage: str | None
    basis: str = DATE_UNKNOWN
    licence: str | None = None
    attribution: str | None = None
