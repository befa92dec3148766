"""Do the engine's threads help? One thread, two threads, two processes, in turn.

    .venv/bin/python -m benchmarks.workers [--pairs 5] [--n 10000] [--shape wedges]

Each measurement is a fresh process (``benchmarks._worker``: inputs in memory, only
the engine call timed) with ``GEOCOVER_WORKERS`` 1 or 2 and ``GEOCOVER_POOL`` threads or
processes (the tiles in forked processes, no shared GIL), run in turn; printed: medians
of wall and CPU seconds, the speed-ups, and the load average before and after. On a
quiet 2-core machine two threads should take about
half the wall time of one if GEOS really runs without the GIL; on a loaded machine the
second thread has no core to run on and the speed-up drops towards 1.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import workloads as W  # noqa: E402
from benchmarks._worker import save_geoms  # noqa: E402


def _one(folder: Path, workers: int, pool: str = "threads") -> dict:
    env = dict(os.environ, GEOCOVER_WORKERS=str(workers), GEOCOVER_POOL=pool,
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-m", "benchmarks._worker", "coverage", str(folder)],
                       capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.workers")
    ap.add_argument("--pairs", type=int, default=5)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--shape", choices=("wedges", "discs"), default="wedges")
    ap.add_argument("--output", choices=("area", "dissolved"), default="area")
    a = ap.parse_args(argv)
    inp = W.coverage_input(a.shape, a.n)
    with tempfile.TemporaryDirectory(prefix="geocover-workers-") as tmp:
        folder = Path(tmp)
        save_geoms(folder / "geoms.npz", inp.geoms)
        import numpy as np

        save_geoms(folder / "clip.npz", np.array([inp.clip], dtype=object))
        (folder / "meta.json").write_text(json.dumps({"output": a.output}))
        load0 = os.getloadavg()
        one, two, procs = [], [], []
        for i in range(a.pairs):
            one.append(_one(folder, 1))
            two.append(_one(folder, 2))
            procs.append(_one(folder, 2, "processes"))
            print(f"round {i + 1}: 1 thread {one[-1]['seconds']:.3f} s "
                  f"(cpu {one[-1]['cpu_s']:.3f}), 2 threads {two[-1]['seconds']:.3f} s "
                  f"(cpu {two[-1]['cpu_s']:.3f}), 2 processes {procs[-1]['seconds']:.3f} s "
                  f"(cpu {procs[-1]['cpu_s']:.3f}); load {os.getloadavg()[0]:.2f}", flush=True)
    med = statistics.median
    out = {
        "workload": f"{a.shape}-{a.n}-{a.output}", "pairs": a.pairs,
        "one_thread_s": med(x["seconds"] for x in one),
        "two_threads_s": med(x["seconds"] for x in two),
        "one_thread_cpu_s": med(x["cpu_s"] for x in one),
        "two_threads_cpu_s": med(x["cpu_s"] for x in two),
        "two_processes_s": med(x["seconds"] for x in procs),
        "two_processes_cpu_s": med(x["cpu_s"] for x in procs),
        "speedup_threads": med(x["seconds"] / y["seconds"] for x, y in zip(one, two, strict=False)),
        "speedup_processes": med(x["seconds"] / y["seconds"]
                                 for x, y in zip(one, procs, strict=True)),
        "areas_equal": len({x["area"] for x in one + two + procs}) == 1,
        "load_before": [round(x, 2) for x in load0],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
