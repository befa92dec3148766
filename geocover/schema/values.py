"""Schema values: typed columns of the camera layer from stored values."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from geocover.errors import DataError
from geocover.schema.blank import is_blank
from geocover.schema.tags import (
    _HEIGHT_DEFAULT_NOTE,
    _TILT_DEFAULT_NOTE,
    Problem,
    parse_camera_type,
    parse_date,
    parse_direction,
    parse_height,
    parse_surveillance,
    parse_tilt,
)
from geocover.schema.vocab import PRECISIONS

# ------------------------------------------------------------------------ schema values


def _directions_value(value: Any) -> list[tuple[float, float]]:
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError(f"directions {value!r} is not a JSON list of [start, end]") from None
    if isinstance(value, str):
        return parse_direction(value)
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"directions must be a list of [start, end] pairs, not {value!r}")
    pairs = []
    for pair in value:
        if (
            not isinstance(pair, (list, tuple))
            or len(pair) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pair)
        ):
            raise ValueError(f"directions: {pair!r} is not a [start, end] pair of degrees")
        start, end = float(pair[0]), float(pair[1])
        if not (0 <= start <= 360 and 0 <= end <= 360):
            raise ValueError(f"directions: {pair!r} is not within 0-360 degrees")
        pairs.append((start, end))
    return pairs


def _tags_value(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError("tags is not a JSON object") from None
    if not isinstance(value, Mapping):
        raise ValueError("tags must be an object of key/value pairs")
    return dict(value)


def _precision_value(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in PRECISIONS:
        raise ValueError(
            f"unknown location precision {value!r}: expected {', '.join(PRECISIONS)}"
        )
    return text


_SCHEMA_PARSERS: dict[str, tuple[Any, str]] = {
    "camera_type": (parse_camera_type, "using 'unknown'"),
    "directions": (_directions_value, "direction left unknown"),
    "height_m": (parse_height, _HEIGHT_DEFAULT_NOTE),
    "tilt_deg": (parse_tilt, _TILT_DEFAULT_NOTE),
    "surveillance": (parse_surveillance, "left empty"),
    "installed": (parse_date, "installation date left empty"),
    "check_date": (parse_date, "check date left empty"),
    "location_precision": (_precision_value, "using 'commune' (the coarsest)"),
}
_FREE_TEXT = ("source", "surveillance_type", "zone", "mount", "operator", "name", "notes")


def _apply_schema(
    fields: dict[str, Any], values: Mapping[str, Any], cid: str, problems: list[Problem]
) -> None:
    """Overwrite ``fields`` with the non-empty schema-named ``values``, reporting bad ones."""
    for column, value in values.items():
        empty_container = isinstance(value, (list, dict)) and not value and column != "directions"
        if is_blank(value) or empty_container:
            continue
        if column in _SCHEMA_PARSERS:
            parser, fallback = _SCHEMA_PARSERS[column]
            try:
                fields[column] = parser(value)
            except ValueError as exc:
                problems.append(Problem(cid, column, value, f"{exc}; {fallback}"))
                if column == "location_precision":
                    fields[column] = "commune"
        elif column in _FREE_TEXT:
            fields[column] = str(value).strip()


def _check_ids(ids: list[str], rows: list[int], path: Path | None) -> None:
    seen: dict[str, int] = {}
    for cid, row in zip(ids, rows, strict=True):
        if cid in seen:
            raise DataError(f"duplicate id {cid!r} (also row {seen[cid]})", path, row)
        seen[cid] = row
