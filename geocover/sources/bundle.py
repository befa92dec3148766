"""The offline bundle's manifest, ``bundle.json``: the date, licence and attribution of
each file or folder.

A bundle is a folder laid out like ``../shared/data``. Its ``bundle.json`` maps paths
(relative to the bundle; a path ending in ``/`` covers every file under it) to
``source``, ``vintage`` (the date of the data itself), ``licence`` and
``attribution``. A file's modification date says nothing about the age of its data, so
a bundle without a manifest, or a file the manifest does not list, has its date
unknown (:data:`~geocover.schema.provenance.DATE_UNKNOWN`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from geocover.errors import DataError
from geocover.schema.provenance import DATE_UNKNOWN, DataDate

MANIFEST = "bundle.json"


@dataclass(frozen=True)
class BundleEntry:
    """What the manifest says of one file or folder."""

    path: str
    source: str | None
    vintage: str | None
    licence: str | None
    attribution: str | None


_CACHE: dict[tuple[str, int, int], dict[str, BundleEntry]] = {}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def read_manifest(bundle: str | PathLike[str]) -> dict[str, BundleEntry] | None:
    """The entries of ``<bundle>/bundle.json`` by path, or None when there is none.

    Raises
    ------
    DataError
        A manifest that is not JSON, or whose ``files`` is not an object of objects.
    """
    path = Path(bundle) / MANIFEST
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key in _CACHE:
        return _CACHE[key]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"not a JSON manifest ({exc})", path) from None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        raise DataError("a bundle manifest needs a 'files' object (path -> entry)", path)
    entries = {}
    for rel, entry in files.items():
        if not isinstance(entry, dict):
            raise DataError(f"entry {rel!r} is not an object", path)
        entries[str(rel)] = BundleEntry(str(rel), _text(entry.get("source")),
                                        _text(entry.get("vintage")), _text(entry.get("licence")),
                                        _text(entry.get("attribution")))
    _CACHE[key] = entries
    return entries


def entry_for(bundle: str | PathLike[str], path: str | PathLike[str]) -> BundleEntry | None:
    """The manifest entry covering ``path`` (a file of the bundle): its own entry, else
    the deepest folder entry above it; None without a manifest or an entry."""
    entries = read_manifest(bundle)
    if not entries:
        return None
    try:
        rel = Path(path).resolve().relative_to(Path(bundle).resolve()).as_posix()
    except ValueError:
        return None
    if rel in entries:
        return entries[rel]
    folders = [k for k in entries if k.endswith("/") and rel.startswith(k)]
    return entries[max(folders, key=len)] if folders else None


def inside(bundle: str | PathLike[str] | None, path: str | PathLike[str]) -> bool:
    """Whether ``path`` lies in the bundle folder."""
    if bundle is None:
        return False
    try:
        Path(path).resolve().relative_to(Path(bundle).resolve())
    except ValueError:
        return False
    return True


def data_date(bundle: str | PathLike[str], path: str | PathLike[str]) -> DataDate:
    """The date of the data of a bundle file, from the manifest.

    Examples
    --------
    >>> data_date("../shared/data",
    ...           "../shared/data/communes/paris-75056-adminexpress2018.geojson").vintage
    '2018'
    """
    if read_manifest(bundle) is None:
        return DataDate(None, f"{DATE_UNKNOWN}: the bundle has no {MANIFEST}")
    entry = entry_for(bundle, path)
    if entry is None:
        return DataDate(None, f"{DATE_UNKNOWN}: not listed in {MANIFEST}")
    basis = MANIFEST if entry.vintage else f"{DATE_UNKNOWN}: no vintage in {MANIFEST}"
    return DataDate(entry.vintage, basis, entry.licence, entry.attribution)
