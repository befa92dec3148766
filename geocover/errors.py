"""The project's exceptions.

Every error a user can cause derives from :class:`GeocoverError`; the CLI turns
it into one line on stderr and exit code 2 (``exit_code``), never a traceback.
"""

from __future__ import annotations

from os import PathLike


class GeocoverError(Exception):
    """Base class of geocover's errors: a message for a person, an exit code."""

    exit_code = 2


class DataError(GeocoverError):
    """Bad input data: names the file, the row (when there is one) and the reason.

    Parameters
    ----------
    reason : str
        What is wrong and, where possible, how to fix it.
    path : path-like, optional
        The file the data came from.
    row : int or str, optional
        The row, feature index or identifier within the file.
    """

    def __init__(
        self, reason: str, path: str | PathLike[str] | None = None, row: int | str | None = None
    ) -> None:
        self.reason = reason
        self.path = None if path is None else str(path)
        self.row = row
        where = []
        if self.path is not None:
            where.append(self.path)
        if row is not None:
            where.append(f"row {row}")
        super().__init__(f"{': '.join(where)}: {reason}" if where else reason)


class ConfigError(DataError):
    """A malformed city configuration (``data/<city>/city.toml``)."""


class SourceError(GeocoverError):
    """A remote source failed (network, HTTP status, malformed answer) and no cache could serve."""


class UsageError(GeocoverError):
    """The command line or a function call was used wrongly."""
