"""The PostGIS side: the queries of ``postgis_best.sql``, timed, CPU counted, plans kept.

CPU seconds of a query are those of the connection's backend (``/proc/<pid>/stat``
utime + stime, before and after) plus those of the parallel workers it started: the
workers are children of the postmaster and exit at the end of the query, so their
times land in the postmaster's ``cutime + cstime`` once it has reaped them; the
harness waits for that (the postmaster's children back to those before the query)
while the backend is still connected, so the backend is not counted twice. Clock
ticks are 10 ms.
"""

from __future__ import annotations

import math
import os
import re
import time
from pathlib import Path

SQL_FILE = Path(__file__).resolve().parent / "postgis_best.sql"
#: Parallel workers on, and forced even for small tables (the issue's "best query").
PARALLEL_SETTINGS = {
    "max_parallel_workers_per_gather": "2",
    "parallel_setup_cost": "0",
    "parallel_tuple_cost": "0",
    "min_parallel_table_scan_size": "0",
}
#: Density (total area of the inputs over the commune's) from which a square's pieces
#: are unioned by the cascaded union rather than one noding pass: geocover's rule.
CASCADED_FROM_DENSITY = 2.5
#: Target number of fields of view per square.
PER_SQUARE = 128
STATEMENT_TIMEOUT_S = 1800
_TICK = os.sysconf("SC_CLK_TCK")


def sections() -> dict[str, str]:
    """The named sections of ``postgis_best.sql`` (``-- name: x`` starts section x)."""
    out: dict[str, str] = {}
    name = None
    for line in SQL_FILE.read_text().splitlines():
        m = re.match(r"--\s*name:\s*(\S+)", line)
        if m:
            name = m.group(1)
            out[name] = ""
        elif name is not None:
            out[name] += line + "\n"
    return out


def statements(sql: str) -> list[str]:
    """Split a section into statements (no ``;`` inside function bodies: ``$$`` aware)."""
    out, buf, in_body = [], [], False
    for line in sql.splitlines():
        if line.strip().startswith("--") and not in_body:
            continue
        buf.append(line)
        if line.count("$$") % 2 == 1:
            in_body = not in_body
        if not in_body and line.rstrip().endswith(";"):
            stmt = "\n".join(buf).strip()
            if stmt.rstrip(";").strip():
                out.append(stmt)
            buf = []
    rest = "\n".join(buf).strip()
    if rest:
        out.append(rest)
    return out


def _proc_times(pid: int) -> tuple[float, float]:
    """(own utime+stime, reaped children's cutime+cstime) of a process, in seconds."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2:].split()
    # fields[0] is state (field 3); utime is field 14 → index 11.
    ut, st, cut, cst = (int(fields[i]) for i in (11, 12, 13, 14))
    return (ut + st) / _TICK, (cut + cst) / _TICK


def _children(pid: int) -> set[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return set()
    return {int(x) for x in text.split()}


def _wait_reaped(pm: int, before: set[int], timeout: float = 5.0) -> None:
    """Wait until the postmaster has reaped the query's parallel workers (its children
    are again among those it had before the query): only then are their CPU times in
    its cutime/cstime. On a loaded machine this can take longer than the query's end."""
    deadline = time.monotonic() + timeout
    while _children(pm) - before and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.005)


def postmaster_pid(cluster) -> int:
    return int((cluster.data / "postmaster.pid").read_text().splitlines()[0])


def square_side(n: int, clip_bounds, extent: float, per_square: int = PER_SQUARE) -> float:
    """Squares of about ``per_square`` fields of view, at least four fields of view wide."""
    x0, y0, x1, y1 = clip_bounds
    side = math.sqrt((x1 - x0) * (y1 - y0) * per_square / max(n, 1))
    return float(max(side, 4 * extent))


def _apply(conn, settings: dict[str, str]) -> None:
    conn.execute(f"SET statement_timeout = '{STATEMENT_TIMEOUT_S}s'")
    for k, v in settings.items():
        conn.execute(f"SET {k} = {v}")


def prepare_coverage(cluster) -> None:
    """Index and functions (once per loaded table; not timed, as the loading)."""
    sql = sections()
    with cluster.connect() as conn:
        for part in ("setup", "functions"):
            for stmt in statements(sql[part]):
                conn.execute(stmt)


def measure(cluster, query: str, params: dict, pre: list[tuple[str, dict]] | None = None) -> dict:
    """Run ``pre`` statements then ``query`` on a fresh connection, all timed together.

    Returns seconds (wall), cpu_s (backend + parallel workers), the first row, and the
    seconds of ``pre`` alone.
    """
    pm = postmaster_pid(cluster)
    with cluster.connect() as conn:
        _apply(conn, PARALLEL_SETTINGS)
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        before = _children(pm)
        own0, _ = _proc_times(pid)
        _, kids0 = _proc_times(pm)
        t0 = time.perf_counter()
        for stmt, p in pre or []:
            conn.execute(stmt, p if "%(" in stmt else None)
        t_pre = time.perf_counter() - t0
        row = conn.execute(query, params).fetchone()
        seconds = time.perf_counter() - t0
        own1, _ = _proc_times(pid)
        # Still connected: the backend is not reaped (its own lifetime would otherwise
        # be counted again in the postmaster's cutime), the workers are.
        _wait_reaped(pm, before)
        _, kids1 = _proc_times(pm)
    return {"seconds": seconds, "pre_s": t_pre, "cpu_s": (own1 - own0) + (kids1 - kids0),
            "row": row}


def explain(cluster, query: str, params: dict, pre: list[tuple[str, dict]] | None = None) -> str:
    """EXPLAIN (ANALYZE, VERBOSE, BUFFERS) of ``query`` with the same settings."""
    with cluster.connect() as conn:
        _apply(conn, PARALLEL_SETTINGS)
        for stmt, p in pre or []:
            conn.execute(stmt, p if "%(" in stmt else None)
        rows = conn.execute("EXPLAIN (ANALYZE, VERBOSE, BUFFERS) " + query, params).fetchall()
    return "\n".join(r[0] for r in rows)


def coverage_plan(output: str, density: float) -> str:
    """Which query section answers ``output`` ("area" or "dissolved") at ``density``."""
    how = "cascaded" if density >= CASCADED_FROM_DENSITY else "noded"
    return f"{output}_{how}"


def squares_pre(side: float) -> list[tuple[str, dict]]:
    return [(s, {"side": side}) for s in statements(sections()["squares"])]
