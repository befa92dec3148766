"""The library's hint kinds (:data:`geocover.errors.HINTS`) as the options to use.

The library names a way out by kind; only here does it become a command-line option,
so an error reads as it always did: ``…: cannot reach … (ConnectionError); use --bundle
DIR to work offline``.
"""

from __future__ import annotations

import re

from geocover.errors import GeocoverError

#: Hint kind → what to add to the message (``{value}``: the error's ``hint_value``).
SUFFIXES: dict[str, str] = {
    "bundle": "; use --bundle DIR to work offline",
    "no_bundle": "; run without --bundle to query the live services",
    "insee": "; use --insee CODE for any French commune",
    "insee_select": " with --insee CODE",
    "assume_crs": ", or pass --assume-crs EPSG:XXXX if you know it",
    "on_invalid": ", or pass --on-invalid repair to repair it with make_valid",
    "perimeters": " (--perimeters FILE)",
    "encoding": ", or pass --encoding {value}",
    "encoding_8bit": ", or pass --encoding latin-1 (or cp1252) if that is its encoding",
    "lat_lon": "; name them with --lat COL --lon COL",
    "merge_duplicates": "; pass --merge-duplicates to merge its tags into it",
    "assume_crs_value": ": declare it with --assume-crs {value}, or re-export the file in "
    "EPSG:4326",
    "list": " (--list NAME, repeatable)",
}


def flag(parameter: str) -> str:
    """The option of a library parameter: ``decree_ref`` → ``--decree-ref``."""
    return "--" + parameter.strip().replace("_", "-")


def phrase(message: str, hint: str | None, value: str | None = None) -> str:
    """``message`` with its hint said as the option to use.

    A hint ``option`` names parameters (``hint_value``, comma-separated) that the
    message calls by their library names: they become their options.

    Examples
    --------
    >>> phrase("workers must be at least 1, not 0", "option", "workers")
    '--workers must be at least 1, not 0'
    >>> phrase("x.csv: UTF-16 text, not UTF-8", "encoding", "utf-16")
    'x.csv: UTF-16 text, not UTF-8, or pass --encoding utf-16'
    """
    if hint == "option" and value:
        for name in value.split(","):
            message = re.sub(rf"(?<![\w-]){re.escape(name.strip())}(?!\w)", flag(name), message)
        return message
    suffix = SUFFIXES.get(hint or "")
    return message + suffix.format(value=value or "") if suffix else message


def message(exc: GeocoverError) -> str:
    """The one-line message of an error for the command line."""
    return phrase(str(exc), exc.hint, exc.hint_value)
