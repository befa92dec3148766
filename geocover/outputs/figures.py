"""Static PNG figures: a map of the commune and a chart of the camera count over time.

Both are drawn with matplotlib's object API on the Agg canvas (no pyplot, no global
backend state, no display needed) and written atomically beside the HTML map:
``maps/<city>-map.png`` and ``maps/<city>-cameras-over-time.png``.

* :func:`map_figure`: the commune (neighbours dimmed), the authorized perimeters by
  status, the area seen by the mapped cameras under one field-of-view preset, and the
  cameras, in the analysis' metric CRS with a scale bar and the attribution.
* :func:`cameras_over_time_figure` (:mod:`geocover.outputs.chart`): the claimed camera
  counts, a civil-society fact sheet's named as such, forecasts and targets drawn apart
  from counts, and the cumulative count of mapped cameras by installation date.

Every text is in the analysis' language (:attr:`Analysis.tr`), numbers formatted for it.
A layer with nothing to draw is said on the map ("no authorized perimeter digitized",
"no camera mapped"), and the title names only what is drawn.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from shapely.geometry.base import BaseGeometry

from geocover.errors import UsageError
from geocover.i18n import N_, NBSP, Translator
from geocover.io.atomic import replace_atomic
from geocover.outputs.chart import (
    ANNOUNCED_STYLE,
    ATTRIBUTION,
    DPI,
    DatedCount,
    Timeline,
    cameras_over_time_figure,
    canvas,
    footer,
    parse_as_of,
    timeline,
    version,
)
from geocover.pipeline.analysis import Analysis
from geocover.schema.ids import LIST, UNKNOWN, camera_family

__all__ = ["ANNOUNCED_STYLE", "DatedCount", "Timeline", "cameras_over_time_figure",
           "figure_paths", "figure_title", "map_figure", "map_title", "parse_as_of",
           "timeline", "write_figures"]

_STATUS_NAMES = {"valid": N_("valid"), "expired": N_("expired"), "unknown": N_("status unknown")}
_TYPE_NAMES = {"fixed": N_("fixed"), "dome": N_("dome"), "panning": N_("panning"),
               "unknown": N_("type unknown")}
_TYPE_COLOURS = {"fixed": "#d7301f", "dome": "#6a51a3", "panning": "#2171b5", "unknown": "#525252"}
_STATUS_STYLE: dict[str, dict[str, Any]] = {
    "valid": {"facecolor": "#1a9641", "edgecolor": "#1a9641", "alpha": 0.25, "linestyle": "-"},
    "expired": {"facecolor": "#8c8c8c", "edgecolor": "#6b6b6b", "alpha": 0.2, "linestyle": "--"},
    "unknown": {"facecolor": "#fdae61", "edgecolor": "#e66101", "alpha": 0.25, "linestyle": ":"},
}
_SOURCE_MARKERS = {"osm": "o", "list": "s", "contrib": "D"}


# ------------------------------------------------------------------ map


def _polygon_path(polygon: shapely.Polygon) -> MplPath:
    rings = [polygon.exterior, *polygon.interiors]
    return MplPath.make_compound_path(*(MplPath(np.asarray(r.coords)[:, :2], closed=True)
                                        for r in rings))


def _fill(ax: Axes, geoms: Iterable[Any], **style: Any) -> None:
    """Draw polygons (any iterable of shapely geometries) filled, without pyplot."""
    patches = [PathPatch(_polygon_path(p)) for g in geoms if g is not None
               for p in shapely.get_parts(g) if p.geom_type == "Polygon" and not p.is_empty]
    if patches:
        ax.add_collection(PatchCollection(patches, **style))


def _outline(ax: Axes, geoms: Iterable[Any], **style: Any) -> None:
    """Draw the boundaries of polygons as lines."""
    lines = [np.asarray(r.coords)[:, :2] for g in geoms if g is not None
             for p in shapely.get_parts(g) if p.geom_type == "Polygon" and not p.is_empty
             for r in (p.exterior, *p.interiors)]
    if lines:
        ax.add_collection(LineCollection(lines, **style))


def _scale_length(width_m: float) -> float:
    target = width_m / 5
    steps = [50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000]
    return max([s for s in steps if s <= target] or [steps[0]])


def _covered(analysis: Analysis, preset: str) -> BaseGeometry | None:
    """The area seen under ``preset``, as the report computed it (in ``analysis.crs``),
    dissolved once for drawing (the map reuses the same dissolved union)."""
    figures = analysis.camera_coverage.get(preset)
    seen = None if figures is None else figures.dissolved()
    return None if seen is None or seen.is_empty else seen


def _preset_label(name: str) -> str:
    from geocover.model.presets import PRESETS

    preset = PRESETS.get(name)
    return preset.label if preset is not None else name


def map_figure(analysis: Analysis, *, preset: str | None = None) -> Figure:
    """A static map of ``analysis`` (Agg canvas).

    Parameters
    ----------
    preset : str, optional
        The field-of-view preset whose covered area is drawn (default: the analysis'
        first). Ignored when no camera is mapped.
    """
    from geocover.outputs.webmap.layers import nearby_neighbours

    tr = analysis.tr
    _ = tr.gettext
    crs = analysis.crs
    commune = analysis.commune.to_crs(crs)
    minx, miny, maxx, maxy = commune.total_bounds
    pad = 0.04 * max(maxx - minx, maxy - miny)
    # The figure takes the commune's shape: 8 in wide, the map's height plus the title
    # (0.8 in) and the footer (0.9 in).
    map_h = min(max(7.6 * (maxy - miny + 2 * pad) / (maxx - minx + 2 * pad), 3.5), 9.0)
    height = map_h + 1.7
    fig = canvas(Figure(figsize=(8, height), dpi=DPI))
    ax = fig.add_axes((0.025, 0.9 / height, 0.95, map_h / height))
    handles: list[object] = []

    neighbours = nearby_neighbours(analysis)
    if neighbours is not None:
        _fill(ax, neighbours.to_crs(crs).geometry, facecolor="#e6e6e6", edgecolor="#a0a0a0",
              linewidth=0.6)
        handles.append(Patch(facecolor="#e6e6e6", edgecolor="#a0a0a0",
                             label=_("neighbouring communes")))
    _fill(ax, commune.geometry, facecolor="white", edgecolor="none")

    frame = analysis.perimeters.frame
    drawn: list[str] = []
    empty: list[str] = []
    if frame is not None and len(frame):
        drawn.append(_("authorized perimeters"))
        perimeters = frame.to_crs(crs)
        status = (perimeters["status"] if "status" in perimeters
                  else pd.Series("unknown", index=perimeters.index))
        for name, style in _STATUS_STYLE.items():
            part = perimeters[(status == name).to_numpy()]
            if len(part):
                _fill(ax, part.geometry, facecolor=style["facecolor"], alpha=style["alpha"],
                      edgecolor="none")
                _outline(ax, part.geometry, colors=style["edgecolor"], linewidths=1.2,
                         linestyles=style["linestyle"])
                label = _("authorized perimeter, {status} ({n})").format(
                    status=_(_STATUS_NAMES[name]), n=tr.integer(len(part)))
                handles.append(Patch(facecolor=style["facecolor"], edgecolor=style["edgecolor"],
                                     alpha=0.6, linestyle=style["linestyle"], label=label))
    else:
        empty.append(_("No authorized perimeter digitized."))

    chosen = preset or next((p for p in analysis.presets if p in analysis.fields), None)
    if chosen is None and analysis.fields:
        chosen = next(iter(analysis.fields))
    if preset is not None and preset not in analysis.fields:
        have = ", ".join(analysis.fields) or "none"
        raise UsageError(f"no fields of view computed for preset {preset} (computed: {have})")
    cameras = analysis.cameras
    subtitle = ""
    if chosen is not None and cameras is not None and len(cameras):
        seen = _covered(analysis, chosen)
        if seen is not None:
            _fill(ax, [seen], facecolor="#41b6c4", alpha=0.55, edgecolor="#2c7fb8", linewidth=0.3)
            figures = analysis.camera_coverage.get(chosen)
            km2 = getattr(figures, "area_km2", None)  # the report's figure when there is one
            km2 = seen.area / 1e6 if km2 is None else km2
            share = km2 / analysis.commune_figures.area_km2
            handles.append(Patch(facecolor="#41b6c4", alpha=0.7, edgecolor="#2c7fb8",
                                 label=_("seen by the mapped cameras: {area} ({share})").format(
                                     area=tr.km2(km2), share=tr.percent(share))))
            subtitle = _("Fields of view: {preset}. Mapped cameras are a lower bound.").format(
                preset=_preset_label(chosen))
    if cameras is not None and len(cameras):
        drawn.append(_("mapped cameras"))
        cams = cameras.to_crs(crs)
        cams = cams[cams.geometry.notna() & ~cams.geometry.is_empty]
        kind = cams["id"].map(camera_family).replace(UNKNOWN, LIST)
        types = cams["camera_type"].where(cams["camera_type"].isin(list(_TYPE_COLOURS)), "unknown")
        size = 14 if len(cams) < 300 else 5
        for source, marker in _SOURCE_MARKERS.items():
            for camera_type, colour in _TYPE_COLOURS.items():
                part = cams[(kind == source) & (types == camera_type)]
                if len(part):
                    ax.scatter(part.geometry.x, part.geometry.y, s=size, marker=marker, c=colour,
                               edgecolors="white", linewidths=0.3, zorder=5)
        for camera_type, colour in _TYPE_COLOURS.items():
            n = int((types == camera_type).sum())
            if n:
                handles.append(Line2D([], [], linestyle="none", marker="o", color=colour,
                                      label=_("camera, {type} ({n})").format(
                                          type=_(_TYPE_NAMES[camera_type]), n=tr.integer(n))))
    else:
        empty.append(_("No camera mapped in the sources read."))
    _outline(ax, commune.geometry, colors="#222222", linewidths=1.6, zorder=4)
    handles.insert(0, Line2D([], [], color="#222222", linewidth=1.6,
                             label=f"{analysis.city.name} "
                                   f"({tr.km2(analysis.commune_figures.area_km2)})"))

    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_facecolor("#f3f1ec")
    length = _scale_length(maxx - minx)
    x0, y0 = minx - pad * 0.5, miny - pad * 0.6
    ax.plot([x0, x0 + length], [y0, y0], color="black", linewidth=3, solid_capstyle="butt")
    space = NBSP if tr.lang == "fr" else " "
    scale = (f"{tr.decimal(length / 1000, 0)}{space}km" if length >= 1000
             else tr.metres(length))
    ax.text(x0 + length / 2, y0 + pad * 0.2, scale, ha="center", va="bottom", fontsize=8,
            gid="scale")
    ax.legend(handles=handles, loc="upper left", fontsize=7, framealpha=0.9)
    if empty:
        ax.text(0.98, 0.02, "\n".join(empty), transform=ax.transAxes, ha="right",
                va="bottom", fontsize=9, color="#333333", gid="empty-layers",
                bbox={"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": "#999999",
                      "alpha": 0.92})
    inches = fig.dpi_scale_trans
    fig.text(4, height - 0.3, map_title(analysis.city.name, drawn, tr),
             fontsize=12, ha="center", va="top", transform=inches, gid="title")
    if subtitle:
        fig.text(4, height - 0.6, subtitle, ha="center", va="top", fontsize=8, color="#444444",
                 transform=inches)
    sources = "; ".join(f"{s.layer}: {s.origin}" + (f" ({s.dates_text()})" if s.dates_text()
                                                     else "")
                        for s in analysis.sources)
    footer(fig, _("Sources: {sources}. Coordinates: {crs}.").format(sources=sources, crs=crs)
            + f" geocover {version()}, {analysis.generated}.", _(ATTRIBUTION))
    return fig


def map_title(city: str, drawn: list[str], tr: Translator) -> str:
    """What the map shows: ``Metz: authorized perimeters and mapped cameras``, or the
    commune alone when no layer has anything to draw.

    Examples
    --------
    >>> from geocover.i18n import translator
    >>> map_title("Metz", [], translator("en"))
    'Metz: the commune (no perimeter, no camera to show)'
    >>> map_title("Metz", ["mapped cameras"], translator("en"))
    'Metz: mapped cameras'
    """
    _ = tr.gettext
    if not drawn:
        return _("{city}: the commune (no perimeter, no camera to show)").format(city=city)
    shown = drawn[0] if len(drawn) == 1 else _("{a} and {b}").format(a=drawn[0], b=drawn[1])
    return _("{city}: {shown}").format(city=city, shown=shown)


# ------------------------------------------------------------------ files


def figure_paths(analysis: Analysis, directory: str | Path = "maps") -> tuple[Path, Path]:
    """``<directory>/<city>-map.png`` and ``<directory>/<city>-cameras-over-time.png``."""
    directory = Path(directory)
    slug = analysis.city.slug
    return directory / f"{slug}-map.png", directory / f"{slug}-cameras-over-time.png"


def _png(fig: Figure, title: str = "", lang: str = "") -> bytes:
    """The figure as PNG, its title and language in the file's text chunks."""
    buffer = io.BytesIO()
    metadata = {"Software": f"geocover {version()}"}
    if title:
        metadata["Title"] = title
    if lang:
        metadata["Language"] = lang
    fig.savefig(buffer, format="png", dpi=DPI, metadata=metadata)
    return buffer.getvalue()


def figure_title(fig: Figure) -> str:
    """The title of one of these figures (the map's heading, or the chart's axes title)."""
    for text in fig.texts:
        if text.get_gid() == "title":
            return str(text.get_text())
    return str(fig.axes[0].get_title()) if fig.axes else ""


def write_figures(analysis: Analysis, directory: str | Path = "maps", *,
                  preset: str | None = None) -> list[Path]:
    """Write the map and the timeline PNGs into ``directory`` atomically; returns their paths."""
    map_path, timeline_path = figure_paths(analysis, directory)
    for path, fig in ((map_path, map_figure(analysis, preset=preset)),
                      (timeline_path, cameras_over_time_figure(analysis))):
        replace_atomic(path, _png(fig, figure_title(fig), analysis.lang))
    return [map_path, timeline_path]
