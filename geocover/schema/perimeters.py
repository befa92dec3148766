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
    frame = gpd.GeoDataFrame(
        {c: pd.Series(dtype="object") for c in PERIMETER_COLUMNS if c != "geometry"},
        geometry=gpd.GeoSeries([], crs=settings.STORAGE_CRS),
        crs=settings.STORAGE_CRS,
    )
    frame["status"] = pd.Series(dtype="object")
    frame["repaired"] = pd.Series(dtype="bool")
    return frame


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


def status_of(valid_until: dt.date | None, today: dt.date | None = None) -> str:
    """valid / expired / unknown, from ``valid_until`` and today's date."""
    if valid_until is None:
        return "unknown"
    today = today or dt.date.today()
    return "expired" if valid_until < today else "valid"
