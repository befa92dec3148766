"""Verdicts carry the file they speak of as the library was given it; the outputs (report,
map) choose how to show it (relative to the reader's folder), not the verdict code."""

from __future__ import annotations

from pathlib import Path

from geocover import analyse
from geocover.outputs import report
from geocover.outputs.report import shown_verdicts

ROOT = Path(__file__).resolve().parents[1]


def test_the_verdict_carries_the_path_and_the_report_shows_it(bundle, monkeypatch):
    monkeypatch.chdir(ROOT)
    metz = analyse("metz", bundle=bundle)
    perimeters = str(metz.city.perimeters_file)
    assert Path(perimeters).is_absolute()  # the library's own path, not one for a reader
    checks = [c for v in metz.verdicts for c in v.checks if c.file]
    assert checks and {c.file for c in checks} == {perimeters}
    assert all(perimeters in c.explanation for c in checks)
    shown = [c for v in shown_verdicts(metz) for c in v.checks if c.file]
    relative = str(Path(perimeters).relative_to(ROOT))
    assert relative == "data/metz/perimeters.geojson"
    assert all(f"({relative} holds 0)" in c.explanation for c in shown)
    assert all(perimeters not in c.explanation for c in shown)
    data = report.to_dict(metz)
    texts = [c["explanation"] for claim in data["claims"] for c in claim["checks"]]
    assert any(f"({relative} holds 0)" in t for t in texts)
    assert not any(perimeters in t for t in texts)
    assert all("file" not in c for claim in data["claims"] for c in claim["checks"])


def test_every_rendering_shows_the_path_relative(bundle, monkeypatch):
    """The verdict summary at the top of the text and Markdown reports shows
    the path as the reader sees it, never the library's own."""
    monkeypatch.chdir(ROOT)
    metz = analyse("metz", bundle=bundle)
    perimeters = str(metz.city.perimeters_file)
    for fmt in ("text", "markdown"):
        page = report.render(metz, fmt)
        assert perimeters not in page, fmt
        assert "data/metz/perimeters.geojson" in page, fmt
