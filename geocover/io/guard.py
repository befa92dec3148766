"""Guards at the file boundary: what may be read, and where an output may go.

Reading: only a regular, readable file of sane size is opened (:func:`check_input_file`).
A FIFO would block forever, ``/dev/zero`` (or a symlink to it) never ends, a folder or an
unreadable file would give a traceback deep in GDAL or json; all are refused up front
with one line naming the file.

Writing: an output path (``-o``, ``--rejects``) may never be a store
(``data/<city>/cameras.geojson``, ``perimeters.geojson``), a configuration file
(``city.toml``), a file or folder read by the same command, or a path that cannot be a
file (an existing folder, a path under a file). :func:`check_output_path` compares
resolved paths (symlinks followed) and refuses before anything is computed or written,
so the command touches nothing.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from geocover import settings
from geocover.errors import DataError, UsageError

#: File names that are a city's configuration or stores wherever they lie under a data folder.
PROTECTED_NAMES = ("city.toml", "cameras.geojson", "perimeters.geojson")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_input_file(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> Path:
    """Refuse anything but a regular, readable file of at most ``max_bytes``.

    Parameters
    ----------
    path : path-like
        The file to read (a symlink is followed: its target is judged).
    max_bytes : int, optional
        The size limit (default ``settings.MAX_INPUT_BYTES``).

    Returns
    -------
    Path
        ``path``, unchanged.

    Raises
    ------
    DataError
        Missing, a folder, a FIFO, a device or socket, unreadable, or too large.
    """
    path = Path(path)
    limit = settings.MAX_INPUT_BYTES if max_bytes is None else max_bytes
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if path.is_symlink():
            raise DataError("a symbolic link to a missing file", path) from None
        raise DataError("no such file", path) from None
    except NotADirectoryError:
        raise DataError("no such file (a part of the path is a file, not a folder)", path) from None
    except OSError as exc:
        raise DataError(f"cannot read ({exc.strerror})", path) from None
    if stat.S_ISDIR(info.st_mode):
        raise DataError("a folder, not a file", path)
    if not stat.S_ISREG(info.st_mode):
        raise DataError(f"{_kind(info.st_mode)}, not a regular file: refused", path)
    if info.st_size > limit:
        raise DataError(
            f"{info.st_size / 1e6:.1f} MB, more than the {limit / 1e6:g} MB a file may hold "
            "(GEOCOVER_MAX_INPUT_MB raises the limit)",
            path,
        )
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise DataError(f"cannot read ({exc.strerror})", path) from None
    os.close(fd)
    return path


def read_input_bytes(path: str | os.PathLike[str], *, max_bytes: int | None = None) -> bytes:
    """The bytes of ``path`` once :func:`check_input_file` accepts it (never more than the
    limit, even if the file grows meanwhile)."""
    path = check_input_file(path, max_bytes=max_bytes)
    limit = settings.MAX_INPUT_BYTES if max_bytes is None else max_bytes
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise DataError(f"cannot read ({exc.strerror})", path) from None
    if len(data) > limit:
        raise DataError(f"more than the {limit / 1e6:g} MB a file may hold", path)
    return data


def no_constant(token: str) -> float:
    """``json.loads(..., parse_constant=no_constant)``: NaN and Infinity are not JSON
    (RFC 8259); a file holding them is refused instead of giving NaN figures."""
    raise ValueError(f"{token} is not a JSON number (JSON has no NaN or Infinity)")


def _resolved(path: str | os.PathLike[str]) -> Path:
    return Path(os.path.realpath(os.path.abspath(os.fspath(path))))


def _under(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def protected_files(data_dir: str | os.PathLike[str] | None) -> list[Path]:
    """Every city configuration and store under ``data_dir`` (``*/city.toml`` and the
    two stores beside it), whether they exist yet or not."""
    if data_dir is None:
        return []
    folder = Path(data_dir)
    found: list[Path] = []
    for config in folder.glob("*/city.toml"):
        found.extend(config.parent / name for name in PROTECTED_NAMES)
    return found


def check_output_path(
    path: str | os.PathLike[str] | None,
    *,
    option: str = "-o",
    protected: Iterable[str | os.PathLike[str] | None] = (),
    inputs: Iterable[str | os.PathLike[str] | None] = (),
    folders: Iterable[str | os.PathLike[str] | None] = (),
    folder: bool = False,
) -> None:
    """Refuse an output path that would destroy data or cannot be written.

    Parameters
    ----------
    path : path-like or None
        The output; None or ``-`` (standard output) passes.
    option : str
        The option's name, for the message ("-o", "--rejects").
    protected : iterable of path-like
        Stores and configuration files the command must never overwrite.
    inputs : iterable of path-like
        Files the same command reads.
    folders : iterable of path-like
        Folders the command reads from (a bundle, the data folder): nothing is written
        inside them.
    folder : bool
        The output is a folder (``--output-dir``) rather than a file.

    Raises
    ------
    UsageError
        The output is a store, a configuration file, an input, lies inside an input
        folder, is an existing folder (for a file output), or lies under a file.
    """
    if path is None or os.fspath(path) == "-":
        return
    given = Path(path)
    target = _resolved(given)
    for name, kind in ((protected, "a store or configuration file of the project"),
                       (inputs, "an input of this command")):
        for other in name:
            if other is not None and _resolved(other) == target:
                raise UsageError(
                    f"{option} {given} would overwrite {other}, {kind}: "
                    "choose another output path (nothing was written)"
                )
    if (target.name in PROTECTED_NAMES or target.name.endswith(".lock")) and (
            target.parent / "city.toml").exists():
        raise UsageError(
            f"{option} {given} would overwrite a city's {target.name}: choose another "
            "output path (nothing was written)"
        )
    for other in folders:
        if other is not None and _under(target, _resolved(other)):
            raise UsageError(
                f"{option} {given} lies inside {other}, which this command reads: "
                "choose another output path (nothing was written)"
            )
    if target.is_dir() and not folder:
        raise UsageError(f"{option} {given} is a folder: give a file name")
    if target.exists() and folder and not target.is_dir():
        raise UsageError(f"{option} {given} is a file, not a folder")
    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise UsageError(f"{option} {given}: {parent} is a file, not a folder")
