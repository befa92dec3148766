"""The library's hint kinds (:data:`geocover.errors.HINTS`) as the options to use.

The library names a way out by kind; only here does it become a command-line option,
so an error reads as it always did: ``…: cannot reach … (ConnectionError); use --bundle
DIR to work offline``.
"""

from __future__ import annotations

import re

from geocover.cli.common import tr
from geocover.errors import GeocoverError
from geocover.i18n import N_, Translator

#: Hint kind → what to add to the message (``{value}``: the error's ``hint_value``).
SUFFIXES: dict[str, str] = {
    "bundle": N_("; use --bundle DIR to work offline"),
    "no_bundle": N_("; run without --bundle to query the live services"),
    "insee": N_("; use --insee CODE for any French commune"),
    "insee_select": N_(" with --insee CODE"),
    "assume_crs": N_(", or pass --assume-crs EPSG:XXXX if you know it"),
    "on_invalid": N_(", or pass --on-invalid repair to repair it with make_valid"),
    "perimeters": N_(" (--perimeters FILE)"),
    "encoding": N_(", or pass --encoding {value}"),
    "encoding_8bit": N_(", or pass --encoding latin-1 (or cp1252) if that is its encoding"),
    "lat_lon": N_("; name them with --lat COL --lon COL"),
    "merge_duplicates": N_("; pass --merge-duplicates to merge its tags into it"),
    "assume_crs_value": N_(": declare it with --assume-crs {value}, or re-export the file in "
                           "EPSG:4326"),
    "list": N_(" (--list NAME, repeatable)"),
}


def flag(parameter: str) -> str:
    """The option of a library parameter: ``decree_ref`` → ``--decree-ref``."""
    return "--" + parameter.strip().replace("_", "-")


def phrase(message: str, hint: str | None, value: str | None = None,
           translator: Translator | None = None) -> str:
    """``message`` with its hint said as the option to use (in ``translator``'s language,
    the command's by default).

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
    if not suffix:
        return message
    return message + (translator or tr()).gettext(suffix).format(value=value or "")


def message(exc: GeocoverError) -> str:
    """The one-line message of an error for the command line."""
    return phrase(str(exc), exc.hint, exc.hint_value)
