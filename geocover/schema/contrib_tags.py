"""Tags of contributed cameras: schema fields to OSM tags and their checks."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from geocover.schema.blank import is_blank
from geocover.schema.contrib_vocab import (
    _ALIASES,
    _OSM_KEYS,
    MAX_CONTRIB_HEIGHT_M,
    MOUNT_VALUES,
    PROVENANCE_KEYS,
    InputRow,
)
from geocover.schema.tags import is_camera_surveillance_type, parse_date, parse_tags
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
#: The order in which a refused row's reasons are given.
_REASON_ORDER: tuple[str, ...] = (
    "man_made", "camera:type", "surveillance", "surveillance:type", "camera:mount", "height",
    "camera:angle", *DIRECTION_KEYS, "start_date", "check_date", "survey:date",
)


def check_camera_tags(tags: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Read contributed tags with the one tag grammar, then apply the contribution policy.

    The tags are read by :func:`geocover.schema.tags.parse_tags`, exactly as OSM data,
    official lists and camera files are (same values, same case rules, same messages).
    A contribution then refuses (:data:`CONTRIBUTION_POLICY`, ``docs/contributing.md``):

    1. any value the grammar cannot read (OSM data keeps it with a :class:`Problem`
       and uses a default: a contributor can fix the row now);
    2. a ``height`` above :data:`MAX_CONTRIB_HEIGHT_M` (100 m; the grammar reads up to
       300 m);
    3. ``camera:type=unknown`` (not an OSM value: leave the tag out);
    4. ``man_made`` other than ``surveillance``;
    5. a ``surveillance:type`` that is not a camera (``guard``…: OSM elements of that
       kind are left out of the camera layer);
    6. a ``camera:mount`` outside :data:`MOUNT_VALUES` (OSM data keeps any text);
    7. an unreadable ``survey:date`` even when ``check_date`` is readable (OSM reads
       ``survey:date`` only in place of ``check_date``).

    Returns
    -------
    fields : dict
        The schema fields the grammar read (``camera_type``, ``directions``…), used to
        tell duplicates from neighbours.
    reasons : list of str
        One per unacceptable value, ``key=value: what is wrong``.
    """
    fields, problems = parse_tags(tags)
    found: dict[str, list[str]] = {}

    def refuse(key: str, reason: str) -> None:
        found.setdefault(key, []).append(reason)

    height_limit = (
        "is out of range: a camera height is more than 0 and at most "
        f"{MAX_CONTRIB_HEIGHT_M:g} m"
    )
    for problem in problems:
        if problem.key == "height" and _PLAIN_HEIGHT.fullmatch(str(problem.value).strip()):
            refuse("height", f"height={problem.value!r} {height_limit}")
        else:
            refuse(problem.key, f"{problem.key}={problem.value!r}: {problem.error}")
    if not math.isnan(fields["height_m"]) and fields["height_m"] > MAX_CONTRIB_HEIGHT_M:
        refuse("height", f"height={tags['height']!r} {height_limit}")
    value = tags.get("camera:type")
    if value is not None and "camera:type" not in found and fields["camera_type"] == "unknown":
        refuse("camera:type", f"camera:type={value!r} is not an OSM value: leave the tag out "
               "when the type is unknown")
    value = tags.get("man_made")
    if value is not None and value != "surveillance":
        refuse("man_made", f"man_made={value!r}: a camera is man_made=surveillance")
    value = tags.get("surveillance:type")
    if value is not None and value.strip().lower() == "guard":
        refuse("surveillance:type",
               f"surveillance:type={value!r} is a guard, not a camera: geocover takes cameras "
               "(camera or ALPR)")
    elif value is not None and not is_camera_surveillance_type(value):
        refuse("surveillance:type",
               f"surveillance:type={value!r} is not an OSM camera value (camera or ALPR)")
    value = tags.get("camera:mount")
    if value is not None and value.strip().lower() not in MOUNT_VALUES:
        refuse("camera:mount",
               f"camera:mount={value!r} is not an OSM value ({', '.join(MOUNT_VALUES)})")
    value = tags.get("survey:date")
    if value is not None and "survey:date" not in found:
        try:
            parse_date(value)
        except ValueError as exc:
            refuse("survey:date", f"survey:date={value!r}: {exc}")
    order = {key: i for i, key in enumerate(_REASON_ORDER)}
    reasons = [r for key in sorted(found, key=lambda k: order.get(k, len(order)))
               for r in found[key]]
    return fields, reasons


#: What a contribution refuses beyond the tag grammar (see :func:`check_camera_tags`).
CONTRIBUTION_POLICY: tuple[str, ...] = (
    "a value the grammar cannot read",
    f"a height above {MAX_CONTRIB_HEIGHT_M:g} m",
    "camera:type=unknown",
    "man_made other than surveillance",
    "a surveillance:type that is not a camera",
    "a camera:mount that is not an OSM value",
    "an unreadable survey:date",
)
