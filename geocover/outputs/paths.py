"""Where the outputs of a command go, without loading what writes them (the map's
``report_paths`` is asked before an analysis, folium only after)."""

from __future__ import annotations

from pathlib import Path


def report_paths(map_path: str | Path) -> tuple[Path, Path]:
    """Where the report beside a map goes: ``<stem>-report.txt`` and ``<stem>-report.md``.

    >>> [p.name for p in report_paths("maps/metz.html")]
    ['metz-report.txt', 'metz-report.md']
    """
    map_path = Path(map_path)
    return (map_path.with_name(f"{map_path.stem}-report.txt"),
            map_path.with_name(f"{map_path.stem}-report.md"))
