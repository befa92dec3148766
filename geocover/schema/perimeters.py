"""The perimeter layer's schema and the one rule for the end of an authorization."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd

from geocover import settings
from geocover.errors import DataError
from geocover.schema.frames import empty_layer
from geocover.schema.provenance import SourceRecord

PERIMETER_COLUMNS = [
    "id",
    "name",
    "decree_ref",
    "decree_date",
    "valid_until",
    "source_url",
    "notes",
    "geometry",
]
OnInvalid = Literal["repair", "raise"]


@dataclass
class PerimeterSet:
    """Loaded perimeters with what was noticed while loading them."""

    frame: gpd.GeoDataFrame
    path: Path | None
    warnings: list[str] = field(default_factory=list)
    source: SourceRecord | None = None
    """Where the perimeters came from (file, sha256, date of the data); None: no file."""
    complete: bool = False
    """Whether the set declares itself complete (every decree in force, digitized)."""
    complete_as_of: str | None = None
    """The date the declaration of completeness refers to."""
    decrees: tuple[str, ...] = ()
    """The decrees a complete set declares it holds."""

    @property
    def count(self) -> int:
        return len(self.frame)


def empty_perimeters() -> gpd.GeoDataFrame:
    columns: dict[str, str | None] = {c: "object" for c in PERIMETER_COLUMNS if c != "geometry"}
    return empty_layer({**columns, "geometry": None, "status": "object", "repaired": "bool"})


def to_date(value: object) -> dt.date | None:
    """A date from what a layer holds (None, NaN, a date, a timestamp, ``YYYY-MM-DD…``
    text). Blank is None; anything else unreadable raises ValueError."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    return dt.date.fromisoformat(text[:10])


def _parse_date(value: object, path: Path, row: int, column: str) -> dt.date | None:
    try:
        return to_date(value)
    except ValueError:
        raise DataError(
            f"{column} {str(value).strip()!r} is not a date (write YYYY-MM-DD)", path, row
        ) from None


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus whole years; 29 February becomes 28 February in a common year.

    Examples
    --------
    >>> add_years(dt.date(2020, 2, 29), 5)
    datetime.date(2025, 2, 28)
    """
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


#: How :func:`authorization_end` found the end date (the ``valid_until_basis`` of the tables).
BASIS_STATED = "stated"
BASIS_ASSUMED = (
    f"decree_date + {settings.AUTHORIZATION_YEARS} years (valid_until not stated)"
)
BASIS_UNKNOWN = "unknown: neither decree_date nor valid_until is stated"


def authorization_end(decree_date: object, valid_until: object) -> dt.date | None:
    """The one rule for the end of a perimeter's authorization.

    ``valid_until`` when it is given; else ``decree_date`` +
    ``settings.AUTHORIZATION_YEARS`` years (authorizations last five years, CSI art.
    L252-4); else unknown (None). Used by the perimeter layer's ``status``, the
    compliance tables, the map and the reports, so that they all agree.

    Parameters
    ----------
    decree_date, valid_until : date, text, timestamp or None
        As a layer holds them (see :func:`to_date`); unreadable values count as blank
        (loading already refused them).

    Examples
    --------
    >>> authorization_end("2010-01-01", None)
    datetime.date(2015, 1, 1)
    >>> authorization_end("2010-01-01", "2012-06-30")
    datetime.date(2012, 6, 30)
    >>> authorization_end(None, None) is None
    True
    """
    until = date_or_none(valid_until)
    if until is not None:
        return until
    decree = date_or_none(decree_date)
    return add_years(decree, settings.AUTHORIZATION_YEARS) if decree is not None else None


def authorization_basis(decree_date: object, valid_until: object) -> str:
    """How :func:`authorization_end` found the end: :data:`BASIS_STATED`,
    :data:`BASIS_ASSUMED` or :data:`BASIS_UNKNOWN`."""
    if date_or_none(valid_until) is not None:
        return BASIS_STATED
    return BASIS_ASSUMED if date_or_none(decree_date) is not None else BASIS_UNKNOWN


def status_of(
    decree_date: object, valid_until: object, today: dt.date | None = None
) -> str:
    """``valid``, ``expired`` or ``unknown``: the authorization's end
    (:func:`authorization_end`) against ``today`` (default: today's date).

    Examples
    --------
    >>> status_of("2010-01-01", None, dt.date(2026, 1, 1))
    'expired'
    >>> status_of(None, None)
    'unknown'
    """
    end = authorization_end(decree_date, valid_until)
    if end is None:
        return "unknown"
    today = today or dt.date.today()
    return "expired" if end < today else "valid"


def date_or_none(value: object) -> dt.date | None:
    """:func:`to_date`, with an unreadable value read as blank (None)."""
    try:
        return to_date(value)
    except ValueError:
        return None
