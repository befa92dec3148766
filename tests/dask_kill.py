"""A Dask worker plugin for the tests: it kills its worker's process (SIGKILL, as the
kernel's out-of-memory killer or a lost machine would) while a chosen task runs.

Test code only: registered by a test on a cluster it started itself
(``client.register_plugin(KillWhileRunning(...))``); the scheduler installs it on every
worker, including the ones a nanny starts again after a kill. Each kill leaves a file
``kill-<n>-<pid>`` in ``folder`` so that a test can count the kills, and the plugin stops
once ``times`` kills happened (a later attempt of the task then runs to its end).
"""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any

from distributed import WorkerPlugin


class KillWhileRunning(WorkerPlugin):
    """Kill the worker ``delay_s`` seconds after a task whose key starts with ``prefix``
    started executing, if it is still executing then; ``times`` kills at most."""

    name = "geocover-test-kill-while-running"

    def __init__(self, prefix: str, folder: str, times: int, delay_s: float) -> None:
        self.prefix = prefix
        self.folder = folder
        self.times = times
        self.delay_s = delay_s
        self.worker: Any = None

    def setup(self, worker: Any) -> None:
        self.worker = worker

    def _kills(self) -> int:
        return len(list(Path(self.folder).glob("kill-*")))

    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        if finish != "executing" or not str(key).startswith(self.prefix):
            return
        if self._kills() >= self.times:
            return

        def kill() -> None:
            task = self.worker.state.tasks.get(key) if self.worker is not None else None
            if task is None or task.state != "executing":
                return  # it ended first: nothing to kill mid-task
            (Path(self.folder) / f"kill-{self._kills()}-{os.getpid()}").touch()
            os.kill(os.getpid(), signal.SIGKILL)

        threading.Timer(self.delay_s, kill).start()
