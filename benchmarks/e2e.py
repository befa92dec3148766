"""End-to-end times: whole ``geocover`` processes against ``python -c "import geopandas"``.

Run from the repository root::

    .venv/bin/python -m benchmarks.e2e                      # all commands, 5 pairs
    .venv/bin/python -m benchmarks.e2e --pairs 3 --root /path/to/other/checkout
    .venv/bin/python -m benchmarks.e2e --only report-metz,map-paris --json out.json

Each command runs offline (``--bundle``, an empty HTTP cache, the coverage cache off
unless ``PRIMED_BY`` names a command run once before to fill it) in a fresh process, in
pairs with the floor ``python -c "import geopandas"``: A B A B …, so that the
machine's load hits both alike. Reported per command: the median wall time, the
median CPU time (user + system of the process and its children, from
``os.wait4``), the median of the per-pair ratios command / floor, the peak RSS,
and the load average before and after. ``--root`` times another checkout (for
before/after figures: the command then runs with that checkout first on
``PYTHONPATH``).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: name → geocover arguments; ``{out}`` is a fresh output folder.
COMMANDS: dict[str, list[str]] = {
    "report-metz": ["report", "metz", "-o", "{out}/metz-report.txt"],
    "report-paris": ["report", "paris", "-o", "{out}/paris-report.txt"],
    "map-paris": ["map", "paris", "-o", "{out}/paris.html"],
    "batch-57": ["batch", "--departement", "57", "-o", "{out}/57.gpkg", "--quiet"],
    "map-paris-after-report": ["map", "paris", "-o", "{out}/paris.html"],
}
#: Commands timed after another one ran once with the same inputs: the coverage cache
#: (geocover/pipeline/coverage_cache.py) then holds the coverage it computed. Every other
#: command runs with the cache off (``GEOCOVER_COVERAGE_CACHE=off``): what a first run
#: costs, every time.
PRIMED_BY: dict[str, list[str]] = {
    "map-paris-after-report": ["report", "paris", "-o", "{out}/primer-report.txt"],
}
#: The floor every process pays: Python, numpy, pandas, shapely, pyproj, geopandas.
FLOOR = ["-c", "import geopandas"]


def bundle_dir() -> Path:
    env = os.environ.get("GEOCOVER_BUNDLE")
    return Path(env) if env else (ROOT / ".." / "shared" / "data").resolve()


#: Runs a command and reports wall, CPU and peak RSS as JSON: a small intermediate
#: process, because on Linux a child's ru_maxrss starts at its parent's resident size
#: at exec time (here the harness's), which would inflate the peak.
_LAUNCHER = r"""
import json, os, subprocess, sys, time
argv, cwd = json.loads(sys.argv[1]), sys.argv[2]
with open(sys.argv[3], "wb") as err:
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
print(json.dumps({"rc": os.waitstatus_to_exitcode(status), "wall": wall,
                  "cpu": ru.ru_utime + ru.ru_stime, "maxrss_mb": ru.ru_maxrss / 1024.0}))
