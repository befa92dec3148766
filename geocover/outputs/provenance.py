"""The provenance section of the report."""

from __future__ import annotations

from typing import Any

from geocover.outputs.escape import md_code, md_text
from geocover.pipeline.provenance import provenance


def section(analysis: Any) -> tuple[Any, list[str], list[str]]:
    """The ``provenance`` section of the report (listed in ``report.SECTIONS``)."""
    record = provenance(analysis)  # file checksums are cached by sha256_file
    text = ["Provenance (sha256 of the files read)"]
    md = ["## Provenance", "", "| file | role | retrieved | sha256 |", "|---|---|---|---|"]
    for f in record["files"]:
        text.append(f"  - {f['path']} ({f['role']}, {f['retrieved']}): {f['sha256'][:16]}…")
        md.append(f"| {md_code(f['path'])} | {md_text(f['role'])} | {md_text(f['retrieved'])} "
                  f"| {md_code(str(f['sha256'])[:16] + '…')} |")
    if record["presets"]:
        names = ", ".join(p["name"] for p in record["presets"])
        text.append(f"  presets: {names}")
        md += ["", f"Presets: {md_text(names)}."]
    sw = record["software"]
    stack = f"geocover {sw['geocover']}, GEOS {sw['GEOS']}, PROJ {sw['PROJ']}, GDAL {sw['GDAL']}"
    text.append(f"  software: {stack}")
    md += ["", f"Software: {md_text(stack)}."]
    return record, text, md
