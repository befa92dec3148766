"""Tags of contributed cameras: schema fields to OSM tags and their checks."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from geocover.schema.blank import is_blank
from geocover.schema.contrib_vocab import (
    _ALIASES,
    _OSM_KEYS,
    CAMERA_TYPE_VALUES,
    MAX_CONTRIB_HEIGHT_M,
    MOUNT_VALUES,
    PROVENANCE_KEYS,
    SURVEILLANCE_TYPE_VALUES,
    SURVEILLANCE_VALUES,
    InputRow,
)
from geocover.schema.tags import (
    parse_date,
    parse_direction,
    parse_height,
    parse_tilt,
)
from geocover.schema.text import _directions_text, tag_text
from geocover.schema.vocab import DIRECTION_KEYS

# --------------------------------------------------------------------------- tags


def schema_tags(record: Mapping[str, Any]) -> dict[str, str]:
    """OSM tags equivalent to the schema fields of a camera (camera layer record)."""
    tags: dict[str, str] = {}
    camera_type = record.get("camera_type")
    if not is_blank(camera_type) and camera_type != "unknown":
        tags["camera:type"] = str(camera_type)
    directions = record.get("directions")
    if isinstance(directions, (list, tuple)) and len(directions):
        tags["camera:direction"] = _directions_text(directions)
    for column, key in (
        ("height_m", "height"), ("tilt_deg", "camera:angle"), ("surveillance", "surveillance"),
        ("surveillance_type", "surveillance:type"), ("zone", "surveillance:zone"),
        ("mount", "camera:mount"), ("operator", "operator"), ("name", "name"),
        ("notes", "note"), ("installed", "start_date"), ("check_date", "check_date"),
    ):
        text = tag_text(record.get(column))
        if text is not None:
            tags[key] = text
    return tags


def _row_tags(
    row: InputRow, shaped: bool
) -> tuple[dict[str, str], str | None, str | None, list[str]]:
    """(tags, given id, location precision, problems) of a row's properties."""
    tags: dict[str, str] = {}
    problems: list[str] = []
    given_id = precision = None
    origin: dict[str, str] = {}
    known = {key: key for key in _OSM_KEYS}

    def put(key: str, value: Any, column: str) -> None:
        text = tag_text(value)
        if text is None:
            return
        if key in tags and tags[key] != text:
            problems.append(
                f"{key} given twice with different values ({origin[key]}={tags[key]!r}, "
                f"{column}={text!r})"
            )
            return
        tags[key] = text
        origin[key] = column

    props = row.props
    if shaped and isinstance(props.get("tags"), Mapping):
        for key, value in props["tags"].items():
            put(str(key), value, "tags")
    for column, value in props.items():
        name = str(column).strip()
        lowered = name.lower()
        if lowered == "id":
            given_id = tag_text(value)
        elif lowered == "location_precision":
            precision = tag_text(value)
        elif lowered == "tags":
            if shaped and isinstance(value, Mapping):
                continue
            try:
                parsed = json.loads(value) if isinstance(value, str) and value.strip() else value
            except ValueError:
                parsed = None
            if is_blank(value):
                continue
            if not isinstance(parsed, Mapping):
                problems.append("tags is not a JSON object of key/value pairs")
                continue
            for key, tag_value in parsed.items():
                put(str(key), tag_value, "tags")
        elif shaped and lowered in ("source", *PROVENANCE_KEYS):
            continue  # provenance of a file geocover wrote, not a tag
        elif lowered == "camera_type" and tag_text(value) == "unknown":
            continue
        elif lowered == "directions" and isinstance(value, list):
            if value:
                try:
                    put("camera:direction", _directions_text(value), column)
                except (TypeError, ValueError):
                    problems.append(f"directions {value!r} is not a list of [start, end] pairs")
        elif lowered in _ALIASES:
            put(_ALIASES[lowered], value, column)
        elif lowered in known:
            put(known[lowered], value, column)
        else:
            put(name, value, column)
    return tags, given_id, precision, problems


_PLAIN_HEIGHT = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)\s*m?", re.IGNORECASE)


def check_camera_tags(tags: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Check contributed tags against the OSM vocabulary and the direction grammar.

    Returns
    -------
    fields : dict
        ``camera_type`` (fixed/dome/panning/unknown) and ``directions`` (the first
        readable direction key), used to tell duplicates from neighbours.
    reasons : list of str
        One per unacceptable value, naming the key, the value and what is expected.
    """
    reasons: list[str] = []
    fields: dict[str, Any] = {"camera_type": "unknown", "directions": []}
    value = tags.get("man_made")
    if value is not None and value != "surveillance":
        reasons.append(f"man_made={value!r}: a camera is man_made=surveillance")
    value = tags.get("camera:type")
    if value is not None:
        if value in CAMERA_TYPE_VALUES:
            fields["camera_type"] = "fixed" if value == "static" else value
        else:
            reasons.append(
                f"camera:type={value!r} is not an OSM value (fixed, dome, panning or static)"
            )
    value = tags.get("surveillance")
    if value is not None and value not in SURVEILLANCE_VALUES:
        reasons.append(f"surveillance={value!r} is not an OSM value (public, outdoor or indoor)")
    value = tags.get("surveillance:type")
    if value == "guard":
        reasons.append(
            "surveillance:type='guard' is a guard, not a camera: geocover takes cameras "
            "(camera or ALPR)"
        )
    elif value is not None and value not in SURVEILLANCE_TYPE_VALUES:
        reasons.append(f"surveillance:type={value!r} is not an OSM camera value (camera or ALPR)")
    value = tags.get("camera:mount")
    if value is not None and value not in MOUNT_VALUES:
        reasons.append(f"camera:mount={value!r} is not an OSM value ({', '.join(MOUNT_VALUES)})")
    value = tags.get("height")
    if value is not None:
        out_of_range = (
            f"height={value!r} is out of range: a camera height is more than 0 and at most "
            f"{MAX_CONTRIB_HEIGHT_M:g} m"
        )
        try:
            height = parse_height(value)
        except ValueError as exc:
            plain = _PLAIN_HEIGHT.fullmatch(value.strip())
            reasons.append(out_of_range if plain else f"height={value!r}: {exc}")
        else:
            if height > MAX_CONTRIB_HEIGHT_M:
                reasons.append(out_of_range)
    value = tags.get("camera:angle")
    if value is not None:
        try:
            parse_tilt(value)
        except ValueError as exc:
            reasons.append(f"camera:angle={value!r}: {exc}")
    for key in DIRECTION_KEYS:
        value = tags.get(key)
        if value is None:
            continue
        try:
            directions = parse_direction(value)
        except ValueError as exc:
            reasons.append(f"{key}={value!r}: {exc}")
            continue
        if not fields["directions"]:
            fields["directions"] = directions
    for key in ("start_date", "check_date", "survey:date"):
        value = tags.get(key)
        if value is not None:
            try:
                parse_date(value)
            except ValueError as exc:
                reasons.append(f"{key}={value!r}: {exc}")
    return fields, reasons
