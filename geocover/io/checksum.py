"""Checksums of the files read, and the record of one file read (:class:`FileRead`)."""

from __future__ import annotations

import datetime as dt
import hashlib
from os import PathLike
from pathlib import Path

from geocover.schema.provenance import FileRead

_HASH_CACHE: dict[tuple[str, int, int], str] = {}
_CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    """The sha256 of a file's bytes, hex (cached while its size and mtime are unchanged)."""
    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _HASH_CACHE:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                digest.update(chunk)
        _HASH_CACHE[key] = digest.hexdigest()
    return _HASH_CACHE[key]


def modified_date(path: str | Path) -> str:
    """A file's modification date (UTC, ISO): when it was written, not the age of its data."""
    stamp = Path(path).stat().st_mtime
    return dt.datetime.fromtimestamp(stamp, dt.UTC).date().isoformat()


def shown_path(path: str | Path, bundle: str | PathLike[str] | None = None) -> str:
    """``bundle:<path inside the bundle>``, else relative to the working folder when
    inside it, else absolute."""
    resolved = Path(path).resolve()
    if bundle is not None:
        try:
            return "bundle:" + resolved.relative_to(Path(bundle).resolve()).as_posix()
        except ValueError:
            pass
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(resolved)


def file_read(path: str | Path, bundle: str | PathLike[str] | None = None) -> FileRead:
    """The record of one file read: shown path, sha256, size, modification date."""
    path = Path(path)
    return FileRead(shown_path(path, bundle), sha256_file(path), path.stat().st_size,
                    modified_date(path))
