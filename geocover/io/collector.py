"""Bulk reading with Python's cycle collector paused.

Reading the citizen map decodes 25,000 features: some 200,000 dicts and lists. Every few
hundred new containers start a collection, and every tenth of those one of the older
generations, which walks every object the program holds (pandas, shapely, pyproj…):
half the time of ``json.loads`` on that file went there. Decoded JSON, and the tags and
rows built from it, hold no reference cycle, so there is nothing for the collector to
find: it is paused while such data is read (:func:`collector_paused`), and reference
counting frees everything as usual. It is left as it was found, so a caller that
paused it keeps it paused.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause :mod:`gc`'s cycle collector inside the block (reference counting still
    frees everything as usual); re-enable it after only if it was enabled before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def loads(data: str | bytes, *, parse_constant: Callable[[str], Any] | None = None) -> Any:
    """:func:`json.loads` of ``data`` with the collector paused (see the module)."""
    with collector_paused():
        if parse_constant is None:
            return json.loads(data)
        return json.loads(data, parse_constant=parse_constant)
