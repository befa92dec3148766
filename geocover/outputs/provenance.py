"""The provenance section of the report: ``analysis.provenance`` rendered."""

from __future__ import annotations

from typing import Any


def section(analysis: Any) -> tuple[Any, list[str], list[str]]:
    """The ``provenance`` section of the report (listed in ``report.SECTIONS``)."""
    record = analysis.provenance.to_dict()
    text = ["Provenance (sha256 of the files read)"]
    md = ["## Provenance", "", "| file | role | date of the data | retrieved | sha256 |",
          "|---|---|---|---|---|"]
    for f in record["files"]:
        data = f"data of {f['vintage']}" if f["vintage"] else "date unknown"
        text.append(f"  - {f['path']} ({f['role']}, {data}, retrieved {f['retrieved']}): "
                    f"{f['sha256'][:16]}…")
        md.append(f"| `{_md(f['path'])}` | {f['role']} | {_md(f['vintage'] or 'unknown')} | "
                  f"{f['retrieved']} | "
                  f"`{f['sha256'][:16]}…` |")
    if record["presets"]:
        names = ", ".join(p["name"] for p in record["presets"])
        text.append(f"  presets: {names}")
        md += ["", f"Presets: {names}."]
    sw = record["software"]
    stack = f"geocover {sw['geocover']}, GEOS {sw['GEOS']}, PROJ {sw['PROJ']}, GDAL {sw['GDAL']}"
    text.append(f"  software: {stack}")
    md += ["", f"Software: {stack}."]
    return record, text, md


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
