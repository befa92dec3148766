"""Small value-to-text helpers shared by contributions and OSM exports."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from geocover.schema.blank import is_blank

# --------------------------------------------------------------------------- small helpers


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _coord_text(value: float) -> str:
    return f"{value:.7f}".rstrip("0").rstrip(".")


def _directions_text(pairs: Iterable[Iterable[float]]) -> str:
    items = []
    for start, end in pairs:
        if start == end:
            items.append(_number_text(start))
        else:
            items.append(f"{_number_text(start)}-{_number_text(end)}")
    return ";".join(items)


def tag_text(value: Any) -> str | None:
    """A property value as OSM tag text (None when empty)."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return _number_text(float(value))
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip()


def _today(today: dt.date | None) -> dt.date:
    return today or dt.date.today()


def _dump_collection(data: Mapping[str, Any]) -> bytes:
    """A FeatureCollection with one feature per line: small diffs when it is versioned."""
    head = [f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
            for k, v in data.items() if k != "features"]
    features = [json.dumps(f, ensure_ascii=False, allow_nan=False)
                for f in data.get("features", [])]
    body = "{\n" + "".join(f"{line},\n" for line in head) + '"features": ['
    body += ("\n" + ",\n".join(features) + "\n") if features else ""
    return (body + "]\n}\n").encode("utf-8")


def display_path(path: str | Path) -> str:
    """A path as a reader should see it: relative to the current folder or to the
    checkout when it lies inside them (a report must not show the author's home)."""
    path = Path(path)
    try:
        absolute = path.resolve()
    except OSError:
        return str(path)
    from geocover import settings

    for base in (Path.cwd(), settings.default_data_dir().resolve().parent):
        try:
            return str(absolute.relative_to(base.resolve()))
        except ValueError:
            continue
    return str(path)
