"""The one test for "no value was given", and the text of a value that was."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def is_blank(value: Any, *, containers: bool = False) -> bool:
    """None, a missing scalar (NaN, ``pd.NA``, ``NaT``) or white space: a value not given.

    Parameters
    ----------
    value : object
        What a file, a tag or a layer holds.
    containers : bool
        Also count an empty list, tuple, dict or set as blank (an empty ``directions``
        list, an empty ``tags`` object).

    Examples
    --------
    >>> [is_blank(v) for v in (None, float("nan"), "  ", "0", 0, [])]
    [True, True, True, False, False, False]
    >>> is_blank([], containers=True)
    True
    """
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict, set)):
        return containers and len(value) == 0
    try:
        missing = pd.isna(value)
    except (TypeError, ValueError):
        return False
    return bool(missing) if isinstance(missing, (bool, np.bool_)) else False


def text_or_none(value: Any) -> str | None:
    """The value as stripped text, or None when it is blank (:func:`is_blank`).

    >>> text_or_none("  Metz "), text_or_none(float("nan"))
    ('Metz', None)
    """
    if value is None:  # the common cases first: a tag not given, a text
        return None
    if type(value) is str:
        return value.strip() or None
    return None if is_blank(value) else str(value).strip()
