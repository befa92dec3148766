"""The field validators of a city configuration: tables, strings, texts, numbers, counts, dates.

Each reads one key of a ``city.toml`` table and raises :class:`~geocover.errors.ConfigError`
naming the file, the entry (``where``) and the reason. Shared by :mod:`geocover.sources.city`
and :mod:`geocover.sources.city_lists`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

from geocover.errors import ConfigError

_WHEN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def _when(
    table: dict[str, Any], key: str, path: Path, where: str, today: dt.date | None = None,
    *, future: bool = False,
) -> str | None:
    """A date of the configuration: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (a TOML date
    too), real and not in the future (unless ``future``: a forecast's or a target's
    date); None when absent."""
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise ConfigError(f"{where}.{key} must be a date (YYYY, YYYY-MM or YYYY-MM-DD), "
                          f"not {value!r}", path)
    match = _WHEN.match(text)
    try:
        if match is None:
            raise ValueError
        year, month, day = (int(g) if g else 1 for g in match.groups())
        first = dt.date(year, month, day)
    except ValueError:
        raise ConfigError(f"{where}.{key} {text!r} is not a date (YYYY, YYYY-MM or "
                          "YYYY-MM-DD)", path) from None
    today = today or dt.date.today()
    if first > today and not future:
        raise ConfigError(f"{where}.{key} {text!r} is in the future: a claim is dated when "
                          "it was made (today is " + today.isoformat() + ")", path)
    return text


def _table(raw: dict[str, Any], key: str, path: Path, *, required: bool = True) -> dict[str, Any]:
    value = raw.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"a [{key}] table is required", path)
    return value


def _string(table: dict[str, Any], key: str, path: Path, where: str, *,
            required: bool = True) -> str:
    value = table.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}.{key} must be a non-empty string", path)
    if "\x00" in value:
        raise ConfigError(f"{where}.{key} holds a NUL character", path)
    return value


def _text(table: dict[str, Any], key: str, path: Path, where: str) -> str:
    """An optional free text (quote, note, source): a string, or empty when absent."""
    value = table.get(key, "")
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ConfigError(f"{where}.{key} must be text, not {value!r}", path)
    text = str(value)
    if "\x00" in text:
        raise ConfigError(f"{where}.{key} holds a NUL character", path)
    return text


def _number(table: dict[str, Any], key: str, path: Path, where: str, *,
            required: bool = True) -> float | None:
    value = table.get(key)
    if value is None and not required:
        return None
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not math.isfinite(value) or value < 0):
        raise ConfigError(
            f"{where}.{key} must be a non-negative number, not {value!r}", path
        )
    return float(value)


def _count(table: dict[str, Any], key: str, path: Path, where: str, *,
           required: bool = True) -> int | None:
    value = _number(table, key, path, where, required=required)
    if value is None:
        return None
    if value != int(value):
        raise ConfigError(f"{where}.{key} must be a whole number, not {value:g}", path)
    return int(value)
