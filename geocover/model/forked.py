"""Running the coverage engine's tiles in forked processes instead of threads.

Opt-in (``GEOCOVER_POOL=processes``, Linux): measured on the shared 2-core machine under
load, two forked processes were not faster than two threads (see benchmarks/workers.py
and the note on issue 15), so threads stay the default.
"""

from __future__ import annotations

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
