"""Duplicates among contributed cameras and the store."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geocover.schema.blank import is_blank

# --------------------------------------------------------------------------- duplicates


def _conflict(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Two cameras with different known types or directions are two cameras, even on
    the same pole."""
    types = (a.get("camera_type") or "unknown", b.get("camera_type") or "unknown")
    if "unknown" not in types and types[0] != types[1]:
        return True
    da = [tuple(map(float, p)) for p in a.get("directions") or []]
    db = [tuple(map(float, p)) for p in b.get("directions") or []]
    return bool(da) and bool(db) and da != db


@dataclass
class _Entry:
    id: str
    x: float
    y: float
    fields: dict[str, Any]
    label: str
    existing: int | None = None  # feature index in the stored file
    pending: int | None = None  # index in the accepted list


class _Grid:
    """A spatial hash of cameras in metric coordinates, cell = the duplicate distance."""

    def __init__(self, size: float):
        self.size = size
        self.cells: dict[tuple[int, int], list[_Entry]] = {}

    def _cell(self, x: float, y: float) -> tuple[int, int]:
        return (math.floor(x / self.size), math.floor(y / self.size))

    def add(self, entry: _Entry) -> None:
        self.cells.setdefault(self._cell(entry.x, entry.y), []).append(entry)

    def nearest(self, x: float, y: float, fields: Mapping[str, Any]) -> tuple[_Entry, float] | None:
        cx, cy = self._cell(x, y)
        best: tuple[_Entry, float] | None = None
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for entry in self.cells.get((cx + dx, cy + dy), []):
                    distance = math.hypot(entry.x - x, entry.y - y)
                    if (distance <= self.size and not _conflict(entry.fields, fields)
                            and (best is None or distance < best[1])):
                        best = (entry, distance)
        return best


def _unknown_field(value: Any) -> bool:
    """Blank, an empty list, or the schema's ``unknown`` (camera_type): nothing known."""
    return is_blank(value, containers=True) or value == "unknown"


_MERGED_FIELDS = (
    "camera_type", "directions", "height_m", "tilt_deg", "surveillance", "surveillance_type",
    "zone", "mount", "operator", "installed", "check_date", "name", "notes",
)


def _merge_properties(target: dict[str, Any], source: Mapping[str, Any]) -> tuple[bool, list[str]]:
    """Fill ``target``'s missing fields and tags from ``source``; never overwrite.
    Returns (changed, conflicts)."""
    changed = False
    conflicts: list[str] = []
    tags = target.setdefault("tags", {})
    for key, value in (source.get("tags") or {}).items():
        if key not in tags:
            tags[key] = value
            changed = True
        elif str(tags[key]) != str(value):
            conflicts.append(f"{key}: kept {tags[key]!r}, the file says {value!r}")
    for column in _MERGED_FIELDS:
        if _unknown_field(target.get(column)) and not _unknown_field(source.get(column)):
            target[column] = source[column]
            changed = True
    return changed, conflicts
