"""The OSM camera tag grammar: one reading of every camera tag, with problems reported."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from geocover import settings
from geocover.schema.blank import text_or_none
from geocover.schema.vocab import (
    CAMERA_SURVEILLANCE_TYPES,
    CAMERA_TYPE_ALIASES,
    CAMERA_TYPES,
    DIRECTION_KEYS,
    MAX_CAMERA_HEIGHT_M,
    SURVEILLANCE_VALUES,
)


@dataclass(frozen=True)
class Problem:
    """A value that could not be used as given.

    The value is kept in the camera's ``tags`` and a documented default is used
    instead; a problem tells the mapper what to fix.

    Parameters
    ----------
    id : str
        The camera's id (``osm:node/123``, ``list:paris-bovp2019:1051``…).
    key : str
        The tag or column that holds the value.
    value : object
        The value as found.
    reason : str
        What is wrong, and what was done instead.
    error : str
        What is wrong only: the grammar's message (a contribution, refused rather than
        given a default, says this).
    """

    id: str
    key: str
    value: Any
    reason: str
    error: str = field(default="", compare=False)

    def __str__(self) -> str:
        return f"{self.id}: {self.key}={self.value!r}: {self.reason}"


# --------------------------------------------------------------------------- tag grammar

_COMPASS: dict[str, float] = {
    name: index * 22.5
    for index, name in enumerate(
        ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
         "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"]
    )
}
_DEGREES = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)")


def _bearing(token: str, item: str) -> float:
    """Degrees clockwise from north of one token (number or compass letters), not normalised."""
    upper = token.upper()
    if upper in _COMPASS:
        return _COMPASS[upper]
    if _DEGREES.fullmatch(token):
        return float(token)
    if re.fullmatch(r"\d+,\d+", token):
        hint = "; use '.' as the decimal separator"
    elif token.endswith("°"):
        hint = "; drop the degree sign"
    elif re.fullmatch(r"[A-Za-z]+", token):
        hint = "; compass directions are the 16 points N, NNE, NE, ENE, E, … NW, NNW"
    else:
        hint = ""
    raise ValueError(
        f"{token!r} in {item!r} is neither degrees (0-360 clockwise from north) "
        f"nor a compass direction{hint}"
    )


def _direction_item(item: str) -> tuple[float, float]:
    if "-" not in item:
        degrees = _bearing(item, item) % 360
        return (degrees, degrees)
    start, _, end = (part.strip() for part in item.partition("-"))
    if not start:
        raise ValueError(
            f"{item!r} has no start: negative degrees are not allowed "
            "(write 270, not -90) and a range is 'start-end'"
        )
    if not end or "-" in end:
        raise ValueError(f"{item!r} is not a range 'start-end' (one '-', a value on each side)")
    raw_start, raw_end = _bearing(start, item), _bearing(end, item)
    start_deg, end_deg = raw_start % 360, raw_end % 360
    if start_deg == end_deg and raw_start != raw_end:
        return (0.0, 360.0)  # 0-360: all round
    return (start_deg, end_deg)


def parse_direction(value: str) -> list[tuple[float, float]]:
    """Parse a ``camera:direction`` value into clockwise degree ranges.

    Grammar: a ``;``-separated list of items; an item is a direction or a range
    ``start-end`` read clockwise. A direction is degrees (integer or decimal,
    clockwise from north, normalised modulo 360) or one of the 16 compass points
    (N, NNE, NE, ENE, E, ESE, SE, SSE, S, SSW, SW, WSW, W, WNW, NW, NNW, any case).
    Whitespace around items and around ``-`` is ignored.

    Parameters
    ----------
    value : str
        The tag value.

    Returns
    -------
    list of (float, float)
        One ``(start, end)`` pair per item, both in [0, 360). An exact direction
        ``d`` gives ``(d, d)``; a range through north has ``start > end``
        (``350-10`` gives ``(350, 10)``); ``0-360`` (all round) gives ``(0, 360)``.

    Raises
    ------
    ValueError
        When the value does not follow the grammar; the message says what is wrong.

    Examples
    --------
    >>> parse_direction("370")
    [(10.0, 10.0)]
    >>> parse_direction("NE; 350-10")
    [(45.0, 45.0), (350.0, 10.0)]
    """
    if not isinstance(value, str):
        raise ValueError(f"a direction is text, not {type(value).__name__}")
    if not value.strip():
        raise ValueError("empty direction")
    ranges = []
    for item in value.split(";"):
        item = item.strip()
        if not item:
            raise ValueError(f"empty item in the ';'-separated list {value!r}")
        ranges.append(_direction_item(item))
    return ranges


def parse_camera_type(value: str) -> str:
    """Parse ``camera:type``: ``fixed``, ``dome`` or ``panning`` (``static`` means fixed).

    Parameters
    ----------
    value : str
        The tag value (case and surrounding spaces ignored).

    Returns
    -------
    str
        One of :data:`CAMERA_TYPES`.

    Raises
    ------
    ValueError
        For any other value (the normalizers then use ``unknown`` and report it).
    """
    text = str(value).strip().lower()
    if text in CAMERA_TYPES:
        return text
    if text in CAMERA_TYPE_ALIASES:
        return CAMERA_TYPE_ALIASES[text]
    raise ValueError("not an OSM value (fixed, dome, panning or static)")


def _number_with_unit(value: str, what: str) -> float:
    text = str(value).strip()
    if re.search(r"(['\"′″]|\bft\b|feet|foot)", text, flags=re.IGNORECASE):
        raise ValueError(f"{what} in feet is not supported: give metres (e.g. 5 or 5 m)")
    if re.fullmatch(r"-?\d+,\d+\s*m?", text):
        raise ValueError(f"{what} {value!r}: use '.' as the decimal separator")
    match = re.fullmatch(r"(-?(?:\d+(?:\.\d*)?|\.\d+))\s*(m|metres|meters)?", text, re.IGNORECASE)
    if not match:
        raise ValueError(f"{what} {value!r} is not a number of metres (e.g. 5, 4.5 or 5 m)")
    return float(match.group(1))


def parse_height(value: str | float) -> float:
    """Parse a camera's ``height`` in metres: ``5``, ``4.5``, ``5 m``, ``5m``.

    Raises
    ------
    ValueError
        For feet, other units, text, or a height not in (0, :data:`MAX_CAMERA_HEIGHT_M`].
    """
    height = float(value) if isinstance(value, (int, float)) else _number_with_unit(value, "height")
    if not 0 < height <= MAX_CAMERA_HEIGHT_M:
        raise ValueError(
            f"height {value!r} is implausible for a camera "
            f"(expected more than 0 and at most {MAX_CAMERA_HEIGHT_M:g} m)"
        )
    return height


def parse_tilt(value: str | float) -> float:
    """Parse ``camera:angle``: degrees below the horizontal, 0 (horizontal) to 90 (straight down).

    Raises
    ------
    ValueError
        For anything but a number in [0, 90].
    """
    if isinstance(value, (int, float)):
        tilt = float(value)
    else:
        text = str(value).strip()
        if not re.fullmatch(r"-?(?:\d+(?:\.\d*)?|\.\d+)", text):
            raise ValueError(f"camera angle {value!r} is not a number of degrees (e.g. 15)")
        tilt = float(text)
    if not 0 <= tilt <= 90:
        raise ValueError(
            f"camera angle {value!r} is out of range: degrees below the horizontal, 0 to 90"
        )
    return tilt


def parse_surveillance(value: str) -> str:
    """Parse ``surveillance``: ``public``, ``outdoor`` or ``indoor`` (case ignored).

    Raises
    ------
    ValueError
        For any other value.
    """
    text = str(value).strip().lower()
    if text not in SURVEILLANCE_VALUES:
        raise ValueError("not an OSM value (public, outdoor or indoor)")
    return text


def is_camera_surveillance_type(value: str) -> bool:
    """Whether a ``surveillance:type`` value is a camera (``camera``, ``ALPR``; case ignored).

    >>> is_camera_surveillance_type("ALPR"), is_camera_surveillance_type("guard")
    (True, False)
    """
    return str(value).strip().lower() in CAMERA_SURVEILLANCE_TYPES


def parse_date(value: str) -> str:
    """Check an OSM-style date (``check_date``, ``start_date``): ``YYYY``, ``YYYY-MM`` or
    ``YYYY-MM-DD``.

    Returns
    -------
    str
        The date as given, stripped (ISO 8601, possibly reduced precision).

    Raises
    ------
    ValueError
        For any other form or an impossible date (``2023-02-30``).
    """
    text = str(value).strip()
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text)
    if not match:
        raise ValueError(f"date {value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        dt.date(year or 1, month or 1, day or 1)
    except ValueError as exc:
        raise ValueError(f"date {value!r} does not exist ({exc})") from None
    return text


# ------------------------------------------------------------------------ tags → fields


def _default_fields() -> dict[str, Any]:
    return {
        "camera_type": "unknown",
        "directions": [],
        "height_m": math.nan,
        "tilt_deg": math.nan,
        "surveillance": None,
        "surveillance_type": None,
        "zone": None,
        "mount": None,
        "operator": None,
        "installed": None,
        "check_date": None,
        "name": None,
        "notes": None,
    }


_HEIGHT_DEFAULT_NOTE = (
    f"height left unknown (the field-of-view model assumes {settings.DEFAULT_HEIGHT_M:g} m)"
)
_TILT_DEFAULT_NOTE = (
    f"tilt left unknown (the field-of-view model assumes {settings.DEFAULT_TILT_DEG:g}°)"
)


def parse_tags(tags: Mapping[str, Any], id: str = "") -> tuple[dict[str, Any], list[Problem]]:
    """Read a camera's schema fields from its OSM tags.

    Keys read: ``camera:type``; ``camera:direction``, else ``direction``, else
    ``surveillance:direction`` (a malformed value is reported and the next key is
    tried); ``height``; ``camera:angle``; ``surveillance``; ``surveillance:type``;
    ``surveillance:zone``; ``camera:mount``; ``operator``; ``start_date``
    (→ ``installed``); ``check_date`` (else ``survey:date``); ``name``; ``note``
    (else ``description``, → ``notes``).

    Parameters
    ----------
    tags : mapping
        The raw tags; values that are not text are read as their text.
    id : str
        The camera's id, used in the problems.

    Returns
    -------
    fields : dict
        ``camera_type``, ``directions``, ``height_m``, ``tilt_deg``, ``surveillance``,
        ``surveillance_type``, ``zone``, ``mount``, ``operator``, ``installed``,
        ``check_date``, ``name``, ``notes``. Unknown values are ``unknown`` (type),
        ``[]`` (directions), NaN (height, tilt) or None.
    problems : list of Problem
        One per value that could not be used.
    """
    fields = _default_fields()
    problems: list[Problem] = []

    value = text_or_none(tags.get("camera:type"))
    if value is not None:
        try:
            fields["camera_type"] = parse_camera_type(value)
        except ValueError as exc:
            problems.append(Problem(id, "camera:type", value, f"{exc}; using 'unknown'", str(exc)))

    failed: list[tuple[str, str, str]] = []
    used = None
    for key in DIRECTION_KEYS:
        value = text_or_none(tags.get(key))
        if value is None:
            continue
        try:
            fields["directions"] = parse_direction(value)
        except ValueError as exc:
            failed.append((key, value, str(exc)))
            continue
        used = key
        break
    for key, value, reason in failed:
        then = f"used {used} instead" if used else "direction left unknown"
        problems.append(Problem(id, key, value, f"{reason}; {then}", reason))

    simple = (
        ("height", "height_m", parse_height, _HEIGHT_DEFAULT_NOTE),
        ("camera:angle", "tilt_deg", parse_tilt, _TILT_DEFAULT_NOTE),
        ("surveillance", "surveillance", parse_surveillance, "left empty"),
        ("start_date", "installed", parse_date, "installation date left empty"),
    )
    for key, column, parser, fallback in simple:
        value = text_or_none(tags.get(key))
        if value is None:
            continue
        try:
            fields[column] = parser(value)
        except ValueError as exc:
            problems.append(Problem(id, key, value, f"{exc}; {fallback}", str(exc)))

    for key in ("check_date", "survey:date"):
        value = text_or_none(tags.get(key))
        if value is None:
            continue
        try:
            fields["check_date"] = parse_date(value)
            break
        except ValueError as exc:
            problems.append(Problem(id, key, value, f"{exc}; check date left empty", str(exc)))

    for key, column in (
        ("surveillance:type", "surveillance_type"),
        ("surveillance:zone", "zone"),
        ("camera:mount", "mount"),
        ("operator", "operator"),
        ("name", "name"),
    ):
        fields[column] = text_or_none(tags.get(key))
    fields["notes"] = text_or_none(tags.get("note")) or text_or_none(tags.get("description"))
    return fields, problems
