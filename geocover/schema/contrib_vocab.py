"""The vocabulary of contributed cameras: accepted OSM values and column names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from geocover.schema.vocab import DIRECTION_KEYS

#: Contributed heights above this are refused (metres): street cameras are on walls
#: and poles; a larger number is almost always a typo or another unit.
MAX_CONTRIB_HEIGHT_M: float = 100.0

#: The reason given when the coordinates fit the commune once swapped.
SWAPPED = "latitude and longitude look swapped"

#: OSM values accepted for ``camera:mount``.
MOUNT_VALUES: tuple[str, ...] = (
    "wall", "pole", "ceiling", "street_lamp", "traffic_signals", "building", "roof",
    "bridge", "gantry", "mast", "tree",
)
#: Feature properties that record who added a camera and when; never OSM tags.
PROVENANCE_KEYS: tuple[str, ...] = ("contributor", "contributor_ref", "added")
#: Tags that identify a camera together with its rounded position (see contribution_id).
ID_TAGS: tuple[str, ...] = (
    "camera:type", "camera:direction", "direction", "surveillance:direction", "height",
    "surveillance:type",
)

#: Schema column names a contributor may use instead of the OSM keys.
_ALIASES: dict[str, str] = {
    "camera_type": "camera:type",
    "directions": "camera:direction",
    "camera_direction": "camera:direction",
    "height_m": "height",
    "tilt_deg": "camera:angle",
    "surveillance_type": "surveillance:type",
    "mount": "camera:mount",
    "zone": "surveillance:zone",
    "notes": "note",
    "installed": "start_date",
}
_OSM_KEYS = (
    "man_made", "camera:type", *DIRECTION_KEYS, "height", "camera:angle", "surveillance",
    "surveillance:type", "surveillance:zone", "camera:mount", "operator", "name", "note",
    "description", "start_date", "check_date", "survey:date", "source",
)


@dataclass
class InputRow:
    """One row of a contribution file, as read."""

    number: int
    """Line number in a CSV (the header is line 1), feature number (from 1) in a GeoJSON."""
    original: dict[str, Any]
    """The row as given, for the rejects file."""
    lon: Any = None
    lat: Any = None
    props: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None
    """A reason found while reading (not a Point, ragged CSV row…)."""
