"""docs/design.md names every module of the package, so the layout it gives is the real one."""

from __future__ import annotations

import re

from tests.conftest import ROOT

DOC = ROOT / "docs" / "design.md"


def test_every_module_is_in_the_design_doc():
    # The layout table: first cells of its rows, module paths relative to geocover/.
    first_cells = [line.split("|")[1] for line in DOC.read_text(encoding="utf-8").splitlines()
                   if line.startswith("| `")]
    named = {n if n.startswith("geocover/") else f"geocover/{n}"
             for cell in first_cells for n in re.findall(r"`([a-z0-9_/]+\.py)`", cell)}
    modules = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "geocover").rglob("*.py")
        if p.name != "__init__.py" or p.parent.name == "webmap" or p.parent == ROOT / "geocover"
    }
    missing = sorted(modules - named)
    assert not missing, (
        f"docs/design.md does not name {', '.join(missing)}: add one line per module to its "
        "layout table (what it holds)"
    )
    gone = sorted(n for n in named if not (ROOT / n).is_file())
    assert not gone, f"docs/design.md names modules that do not exist: {', '.join(gone)}"
