"""Outputs of a batch run: tables, provenance and the choropleth page."""

from __future__ import annotations

import html
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geocover import settings
from geocover.errors import UsageError
from geocover.io.atomic import atomic_path, replace_atomic
from geocover.pipeline.batch import BatchResult, coverage_columns

# ----------------------------------------------------------------------------- outputs


def write_batch(result: BatchResult, out: str | Path) -> dict[str, Path]:
    """Write ``OUT.gpkg`` (layers ``communes`` and ``provenance``), ``OUT.csv``,
    ``OUT.provenance.json`` and ``OUT.html`` (choropleth), each atomically.

    Returns
    -------
    dict of str to Path
        ``gpkg``, ``csv``, ``provenance``, ``map``.
    """
    out = Path(out)
    if out.suffix.lower() != ".gpkg":
        raise UsageError(f"{out}: the output must be a GeoPackage (.gpkg)")
    stem = out.with_suffix("")
    paths = {
        "gpkg": out,
        "csv": stem.with_suffix(".csv"),
        "provenance": Path(f"{stem}.provenance.json"),
        "map": stem.with_suffix(".html"),
    }
    record_json = json.dumps(result.provenance, ensure_ascii=False, indent=2) + "\n"

    with atomic_path(out, create=False) as tmp:  # GDAL creates the file itself
        pyogrio.write_dataframe(result.communes, tmp, layer="communes", driver="GPKG")
        table = pd.DataFrame({
            "key": ["provenance"] + [f"file:{f['path']}" for f in result.provenance["files"]],
            "value": [record_json] + [f["sha256"] for f in result.provenance["files"]],
        })
        pyogrio.write_dataframe(table, tmp, layer="provenance", driver="GPKG", append=False)
    attrs = pd.DataFrame(result.communes.drop(columns="geometry"))
    replace_atomic(paths["csv"], attrs.to_csv(index=False, float_format="%.9g").encode("utf-8"))
    replace_atomic(paths["provenance"], record_json.encode("utf-8"))
    replace_atomic(paths["map"], choropleth(result).encode("utf-8"))
    return paths


def choropleth(result: BatchResult, *, tolerance_m: float = 20.0) -> str:
    """A choropleth of the communes, as a self-contained HTML page (Leaflet inlined, no
    CDN; only the background tiles are remote). Coloured by the share covered under the
    first preset when some commune has a camera, else by area. Names are escaped."""
    import branca.colormap as cm
    import folium

    from geocover.outputs.webmap.elements import GeocoverMap, page_of

    frame = result.communes
    with_cameras = bool(frame["cameras"].sum()) and bool(result.presets)
    if with_cameras:
        column = coverage_columns(result.presets[0])[1]
        caption = f"share of the commune covered ({result.presets[0]}), %"
        values = frame[column].fillna(0.0).to_numpy() * 100
    else:
        caption = "commune area, km² (no camera known in the département)"
        values = frame["area_km2"].to_numpy()
    vmin, vmax = float(np.min(values)), float(np.max(values))
    if vmax <= vmin:
        vmax = vmin + 1.0
    colormap = cm.linear.YlOrRd_09.scale(vmin, vmax)  # type: ignore[attr-defined]  # made at import

    crs = str(frame["crs"].iloc[0])
    simple = frame.geometry.to_crs(crs).simplify(tolerance_m, preserve_topology=True)
    data = gpd.GeoDataFrame({
        "name": [html.escape(str(n)) for n in frame["name"]],
        "code": [html.escape(str(c)) for c in frame["code"]],
        "area": [f"{a:.3f} km²" for a in frame["area_km2"]],
        "cameras": frame["cameras"].astype(int).to_numpy(),
        "colour": [colormap(v) for v in values],
    }, geometry=simple.to_crs(settings.STORAGE_CRS).to_numpy(), crs=settings.STORAGE_CRS)
    if with_cameras:
        data["covered"] = [f"{v:.2f} %" for v in values]
    minx, miny, maxx, maxy = data.total_bounds
    fmap = GeocoverMap(tiles="OpenStreetMap", control_scale=True)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    fields = ["name", "code", "area", "cameras"] + (["covered"] if with_cameras else [])
    folium.GeoJson(
        data.to_json(drop_id=True),
        name=f"communes of {html.escape(result.departement)}",
        style_function=lambda f: {"fillColor": f["properties"]["colour"], "color": "#555555",
                                  "weight": 0.5, "fillOpacity": 0.7},
        tooltip=folium.GeoJsonTooltip(fields=fields),
    ).add_to(fmap)
    steps = np.linspace(vmin, vmax, 6)
    legend = "".join(
        f'<div><span style="display:inline-block;width:14px;height:10px;'
        f'background:{colormap(v)}"></span> {v:,.1f}</div>' for v in steps)
    title = (f"geocover {html.escape(result.provenance.get('geocover_version', ''))}: département "
             f"{html.escape(result.departement)}, {len(frame)} communes")
    page_of(fmap).html.add_child(folium.Element(
        '<div style="position:fixed;bottom:18px;left:8px;z-index:999;background:#fff;'
        f'padding:6px;font:12px sans-serif;max-width:260px"><b>{title}</b><br>'
        f"{html.escape(caption)}{legend}"
        "IGN – ADMIN EXPRESS (Licence Ouverte); © OpenStreetMap contributors</div>"))
    return fmap.get_root().render()
