"""Verdicts carry the file they speak of as the library was given it; the outputs (report,
map) choose how to show it (relative to the reader's folder), not the verdict code."""

from __future__ import annotations

from pathlib import Path

from geocover import analyse
from geocover.outputs import report
from geocover.outputs.report import shown_verdicts

ROOT = Path(__file__).resolve().parents[1]


def test_the_verdict_carries_the_path_and_the_report_shows_it(bundle, monkeypatch):
    """The file is a field of the check (for the analysts' appendix), never words of the
    explanation a reader reads (issue 14: no file paths in what a reader sees)."""
    monkeypatch.chdir(ROOT)
    metz = analyse("metz", bundle=bundle)
    perimeters = str(metz.city.perimeters_file)
    assert Path(perimeters).is_absolute()  # the library's own path, not one for a reader
    checks = [c for v in metz.verdicts for c in v.checks if c.file]
    assert checks and {c.file for c in checks} == {perimeters}
    relative = str(Path(perimeters).relative_to(ROOT))
    assert relative == "data/metz/perimeters.geojson"
    for v in shown_verdicts(metz):
        for text in (v.explanation, v.decisive, v.settle, *(c.explanation for c in v.checks)):
            assert perimeters not in text and relative not in text and ".geojson" not in text
    data = report.to_dict(metz)
    texts = [c["explanation"] for claim in data["claims"] for c in claim["checks"]]
    assert not any(perimeters in t or relative in t for t in texts)
    assert all("file" not in c for claim in data["claims"] for c in claim["checks"])
    assert data["perimeters"]["file"] == perimeters  # where analysts find it


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
