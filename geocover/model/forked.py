"""Work in forked processes instead of threads.

The coverage engine's tiles, opt-in (``GEOCOVER_POOL=processes``, Linux): measured on the
shared 2-core machine under load, two forked processes were not faster than two threads
(see benchmarks/workers.py and the note on issue 15), so threads stay the default there.
:func:`in_child` runs one pure-Python call beside threads that wait on GEOS: the map's
camera rows and readers' data (0.3 s of Python that queued with the presets' layers for
one GIL).
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import shapely


def _leaves_child(leaf, qs: np.ndarray, conn) -> None:
    """In a forked process: the pieces of leaves ``qs``, sent back as WKB."""
    try:
        out = np.empty(len(qs), dtype=object)
        out[:] = [leaf(q) for q in qs]
        conn.send(("ok", list(shapely.to_wkb(out))))
    except BaseException as exc:  # pragma: no cover - reported to the parent
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def in_processes(leaf, order: np.ndarray, workers: int) -> list:
    """The leaves shared between this process and ``workers - 1`` forked ones: no GIL
    shared between them, so a loaded machine that deschedules one does not stall the
    others. The inputs are inherited by fork (copy-on-write, nothing pickled), only the
    pieces come back, as WKB. Leaves are dealt round-robin from the biggest down, so
    the shares weigh about the same."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    shares = [order[i::workers] for i in range(workers)]
    children = []
    for share in shares[1:]:
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_leaves_child, args=(leaf, share, send), daemon=True)
        proc.start()
        send.close()
        children.append((proc, recv))
    pieces: list = [None] * len(order)
    for k, g in zip(range(0, len(order), workers), (leaf(q) for q in shares[0]), strict=True):
        pieces[k] = g
    errors = []
    for i, (proc, recv) in enumerate(children, start=1):
        try:
            status, payload = recv.recv()
        except EOFError:
            status, payload = "error", f"worker exited with code {proc.exitcode}"
        proc.join()
        if status != "ok":
            errors.append(payload)
            continue
        geoms = shapely.from_wkb(np.array(payload, dtype=object))
        for k, g in zip(range(i, len(order), workers), geoms, strict=True):
            pieces[k] = g
    if errors:
        raise RuntimeError("union worker process failed: " + "; ".join(errors))
    return pieces


#: Work this process will need later, done the next time it waits for a child
#: (:func:`when_waiting`).
_WHILE_WAITING: list[Callable[[], object]] = []


def when_waiting(fn: Callable[[], object]) -> None:
    """Have ``fn()`` done the next time this process would sit waiting for a forked
    child's result (:meth:`Child.result`): work it needs later anyway, done on a core
    that would be idle (the map command imports folium while a child reads the citizen
    map). Done once, where it is done at all; an error is ignored, left to the later
    use to raise: ``fn`` must be such that whether it ran changes no result."""
    _WHILE_WAITING.append(fn)


def do_waiting_work() -> None:
    """Do now what :func:`when_waiting` left for a wait (:meth:`Child.result` calls it;
    a caller whose wait did not come, no child having been forked, calls it too)."""
    while _WHILE_WAITING:
        fn = _WHILE_WAITING.pop(0)
        with contextlib.suppress(Exception):  # the later use raises it where it matters
            fn()


class Child:
    """A call computed in a forked copy of this process (:func:`in_child`)."""

    def __init__(self, proc: Any, conn: Any) -> None:
        self._proc, self._conn = proc, conn

    def result(self) -> Any:
        """The call's result (picklable), once the child sent it; RuntimeError if it
        failed. Work left for :func:`when_waiting` is done first."""
        do_waiting_work()
        try:
            status, payload = self._conn.recv()
        except EOFError:
            status, payload = "error", "the child process ended without an answer"
        finally:
            self._conn.close()
            self._proc.join()
        if status != "ok":
            raise RuntimeError(f"child process failed: {payload}")
        return payload

    def cancel(self) -> None:
        """Stop the child (its result is no longer wanted)."""
        self._proc.terminate()
        self._conn.close()
        self._proc.join()


def _child(fn: Callable[[], Any], conn: Any) -> None:
    """In a forked process: ``fn()`` sent back."""
    try:
        conn.send(("ok", fn()))
    except BaseException as exc:  # pragma: no cover - reported to the parent
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def in_child(fn: Callable[[], Any]) -> Child | None:
    """Start ``fn()`` in a forked copy of this process, which inherits every input (copy
    on write, nothing pickled on the way in) and has a GIL of its own: for pure Python
    work beside threads that wait on GEOS and numpy (the map's camera rows beside its
    presets' layers: with threads they queued for one GIL). Only where forking is safe:
    Linux, and no other thread running (a notebook's kernel has some: then None, and
    the caller computes ``fn()`` itself, as it does where fork is not available)."""
    if not sys.platform.startswith("linux") or threading.active_count() > 1:
        return None
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(fn, send), daemon=True)
    proc.start()
    send.close()
    return Child(proc, recv)
