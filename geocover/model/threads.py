"""Worker threads: how many (``$GEOCOVER_WORKERS``, else the usable cores), and running
independent calls on them. For steps that mostly wait on GEOS, PROJ or numpy, which
release the GIL: the coverage engine's tiles, the presets of an analysis, the map's
layers."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def default_workers() -> int:
    """Worker threads: ``$GEOCOVER_WORKERS``, else the number of usable cores."""
    env = os.environ.get("GEOCOVER_WORKERS")
    if env:
        return max(1, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def in_threads(calls: list[Callable[[], Any]], workers: int | None = None) -> list[Any]:
    """Each of ``calls``' results (functions of no argument), in order, the calls run on
    ``workers`` threads (default :func:`default_workers`); in this thread when fewer than
    two would work. For independent steps that mostly wait on GEOS, PROJ or numpy (GIL
    released)."""
    workers = min(default_workers() if workers is None else workers, len(calls))
    if workers < 2:
        return [call() for call in calls]
    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(call) for call in calls]
        return [f.result() for f in futures]
