"""The project's exceptions.

Every error a user can cause derives from :class:`GeocoverError`; the CLI turns
it into one line on stderr and exit code 2 (``exit_code``), never a traceback.

The library speaks no command line: an error says what is wrong (``reason``, and for
bad data the ``path`` and ``row``), and when there is a way out its ``hint`` names it
by kind (``"bundle"``: work offline; ``"assume_crs"``: say which CRS a file is in…);
the CLI turns the kind into the option to use (``geocover.cli.hints``), a notebook
shows the reason alone.
"""

from __future__ import annotations

from os import PathLike


class GeocoverError(Exception):
    """Base class of geocover's errors: a message for a person, an exit code.

    Parameters
    ----------
    message : str
        What is wrong, in words that name no command-line option.
    hint : str, optional
        The kind of way out (see :data:`HINTS`), for the interface to phrase.
    hint_value : str, optional
        A value the hint needs (a suggested encoding, a parameter's value).
    """

    exit_code = 2

    def __init__(self, message: str = "", *, hint: str | None = None,
                 hint_value: str | None = None) -> None:
        super().__init__(message)
        self.reason = message
        self.hint = hint
        self.hint_value = hint_value


#: The hint kinds the library uses, and what each means (the CLI says which option).
HINTS: dict[str, str] = {
    "bundle": "work offline from a bundle folder",
    "no_bundle": "query the live services instead of the bundle",
    "insee": "name any French commune by its INSEE code",
    "insee_select": "say which commune of the file, by its INSEE code",
    "assume_crs": "say which CRS a file without one is in",
    "on_invalid": "repair invalid polygons with make_valid instead of refusing them",
    "perimeters": "give a perimeter file to analyse",
    "encoding": "read the file in another encoding (``hint_value``)",
    "encoding_8bit": "read the file in an 8-bit encoding (latin-1, cp1252)",
    "lat_lon": "name the latitude and longitude columns",
    "merge_duplicates": "merge a duplicate's tags into the camera already known",
    "assume_crs_value": "declare the file's CRS as ``hint_value`` (the likely one)",
    "list": "choose official camera lists by name, one vintage per source",
    "option": "a parameter's value (``hint_value``: the parameter's name)",
}


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
    hint, hint_value : str, optional
        See :class:`GeocoverError`.
    """

    def __init__(
        self, reason: str, path: str | PathLike[str] | None = None, row: int | str | None = None,
        *, hint: str | None = None, hint_value: str | None = None,
    ) -> None:
        self.path = None if path is None else str(path)
        self.row = row
        where = []
        if self.path is not None:
            where.append(self.path)
        if row is not None:
            where.append(f"row {row}")
        super().__init__(f"{': '.join(where)}: {reason}" if where else reason, hint=hint,
                         hint_value=hint_value)
        self.reason = reason


class ConfigError(DataError):
    """A malformed city configuration (``data/<city>/city.toml``)."""


class SourceError(GeocoverError):
    """A remote source failed (network, HTTP status, malformed answer) and no cache could serve."""


class UsageError(GeocoverError):
    """The command line or a function call was used wrongly."""