"""


def run_once(argv: list[str], env: dict, cwd: Path) -> tuple[float, float, float, int, str]:
    """Run ``argv``; return (wall s, CPU s of the child, peak RSS MB, exit code, stderr)."""
    with tempfile.NamedTemporaryFile(suffix=".err") as err:
        r = subprocess.run([sys.executable, "-c", _LAUNCHER, json.dumps(argv), str(cwd),
                            err.name], env=env, cwd=cwd, capture_output=True, text=True)
        msg = Path(err.name).read_bytes().decode(errors="replace")
    if r.returncode != 0:
        return float("nan"), float("nan"), float("nan"), r.returncode, r.stderr
    res = json.loads(r.stdout.strip().splitlines()[-1])
    return res["wall"], res["cpu"], res["maxrss_mb"], res["rc"], msg


def precompile(root: Path) -> None:
    """Byte-compile the checkout's ``geocover`` package, as an install does.

    pip compiles what it installs, and Python caches the bytecode of an editable
    checkout at its first import; but where ``PYTHONDONTWRITEBYTECODE`` is set (this
    machine sets it) nothing is cached, and every run would compile geocover's 128
    modules again (about 0.18 s): a cost no user pays twice. (``make venv`` does the
    same; a stale file is only ignored, never wrong.)
    """
    compileall.compile_dir(root / "geocover", quiet=1)


def measure(names: list[str], pairs: int, root: Path, log=print) -> list[dict]:
    """Time each command in ``names`` against the floor, ``pairs`` times alternated."""
    precompile(root)
    rows = []
    for name in names:
        with tempfile.TemporaryDirectory(prefix=f"geocover-e2e-{name}-") as tmp:
            env = dict(os.environ)
            env["GEOCOVER_BUNDLE"] = str(bundle_dir())
            env["GEOCOVER_CACHE_DIR"] = str(Path(tmp) / "cache")
            env["PYTHONPATH"] = str(root)
            env.pop("GEOCOVER_WORKERS", None)
            args = [a.format(out=tmp) for a in COMMANDS[name]]
            cmd = [sys.executable, "-m", "geocover", *args, "--bundle", str(bundle_dir())]
            floor = [sys.executable, *FLOOR]
            primer = PRIMED_BY.get(name)
            if primer is None:
                env["GEOCOVER_COVERAGE_CACHE"] = "off"
            else:
                env.pop("GEOCOVER_COVERAGE_CACHE", None)
                run_once([sys.executable, "-m", "geocover", *[a.format(out=tmp) for a in primer],
                          "--bundle", str(bundle_dir())], env, root)
            load_before = os.getloadavg()
            walls, cpus, floors, floor_cpus, ratios, peaks = [], [], [], [], [], []
            status, error = "ok", ""
            for i in range(pairs):
                fw, fc, _, _, _ = run_once(floor, env, root)
                w, c, peak, rc, msg = run_once(cmd, env, root)
                if rc != 0:
                    status = "failed"
                    error = (msg.strip().splitlines() or [f"exit code {rc}"])[-1][:300]
                    log(f"  {name}: failed: {error}")
                    break
                walls.append(w)
                cpus.append(c)
                floors.append(fw)
                floor_cpus.append(fc)
                ratios.append(w / fw)
                peaks.append(peak)
                log(f"  {name} pair {i + 1}/{pairs}: {w:.3f} s (cpu {c:.3f}) "
                    f"vs import geopandas {fw:.3f} s → {w / fw:.2f}x")
            command = "geocover " + " ".join(
                a for a in COMMANDS[name] if "{out}" not in a and a != "-o")
            if primer is not None:
                command += ", after geocover " + " ".join(
                    a for a in primer if "{out}" not in a and a != "-o") + " (coverage cached)"
            row = {
                "workload": f"e2e-{name}", "kind": "e2e", "command": command,
                "cache": "primed" if primer is not None else "off",
                "status": status, "error": error, "pairs": len(walls),
                "load_before": [round(x, 2) for x in load_before],
                "load_after": [round(x, 2) for x in os.getloadavg()],
            }
            if walls:
                row.update({
                    "wall_s": round(statistics.median(walls), 3),
                    "cpu_s": round(statistics.median(cpus), 3),
                    "floor_s": round(statistics.median(floors), 3),
                    "floor_cpu_s": round(statistics.median(floor_cpus), 3),
                    "ratio_to_floor": round(statistics.median(ratios), 3),
                    "wall_s_all": [round(x, 3) for x in walls],
                    "peak_mb": round(max(peaks), 1),
                })
            rows.append(row)
    return rows


def import_times(root: Path, pairs: int = 5) -> dict:
    """Median wall and CPU time of ``import geocover`` and ``import geopandas``, alternated."""
    precompile(root)
    env = dict(os.environ, PYTHONPATH=str(root))
    g, p = [], []
    load_before = os.getloadavg()
    for _ in range(pairs):
        p.append(run_once([sys.executable, *FLOOR], env, root)[:2])
        g.append(run_once([sys.executable, "-c", "import geocover"], env, root)[:2])
    return {"import_geocover_s": round(statistics.median(x[0] for x in g), 3),
            "import_geocover_cpu_s": round(statistics.median(x[1] for x in g), 3),
            "import_geopandas_s": round(statistics.median(x[0] for x in p), 3),
            "import_geopandas_cpu_s": round(statistics.median(x[1] for x in p), 3),
            "ratio": round(statistics.median(a[0] / b[0] for a, b in zip(g, p, strict=False)), 3),
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.e2e",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=5)
    ap.add_argument("--only", help="comma-separated exact names among " + ", ".join(COMMANDS))
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout to time (default: this one)")
    ap.add_argument("--json", type=Path, help="write the rows there")
    a = ap.parse_args(argv)
    names = list(COMMANDS) if not a.only else [n.strip() for n in a.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in COMMANDS]
    if unknown:
        print(f"unknown command(s): {', '.join(unknown)} (known: {', '.join(COMMANDS)})",
              file=sys.stderr)
        return 2
    root = a.root.resolve()
    out = {"root": str(root), "imports": import_times(root), "rows": measure(names, a.pairs, root)}
    print(json.dumps(out, indent=1))
    if a.json:
        a.json.write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
