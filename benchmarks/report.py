"""The benchmark's tables (Markdown), plot and README section, from the result rows."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parent / "README.md"

#: Targets of issue 15, against the best PostGIS query on equal output and cores.
COVERAGE_TARGET_RATIO = 0.5
OCCLUSION_TARGET_RATIO = 0.3
AREA_TOL = 1e-12
OCCLUSION_AREA_TOL = 1e-9
MAP_PARIS_TARGET_S = 2.0


def _fmt(x, spec=".3f"):
    if x is None or (isinstance(x, float) and x != x):
        return "–"
    return format(x, spec)


def verdict(row: dict) -> str:
    if row["kind"] == "coverage":
        ok_area = (row.get("area_rel_diff") or 0) <= AREA_TOL
        if row["n"] >= 200_000:
            return "✅" if ok_area else "❌"
        return "✅" if ok_area and row["ratio_median"] <= COVERAGE_TARGET_RATIO else "❌"
    if row["kind"] == "occlusion":
        ok = (row["ratio_median"] <= OCCLUSION_TARGET_RATIO
              and (row.get("area_rel_diff") or 0) <= OCCLUSION_AREA_TOL)
        return "✅" if ok else "❌"
    if row.get("status") != "ok":
        return "–"
    if row["workload"] in ("e2e-map-paris", "e2e-map-paris-after-report"):
        return "✅" if row["wall_s"] <= MAP_PARIS_TARGET_S else "❌"
    return ""


def _load(row: dict) -> str:
    loads = row.get("load") or []
    if not loads:
        return "–"
    lo = min(x["before"] for x in loads)
    hi = max(x["after"] for x in loads)
    return f"{lo:.1f}→{hi:.1f}{' busy' if row.get('busy') else ''}"


def _quietness(rows: list[dict], meta: dict) -> str:
    """One sentence: was the machine quiet? Counted per pair (other processes' CPU)."""
    share = meta.get("foreign_share", 0.1)
    pairs = [(r["workload"], p) for r in rows for p in (r.get("load") or [])
             if isinstance(p, dict)]
    e2e_busy = [r["workload"] for r in rows if r.get("kind") == "e2e" and r.get("busy")]
    busy = [(w, p) for w, p in pairs if p.get("busy")]
    what = (f"more than {share:.0%} of a core (CPU time of the machine minus the harness's, "
            "its children's and PostgreSQL's)")
    rule = f"other processes used {what}"
    if not busy and not e2e_busy:
        return f" Quiet run: in no pair did other processes use {what}."
    names = sorted({w for w, _ in busy} | set(e2e_busy))
    worst = max((p.get("foreign_cpu_s", 0.0) for _, p in busy), default=0.0)
    return (f" **{len(busy)} of {len(pairs)} pairs were flagged busy** ({rule}; at most "
            f"{worst:.2f} CPU s of others), in {', '.join(names)}"
            + (" (end to end)" if e2e_busy else "")
            + "; every other pair was quiet. Their medians include the flagged pair.")


def markdown(rows: list[dict], meta: dict) -> str:
    imp = meta.get("imports") or {}
    lines = [
        f"Run {meta['date']} on {meta['machine']}; {meta['pairs']} A/B pairs per workload. "
        f"Load average at start {meta['load_average_at_start']}, at end "
        f"{meta['load_average_at_end']}."
        + _quietness(rows, meta),
        f"geocover: Python {meta['python']}, shapely {meta['shapely']} (GEOS {meta['geos']}), "
        f"{meta['workers']} worker threads. PostGIS: {meta['postgis']}, parallel settings "
        f"{meta['postgis_settings']}; queries in `benchmarks/postgis_best.sql`, plans in "
        "`results/plans/`.",
    ]
    if imp:
        lines.append(
            f"`import geocover` {imp['import_geocover_s']:.3f} s (cpu "
            f"{imp['import_geocover_cpu_s']:.3f}) against `import geopandas` "
            f"{imp['import_geopandas_s']:.3f} s (cpu {imp['import_geopandas_cpu_s']:.3f}): "
            f"{imp['ratio']:.2f}× (median of pairs).")
    lines += [
        "",
        "| workload | data | output | N | geocover (s) | PostGIS-best (s) | ratio per pair "
        "| ratio | CPU s geocover / PostGIS | CPU ratio | load | area rel. diff | plan | target |",
        "|---|---|---|---:|---:|---:|---|---:|---:|---:|---|---:|---|:-:|",
    ]
    for r in rows:
        if r["kind"] == "e2e":
            continue
        plan = r.get("strategy") or "occlusion"
        lines.append(
            f"| {r['workload']} | {r['label']} | {r['output']} | {r['n']:,} | "
            f"{_fmt(r['geocover_s'])} | {_fmt(r['postgis_s'])} | "
            f"{', '.join(f'{x:.3f}' for x in r['ratio_per_pair'])} | "
            f"**{_fmt(r['ratio_median'])}** | {_fmt(r['geocover_cpu_s'], '.2f')} / "
            f"{_fmt(r['postgis_cpu_s'], '.2f')} | {_fmt(r.get('cpu_ratio_median'))} | "
            f"{_load(r)} | "
            f"{_fmt(r['area_rel_diff'], '.1e')} | {plan} / {r.get('postgis_query', '')} | "
            f"{verdict(r)} |")
    e2e = [r for r in rows if r["kind"] == "e2e"]
    if e2e:
        lines += [
            "",
            "| end to end (offline, whole process) | wall (s, median) | CPU (s) "
            "| `import geopandas` (s) | ratio to it (median of pairs) | peak RSS (MB) | load "
            "| target |",
            "|---|---:|---:|---:|---:|---:|---|:-:|",
        ]
        for r in e2e:
            if r.get("status") != "ok":
                lines.append(f"| `{r['command']}` | failed: {r.get('error', '')[:80]} "
                             "| | | | | | – |")
                continue
            load = (f"{r['load_before'][0]:.1f}→{r['load_after'][0]:.1f}"
                    f"{' busy' if r.get('busy') else ''}")
            lines.append(
                f"| `{r['command']}` | {_fmt(r['wall_s'], '.2f')} | {_fmt(r['cpu_s'], '.2f')} | "
                f"{_fmt(r['floor_s'], '.2f')} | {_fmt(r['ratio_to_floor'], '.2f')} | "
                f"{_fmt(r['peak_mb'], '.0f')} | {load} | {verdict(r)} |")
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is missing: no plot", file=sys.stderr)
        return False
    fig, ax = plt.subplots(figsize=(7, 5), dpi=120)
    drawn = False
    for output, color in (("dissolved", "tab:blue"), ("area", "tab:orange")):
        pts = sorted((r["n"], r["geocover_s"], r["postgis_s"]) for r in rows
                     if r["kind"] == "coverage" and r["output"] == output
                     and ("wedges" in r["workload"] or r["workload"][:-1].startswith(
                         tuple(f"coverage-metz-{k}" for k in range(1, 10)))))
        if len(pts) < 2:
            continue
        n, g, p = map(np.asarray, zip(*pts, strict=False))
        ax.loglog(n, p, color=color, marker="s", linestyle="--", label=f"PostGIS-best, {output}")
        ax.loglog(n, g, color=color, marker="o", linestyle="-", label=f"geocover, {output}")
        drawn = True
    if not drawn:
        plt.close(fig)
        return False
    ax.set_xlabel("N fields of view (synthetic wedges in Metz)")
    ax.set_ylabel("median time (s)")
    ax.set_title("union ∩ commune: time against N (log-log)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def update_readme(table_md: str) -> None:
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    if not README.exists():
        return
    text = README.read_text()
    if start not in text or end not in text:
        return
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    README.write_text(before + start + "\n" + table_md + end + after)
