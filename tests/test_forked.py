"""model.forked.in_child: one call in a forked copy of the process (the map's camera rows)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from geocover.model.forked import in_child


def test_the_child_computes_in_its_own_process_and_sends_the_result():
    parent = os.getpid()
    child = in_child(lambda: (os.getpid(), sum(range(1000))))
    assert child is not None
    pid, total = child.result()
    assert pid != parent and total == 499500


def test_a_failing_child_says_why():
    child = in_child(lambda: 1 / 0)
    assert child is not None
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        child.result()


def test_no_fork_while_another_thread_runs():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert in_child(lambda: 1) is None  # the caller computes it itself
    finally:
        stop.set()
        other.join()
    child = in_child(lambda: 2)
    assert child is not None and child.result() == 2


def test_a_cancelled_child_is_stopped():
    child = in_child(lambda: time.sleep(60))
    assert child is not None
    t0 = time.perf_counter()
    child.cancel()
    assert time.perf_counter() - t0 < 10
    assert not child._proc.is_alive()
