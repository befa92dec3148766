"""A city's own camera lists (``[[lists]]`` of ``city.toml``) and a claim's scope, checked.

Both are read against the vocabularies of :mod:`geocover.schema.scope`: a declared list
states its operator, whether it is exhaustive and its vintage; a claim what it counts,
whose cameras and where. Read by :mod:`geocover.sources.city` (which re-exports
:data:`LIST_OPERATORS`); the schema is documented in ``docs/city-toml.md``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from geocover.errors import ConfigError
from geocover.schema.city import CityList
from geocover.schema.scope import (
    COUNTS,
    DEFAULT_COUNTS,
    OPERATOR_CLASSES,
    WHERE,
    WHOSE,
    ClaimScope,
)
from geocover.schema.vocab import CAMERA_COLUMNS, PRECISIONS
from geocover.sources.city_fields import _string, _text, _when

#: A declared list's name names its cameras' ids (``list:<name>:<record>``).
_LIST_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
#: Operator scopes a declared list may state: one operator's list, or mixed (per camera).
LIST_OPERATORS: tuple[str, ...] = ("mixed", *(c for c in OPERATOR_CLASSES if c != "unknown"))
_LIST_KEYS = frozenset({"name", "file", "columns", "precision", "lat", "lon",
                        "installed_format", "operator", "exhaustive", "vintage", "family",
                        "source", "licence", "attribution"})


def _own_lists(raw: dict[str, Any], path: Path, *, catalogue: frozenset[str]
               ) -> tuple[CityList, ...]:
    """The city's own camera lists (``[[lists]]``), each checked whole: its file exists,
    its columns name schema columns, its precision, operator and vintage are valid."""
    entries = raw.get("lists", [])
    if not isinstance(entries, list):
        raise ConfigError("lists must be an array of tables ([[lists]])", path)
    out: list[CityList] = []
    for i, entry in enumerate(entries, start=1):
        where = f"lists[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where} must be a table", path)
        unknown = sorted(set(entry) - _LIST_KEYS)
        if unknown:
            raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: "
                              f"{', '.join(sorted(_LIST_KEYS))})", path)
        name = _string(entry, "name", path, where)
        if not _LIST_NAME.match(name):
            raise ConfigError(f"{where}.name {name!r} must be a plain lower-case name "
                              "(letters, digits, '-', '_', '.'): it names the list's camera "
                              "ids", path)
        where = f"{where} ({name})"
        if name in catalogue:
            raise ConfigError(f"{where}: {name!r} is a list geocover already knows; name "
                              "the city's own list otherwise", path)
        if any(o.name == name for o in out):
            raise ConfigError(f"{where}: two lists are named {name!r}", path)
        text = _string(entry, "file", path, where)
        file = Path(text) if Path(text).is_absolute() else path.parent / text
        if not file.is_file():
            what = ("a folder, not a file" if file.is_dir() else
                    "not a regular file" if os.path.lexists(file) else "no such file")
            raise ConfigError(f"{where}.file {text!r}: {what} ({file})", path)
        if file.resolve() == path.resolve():
            raise ConfigError(f"{where}.file {text!r} is the configuration itself", path)
        columns = entry.get("columns", {})
        if not isinstance(columns, dict) or not all(
                isinstance(k, str) and isinstance(v, str) and v.strip()
                for k, v in columns.items()):
            raise ConfigError(f"{where}.columns must be a table of schema column = "
                              "\"the file's column\"", path)
        bad = sorted(set(columns) - set(CAMERA_COLUMNS[:-1]))
        if bad:
            raise ConfigError(f"{where}.columns: {bad[0]!r} is not a column of the camera "
                              f"schema (known: {', '.join(CAMERA_COLUMNS[:-1])})", path)
        precision = entry.get("precision")
        if isinstance(precision, str):
            if precision not in PRECISIONS:
                raise ConfigError(f"{where}.precision {precision!r} is not one of "
                                  f"{', '.join(PRECISIONS)}", path)
        elif isinstance(precision, dict):
            if "location_precision" not in columns:
                raise ConfigError(f"{where}.precision is a table of the file's values: map "
                                  "a column to location_precision in columns", path)
            odd = [v for v in precision.values() if v not in PRECISIONS]
            if odd:
                raise ConfigError(f"{where}.precision translates to {odd[0]!r}, not one of "
                                  f"{', '.join(PRECISIONS)}", path)
        elif precision is not None or "location_precision" not in columns:
            raise ConfigError(f"{where}.precision: say how precisely the list places its "
                              f"cameras ({', '.join(PRECISIONS)}), or map a column to "
                              "location_precision: it is never guessed", path)
        operator = entry.get("operator", "mixed")
        if operator not in LIST_OPERATORS:
            raise ConfigError(f"{where}.operator: {operator!r} is not one of "
                              f"{', '.join(LIST_OPERATORS)}", path)
        exhaustive = entry.get("exhaustive", False)
        if not isinstance(exhaustive, bool):
            raise ConfigError(f"{where}.exhaustive must be true or false", path)
        if exhaustive and operator == "mixed":
            raise ConfigError(f"{where}: a list of mixed operators cannot be exhaustive "
                              "(exhaustive for whom?): name its operator", path)
        vintage = _when(entry, "vintage", path, where)
        if vintage is None:
            raise ConfigError(f"{where}.vintage is required: the date of the list's data "
                              "(YYYY, YYYY-MM or YYYY-MM-DD), not of its file", path)
        fmt = entry.get("installed_format")
        if fmt is not None and (not isinstance(fmt, str) or "%" not in fmt):
            raise ConfigError(f"{where}.installed_format must be a strptime format such "
                              "as \"%d/%m/%Y\"", path)
        if fmt is not None and "installed" not in columns:
            raise ConfigError(f"{where}.installed_format: map a column to installed in "
                              "columns first", path)
        out.append(CityList(
            name=name, file=file, entry=where, vintage=vintage, columns=dict(columns),
            precision=dict(precision) if isinstance(precision, dict) else precision,
            lat=_string(entry, "lat", path, where, required=False) or None,
            lon=_string(entry, "lon", path, where, required=False) or None,
            installed_format=fmt, operator=operator, exhaustive=exhaustive,
            family=_string(entry, "family", path, where, required=False) or name,
            source=_text(entry, "source", path, where) or name,
            licence=_text(entry, "licence", path, where),
            attribution=_text(entry, "attribution", path, where),
        ))
    return tuple(out)


def _scope(entry: dict[str, Any], kind: str, as_of: str | None, path: Path,
           where: str) -> ClaimScope:
    """A claim's scope: ``counts``, ``whose``, ``where`` (defaults by kind) and ``as_of``."""
    values = {}
    for key, vocabulary, default in (
        ("counts", COUNTS, DEFAULT_COUNTS[kind]),
        ("whose", WHOSE, "any"),
        ("where", WHERE, "commune"),
    ):
        value = entry.get(key, default)
        if value not in vocabulary:
            raise ConfigError(
                f"{where}.{key}: {value!r} is not one of {', '.join(vocabulary)}", path
            )
        values[key] = value
    if kind == "camera_count" and values["counts"] not in ("camera_sites", "cameras"):
        raise ConfigError(f"{where}.counts: a camera_count counts camera_sites or cameras", path)
    return ClaimScope(counts=values["counts"], whose=values["whose"], where=values["where"],
                      as_of=as_of or (str(entry["date"]) if entry.get("date") else None))
