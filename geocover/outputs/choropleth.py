"""The choropleth page of a batch run: every commune coloured by a surveillance figure.

Made to open fast with tens of thousands of communes: outlines simplified for display
only (the figures come from the full geometry), integers for coordinates, one canvas
for all the shapes (``L.canvas``), columns of values rather than one object per commune.
Built like the readers' map: Leaflet inlined from XStatic, the data handed to the page's
own script (``static/choropleth.js``) as escaped JSON through the map's safe layer factory,
every name put into the page with ``textContent``; nothing is rendered as a template.

The colours say something of surveillance, never of size: the cameras known per km²
(the largest single source's count over the commune's area) by default, or the share of
the commune seen under each field-of-view preset. Every text of the page (legend, popups,
search) is in one language, French by default (:mod:`geocover.i18n`), its numbers
formatted for it; the scale is metric.
"""

from __future__ import annotations

import math
from typing import Any

import folium
import numpy as np
import pandas as pd
import shapely

from geocover import settings
from geocover.i18n import N_, Translator, default_lang, translator
from geocover.outputs.escape import html_text
from geocover.outputs.webmap.elements import GeocoverMap, _Call, _DataLayer, page_of
from geocover.outputs.webmap.encode import _preset_label
from geocover.outputs.webmap.style import (
    IGN_ATTRIBUTION_HTML,
    OSM_ATTRIBUTION_HTML,
    OSM_TILES_URL,
)
from geocover.pipeline.known import (
    STATUS_KNOWN,
    STATUS_NONE_FOUND,
    STATUS_UNKNOWN,
    coverage_columns,
)

#: Coordinates of the page in units of 1e-4° (about 11 m): enough for a national map.
DISPLAY_SCALE = 10_000
#: Outlines are simplified within this many metres when the table has no display column.
DISPLAY_TOLERANCE_M = 250.0
#: ColorBrewer YlOrRd, 6 classes.
COLOURS = ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"]
UNKNOWN_COLOUR = "#c8c8c8"
ZERO_COLOUR = "#ffffff"
_STATUS_CODE = {STATUS_UNKNOWN: 0, STATUS_NONE_FOUND: 1, STATUS_KNOWN: 2}
#: The page's own words, handed to its script (``o.text``), translated.
PAGE_TEXT: dict[str, str] = {
    "departement": N_("Département"),
    "area": N_("Area"),
    "areaText": N_("{planar} km² (planar, {crs}); {geodesic} km² geodesic"),
    "known": N_("Cameras known"),
    "knownText": N_("{n} (largest single source)"),
    "perKm2": N_("Per km²"),
    "didNotLook": N_("did not look here"),
    "seen": N_("Seen, {preset}"),
    "notComputed": N_("not computed"),
    "noCamera": N_("no camera known"),
    "seenText": N_("{km2} km² ({share}%)"),
    "figureShown": N_("figure shown"),
    "find": N_("Find a commune (name or INSEE code)"),
    "findLabel": N_("find a commune"),
    "range": N_("> {lo} to {hi}"),
    "above": N_("> {lo}"),
    "zero": N_("0 ({status})"),
    "legendTitle": N_("Colour of each commune"),
}


def _encode(geom: Any) -> list[list[list[int]]] | None:
    polygons = []
    for part in shapely.get_parts(geom):
        if part.geom_type != "Polygon" or part.is_empty:
            continue
        rings = []
        for ring in [part.exterior, *part.interiors]:
            q = np.rint(np.asarray(ring.coords)[:, :2] * DISPLAY_SCALE).astype(np.int64)
            if len(q) > 1 and (q[0] == q[-1]).all():
                q = q[:-1]
            keep = np.ones(len(q), dtype=bool)
            keep[1:] = (np.diff(q, axis=0) != 0).any(axis=1)
            q = q[keep]
            if len(q) < 3:
                continue
            q[1:] = np.diff(q, axis=0)
            rings.append(q.ravel().tolist())
        if rings:
            polygons.append(rings)
    return polygons or None


def _display_geometries(frame: pd.DataFrame) -> np.ndarray:
    if "display_wkb" in frame:
        return shapely.from_wkb(frame["display_wkb"].to_numpy())
    from geocover.pipeline.partition import display_outlines

    out = np.empty(len(frame), dtype=object)
    for crs in frame["crs"].unique():
        take = (frame["crs"] == crs).to_numpy()
        wkb = display_outlines(frame.geometry[take].to_crs(settings.STORAGE_CRS), crs,
                               DISPLAY_TOLERANCE_M)
        out[take] = shapely.from_wkb(wkb)
    return out


def _number(v: Any, digits: int) -> float | None:
    if v is None or v is pd.NA:
        return None
    v = float(v)
    return round(v, digits) if math.isfinite(v) else None


def _breaks(values: np.ndarray) -> list[float]:
    """Five class limits at the quintiles of the positive values, two significant digits."""
    positive = values[np.isfinite(values) & (values > 0)]
    if positive.size == 0:
        return [1.0, 2.0, 3.0, 4.0, 5.0]
    qs = np.quantile(positive, [0.2, 0.4, 0.6, 0.8, 0.95])
    out: list[float] = []
    for q in qs:
        digits = 1 - math.floor(math.log10(q)) if q > 0 else 0
        r = round(float(q), digits)
        if not out or r > out[-1]:
            out.append(r)
    return out


def page_text(tr: Translator) -> dict[str, str]:
    """:data:`PAGE_TEXT` in ``tr``'s language."""
    return {key: tr.gettext(text) for key, text in PAGE_TEXT.items()}


