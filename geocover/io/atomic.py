"""A file lock and an atomic replace, for the files several people write to.

``data/<city>/cameras.geojson`` and ``perimeters.geojson`` are read, extended and
written back by ``geocover contrib add`` and ``geocover perimeters add``. Two such
commands may run at once (two mappers, a script), and one may be killed mid-way.
The guarantees:

* :func:`locked` holds an exclusive ``fcntl.flock`` on a sidecar ``<file>.lock`` for
  the whole read-modify-write, so concurrent writers take turns and none loses the
  other's rows. The kernel releases a flock when its process dies, so a killed
  writer never leaves the file locked.
* :func:`replace_atomic` writes a temporary file in the same folder, flushes and
  fsyncs it, then ``os.replace``-s it over the target (atomic on POSIX) and fsyncs
  the folder: a reader sees the old file or the new one, never half of one, and a
  crash before the rename leaves the old content intact.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from geocover.errors import GeocoverError
from geocover.log import log

#: How long a writer waits for another one to finish before giving up (seconds).
LOCK_TIMEOUT: float = 120.0
_POLL = 0.05


def lock_path(path: str | os.PathLike[str]) -> Path:
    """The sidecar lock file of ``path``: ``<path>.lock`` in the same folder."""
    path = Path(path)
    return path.with_name(path.name + ".lock")


@contextmanager
def locked(path: str | os.PathLike[str], *, timeout: float | None = None) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (through its sidecar ``.lock`` file).

    Parameters
    ----------
    timeout : float, optional
        Seconds to wait for another holder (default :data:`LOCK_TIMEOUT`).

    Raises
    ------
    GeocoverError
        When the lock is still held by another process after ``timeout`` seconds.
    """
    timeout = LOCK_TIMEOUT if timeout is None else timeout
    sidecar = lock_path(path)
    sidecar.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(sidecar, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        start = time.monotonic()
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
            waited = time.monotonic() - start
            if waited >= timeout:
                raise GeocoverError(
                    f"{path} is being written by another geocover process "
                    f"(waited {timeout:g} s for {sidecar}); try again when it has finished"
                )
            if not told and waited > 1.0:
                log(f"waiting for another geocover process writing {path}…", logging.WARNING,
                    name="io")
                told = True
            time.sleep(_POLL)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _temp_prefix(path: Path) -> str:
    return f".{path.name}."


def remove_stale_temps(path: str | os.PathLike[str]) -> list[Path]:
    """Remove temporary files a killed writer left beside ``path``. Call it only while
    holding :func:`locked` (then no live writer owns them). Returns what was removed."""
    path = Path(path)
    removed = []
    for pattern in (f"{_temp_prefix(path)}*.tmp", f"{_temp_prefix(path)}*.tmp{path.suffix}"):
        for temp in path.parent.glob(pattern):
            try:
                temp.unlink()
                removed.append(temp)
            except FileNotFoundError:
                pass
    return removed


@contextmanager
def atomic_path(path: str | os.PathLike[str], *, create: bool = True) -> Iterator[Path]:
    """A temporary path beside ``path``, moved over it atomically when the block ends.

    The one atomic writer: :func:`replace_atomic` writes bytes through it, and writers
    that need a file name (GDAL writing a GeoPackage) write to the path it yields. On
    success the temporary file is fsynced, given the permissions of the file it
    replaces (a new one gets 0644 less the umask), ``os.replace``-d over ``path``
    (atomic on POSIX), and the folder is fsynced; on any error it is removed and
    ``path`` is left as it was.

    Parameters
    ----------
    create : bool
        Create the temporary file (empty); False leaves the name free for a writer
        that creates the file itself (GDAL). Its name keeps ``path``'s suffix.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o644 & ~umask
    suffix = ".tmp" if create else f".tmp{path.suffix}"
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=_temp_prefix(path), suffix=suffix)
    os.close(fd)
    tmp = Path(name)
    if not create:
        tmp.unlink()
    try:
        yield tmp
        _fsync_file(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def replace_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (:func:`atomic_path`): a reader sees the old
    file or the new one, never half of it."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass  # some file systems refuse fsync on a folder; the rename is done
    finally:
        os.close(dfd)
