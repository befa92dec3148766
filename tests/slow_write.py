"""Run ``geocover ARGS`` in a real process whose atomic writes are slowed down.

Usage: ``python tests/slow_write.py SECONDS ARGS...`` (as ``python -m geocover ARGS``).

Test-side only (production code has no test hook): ``os.replace`` of geocover's
temporary files (``.<name>.*.tmp``, see :func:`geocover.io.atomic.replace_atomic`) sleeps
SECONDS first. That widens the read-modify-write window of two concurrent writers, and
lets a test kill a writer after its temporary file is written and fsynced, before the
rename.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    seconds = float(sys.argv[1])
    real_replace = os.replace

    def slow_replace(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
        name = Path(src).name
        if name.startswith(".") and name.endswith(".tmp"):
            time.sleep(seconds)
        return real_replace(src, dst, *args, **kwargs)

    os.replace = slow_replace
    sys.path.insert(0, str(ROOT))  # the checkout's geocover, as ``python -m`` from ROOT
    from geocover.cli.main import main as geocover

    return geocover(sys.argv[2:])


if __name__ == "__main__":
    raise SystemExit(main())