def choropleth_page(frame: pd.DataFrame, presets: tuple[str, ...], *, title: str,
                    sources: list[dict[str, Any]] | None = None, tiles: str = "osm",
                    lang: str | None = None) -> str:
    """The choropleth page (HTML) of a table of commune figures.

    Parameters
    ----------
    frame : GeoDataFrame
        One row per commune with the batch columns (``code``, ``name``, ``area_km2``,
        ``cameras_known``, ``camera_status``, ``density_per_km2``, per-source and
        per-preset columns), optionally ``display_wkb``.
    presets : names
    title : str
        The page title (escaped here).
    sources : list of dict, optional
        ``{"column", "label"}`` of each camera source (default: every ``cameras_*``
        count column).
    tiles : {"osm", "none"}
    lang : {"fr", "en"}, optional
        The page's language (default ``$GEOCOVER_LANG``, else French).
    """
    tr = translator(lang or default_lang())
    _ = tr.gettext
    n = len(frame)
    if sources is None:
        skip = {"cameras_known", "cameras_by_source"}
        sources = [{"column": c, "label": c} for c in frame.columns
                   if c.startswith("cameras_") and c not in skip]
    sources = [s for s in sources if s["column"] in frame]
    geoms = _display_geometries(frame)
    dep = frame["departement"].astype(str).tolist() if "departement" in frame else [
        c[:3] if c.startswith("97") else c[:2] for c in frame["code"].astype(str)]
    crs_names = sorted(frame["crs"].astype(str).unique())
    crs_index = {c: i for i, c in enumerate(crs_names)}
    status = frame["camera_status"] if "camera_status" in frame else pd.Series(
        [STATUS_UNKNOWN] * n)
    known = frame["cameras_known"] if "cameras_known" in frame else pd.Series([pd.NA] * n)
    density = frame["density_per_km2"] if "density_per_km2" in frame else pd.Series(
        [np.nan] * n)

    def per_row(columns: list[str], digits: int, zero_is_null: bool) -> list[Any]:
        if not columns:
            return [None] * n
        block = frame[columns].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        out: list[Any] = []
        for row in block:
            if zero_is_null and (row == 0).all():
                out.append(None)  # the page reads a missing row as zeros
            elif not zero_is_null and np.isnan(row).all():
                out.append(None)  # …or as "did not look here" for every source
            else:
                out.append([None if not math.isfinite(v) else round(float(v), digits)
                            for v in row])
        return out

    covered_cols = [coverage_columns(p)[0] for p in presets]
    share_cols = [coverage_columns(p)[1] for p in presets]
    data = {
        "code": frame["code"].astype(str).tolist(),
        "name": frame["name"].astype(str).tolist(),
        "dep": dep,
        "crsNames": crs_names,
        "crs": [crs_index[str(c)] for c in frame["crs"]],
        "area": [_number(v, 3) for v in frame["area_km2"]],
        "geod": [_number(v, 3) for v in frame["geodesic_area_km2"]],
        "status": [_STATUS_CODE.get(str(s), 0) for s in status],
        "known": [None if pd.isna(v) else int(v) for v in known],
        "density": [_number(v, 3) for v in density],
        "bySource": per_row([s["column"] for s in sources], 0, zero_is_null=False),
        "covered": per_row(covered_cols, 4, zero_is_null=True),
        "share": per_row(share_cols, 5, zero_is_null=True),
        "geom": [_encode(g) if g is not None else None for g in geoms],
    }
    density_values = pd.to_numeric(density, errors="coerce").to_numpy(dtype=float)
    figures: list[dict[str, Any]] = [{"key": "density", "column": "density",
                                      "unit": _("per km²"),
                                      "label": _("Cameras known per km² (largest single source)"),
                                      "breaks": _breaks(density_values)}]
    for k, preset in enumerate(presets):
        share = frame[share_cols[k]].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        figures.append({"key": f"share{k}", "column": "share", "index": k, "unit": "%",
                        "label": _("Share seen, {preset} (%)").format(
                            preset=_preset_label(preset)),
                        "breaks": _breaks(share * 100)})
    options = {
        "scale": DISPLAY_SCALE,
        "figures": figures,
        "colours": COLOURS,
        "unknownColour": UNKNOWN_COLOUR,
        "zeroColour": ZERO_COLOUR,
        "statusText": [_("no camera known (no source looked here)"),
                       _("none in the sources that looked"), _("cameras known")],
        "sources": [{"label": s["label"]} for s in sources],
        "presets": [{"label": p} for p in presets],
        "note": _("Coverage: union of the fields of view of the cameras known, not occluded "
                  "(an upper bound); the cameras known are a lower bound of those that exist. "
                  "Outlines simplified for display; figures on the full boundaries."),
        "rows": [],
        "lang": tr.lang,
        "locale": "fr-FR" if tr.lang == "fr" else "en-GB",
        "text": page_text(tr),
    }
    minx, miny, maxx, maxy = frame.total_bounds if n else (-5.0, 41.0, 10.0, 51.5)
    fmap = GeocoverMap(tiles=None, control_scale=False, prefer_canvas=True,
                       location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=6,
                       extra_static=("choropleth.js", "choropleth.css"))
    page_of(fmap).title = html_text(title)
    fmap.add_child(_Call("setup", {"attribution": [OSM_ATTRIBUTION_HTML, IGN_ATTRIBUTION_HTML],
                                   "maxZoom": 18,
                                   "bounds": [[round(miny, 4), round(minx, 4)],
                                              [round(maxy, 4), round(maxx, 4)]]}))
    if tiles == "osm":
        folium.TileLayer(OSM_TILES_URL, attr=OSM_ATTRIBUTION_HTML, name="OpenStreetMap",
                         max_zoom=19, control=False).add_to(fmap)
    fmap.add_child(_DataLayer("choropleth", data, options, name=title))
    fmap.add_child(_Call("done"))
    return page_of(fmap).render()
