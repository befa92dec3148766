"""Compliance tables as report sections, files and map layers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geocover import settings
from geocover.io.atomic import replace_atomic
from geocover.outputs.escape import md_text
from geocover.verdicts.compliance import EXPIRY_WARNING_MONTHS, TABLES, Compliance

Tables = Compliance | Mapping[str, gpd.GeoDataFrame]


def _frames(tables: Tables) -> dict[str, gpd.GeoDataFrame]:
    return tables.frames() if isinstance(tables, Compliance) else dict(tables)

# ----------------------------------------------------------------------------- outputs


def _records(frame: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    if frame.empty:  # no row (drop and to_dict cost ~2.5 ms each way to say so)
        return []
    out = []
    for row in pd.DataFrame(frame.drop(columns="geometry")).to_dict(orient="records"):
        out.append({str(k): _json_value(v) for k, v in row.items()})
    return out


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    return value


def summary(result: Compliance) -> dict[str, Any]:
    """The JSON form of the tables (no geometry): per table, a count, rows and a note."""
    out: dict[str, Any] = {"today": result.today.isoformat(),
                           "authorization_years": settings.AUTHORIZATION_YEARS,
                           "expiry_warning_months": EXPIRY_WARNING_MONTHS}
    for name, table in result.tables.items():
        out[name] = {"count": len(table), "rows": _records(table.frame), "note": table.note}
    return out


def section(analysis: Any) -> tuple[Any, list[str], list[str]] | None:
    """The ``compliance`` section of the report: ``analysis.compliance`` rendered."""
    return render(analysis.compliance)


def render(result: Compliance) -> tuple[dict[str, Any], list[str], list[str]]:
    """The tables as (JSON summary, text lines, Markdown lines), as in the report."""
    data = summary(result)
    today = result.today
    text = [f"Compliance (as of {today.isoformat()})"]
    md = [f"## Compliance (as of {today.isoformat()})", ""]
    for name, title in TABLES.items():
        table = result.tables[name]
        frame, note = table.frame, table.note
        head = f"{title}: {len(frame)}" + (f" ({note})" if note else "")
        text.append(f"  {head}")
        md.append(f"- **{_md(title)}**: {len(frame)}" + (f" ({_md(note)})" if note else ""))
        for line in table_lines(name, frame)[:20]:
            text.append(f"      {line}")
            md.append(f"  - {_md(line)}")
        if len(frame) > 20:
            text.append(f"      … and {len(frame) - 20} more (geocover compliance -o DIR)")
            md.append(f"  - … and {len(frame) - 20} more")
    return data, text, md


def _md(text: str) -> str:
    return md_text(text)  # Markdown and HTML of the decree, names and notes made inert


def table_lines(name: str, frame: gpd.GeoDataFrame) -> list[str]:
    out = []
    for _, r in frame.iterrows():
        if name == "cameras_outside":
            precision = r["location_precision"] or "unknown"
            out.append(f"{r['id']}: {r['reason']}, {r['distance_m']:.1f} m from perimeter "
                       f"{r['nearest_perimeter']} (location: {precision})")
        elif name == "perimeters_without_camera":
            out.append(f"{r['id']} ({r['name'] or 'unnamed'}, {r['area_km2']:.3f} km²)")
        elif name == "authorizations":
            when = r["valid_until"] or "unknown"
            out.append(f"{r['id']}: {r['status']}, valid until {when} ({r['valid_until_basis']})")
        else:
            out.append(f"{r['id']}: {r['outside_km2']:.3f} km² outside the commune "
                       f"({100 * (r['outside_share'] or 0):.1f} % of it)")
    return out


def export_tables(tables: Tables, folder: str | Path, prefix: str) -> list[Path]:
    """Write each table as ``<prefix>-<table>.geojson`` and ``.csv`` in ``folder``, atomically.

    The CSV holds the attributes; point tables add ``lon`` and ``lat`` (the GeoJSON
    beside it has every geometry).

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    written = []
    for name, frame in _frames(tables).items():
        stem = folder / f"{prefix}-{name.replace('_', '-')}"
        geojson = frame.to_json(drop_id=True, ensure_ascii=False, na="null")
        replace_atomic(stem.with_suffix(".geojson"), geojson.encode("utf-8"))
        attrs = pd.DataFrame(frame.drop(columns="geometry"))
        if len(frame) and (frame.geometry.geom_type == "Point").all():
            attrs["lon"] = frame.geometry.x.round(7)
            attrs["lat"] = frame.geometry.y.round(7)
        replace_atomic(stem.with_suffix(".csv"), attrs.to_csv(index=False).encode("utf-8"))
        written += [stem.with_suffix(".geojson"), stem.with_suffix(".csv")]
    return written


#: Colours of the compliance layers on a map.
_MAP_STYLE = {
    "cameras_outside": "#d62728",
    "perimeters_without_camera": "#7f7f7f",
    "authorizations": "#ff7f0e",
    "perimeters_outside_commune": "#9467bd",
}
