"""model.forked.in_child: one call in a forked copy of the process (the map's camera rows).

Each scenario runs in a fresh interpreter: in_child forks only where no other thread runs,
and the test process may have some left by other tests (HTTP servers, the browser)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

_SCENARIOS = r"""
import json, os, threading, time
from geocover.model.forked import in_child

out = {}
parent = os.getpid()
child = in_child(lambda: (os.getpid(), sum(range(1000))))
pid, total = child.result()
out["own_process"] = pid != parent and total == 499500

child = in_child(lambda: 1 / 0)
try:
    child.result()
    out["failure"] = "no error"
except RuntimeError as exc:
    out["failure"] = str(exc)

stop = threading.Event()
other = threading.Thread(target=stop.wait)
other.start()
out["with_a_thread"] = in_child(lambda: 1) is None
stop.set()
other.join()
out["after_it"] = in_child(lambda: 2).result()

from geocover.model.forked import when_waiting

done = []
when_waiting(lambda: done.append("import"))
when_waiting(lambda: 1 / 0)  # ignored: whoever needs it later raises
when_waiting(lambda: done.append("second"))
assert done == []
out["waited"] = in_child(lambda: time.sleep(0.2) or 3).result()
out["while_waiting"] = list(done)
out["once"] = in_child(lambda: 4).result() == 4 and done == ["import", "second"]
from geocover.model.forked import do_waiting_work

when_waiting(lambda: done.append("no wait came"))
do_waiting_work()
out["without_a_wait"] = done[-1] == "no wait came" and len(done) == 3

child = in_child(lambda: time.sleep(60))
t0 = time.perf_counter()
child.cancel()
out["cancel_s"] = time.perf_counter() - t0
out["cancelled_alive"] = child._proc.is_alive()
print(json.dumps(out))
"""


def test_in_child_in_a_fresh_process():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", _SCENARIOS], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["own_process"] is True  # computed in another process, the result sent back
    assert "ZeroDivisionError" in out["failure"]  # a failing child says why
    assert out["with_a_thread"] is True  # no fork while another thread runs
    assert out["after_it"] == 2
    # when_waiting: done at the next wait for a child, in order, once, errors ignored
    assert out["waited"] == 3 and out["while_waiting"] == ["import", "second"]
    assert out["once"] is True and out["without_a_wait"] is True
    assert out["cancel_s"] < 10 and out["cancelled_alive"] is False
