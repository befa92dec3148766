"""The report's appendix, for analysts: the commune's areas and the coordinate reference
system, the files read, provenance with sha256 and dates of the data, presets, software,
warnings, sources and attribution. File paths, CRS codes and source ids are said here
only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geocover.outputs.document import Section, Table
from geocover.outputs.provenance import layer_name, provenance_section
from geocover.pipeline.analysis import Analysis
from geocover.schema.text import display_path

OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
IGN_ATTRIBUTION = "IGN – ADMIN EXPRESS (Licence Ouverte)"


def commune_source(analysis: Analysis) -> Any:
    """The source record of the commune boundary (None for a hand-made analysis)."""
    return next((s for s in analysis.sources if s.layer == "commune"), None)


def _signed(x: float, digits: int, tr: Any) -> str:
    return ("+" if x >= 0 else "−") + tr.percent(abs(x), digits)


def commune_crs_section(analysis: Analysis) -> Section:
    tr, c, city = analysis.tr, analysis.commune_figures, analysis.city
    rows = [
        [tr.gettext("area, planar ({crs})").format(crs=c.crs), tr.km2(c.area_km2, 3)],
        [tr.gettext("area, geodesic (WGS 84 ellipsoid)"), tr.km2(c.geodesic_area_km2, 3)],
        [tr.gettext("planar against geodesic"), _signed(c.planar_vs_geodesic, 3, tr)],
    ]
    if c.official_area_km2:
        assert c.computed_vs_official is not None
        rows.append([tr.gettext("official area"), tr.km2(c.official_area_km2, 3)])
        rows.append([tr.gettext("computed against official"),
                     _signed(c.computed_vs_official, 2, tr)])
    items: list[str | Table] = [Table([tr.gettext("figure"), tr.gettext("value")], rows, {1})]
    if city.official_area_source:
        items.append(tr.gettext("official area: {source}").format(
            source=city.official_area_source))
    boundary = commune_source(analysis)
    when = (boundary.dates_text(tr) if boundary is not None else
            tr.gettext("retrieved {date}").format(date=analysis.commune["retrieved"].iloc[0]))
    items.append(tr.gettext("boundary: {source}, {dates}").format(
        source=analysis.commune["source"].iloc[0], dates=when))
    items.append(tr.gettext("areas and shares are computed in {crs}, a metric CRS for the "
                            "commune, and cross-checked on the ellipsoid").format(crs=c.crs))
    return Section(tr.gettext("Commune: areas and coordinate reference system"), items,
                   level=3)


def files_section(analysis: Analysis) -> Section:
    tr = analysis.tr
    items: list[str | Table] = []
    path = analysis.perimeters.path or analysis.city.perimeters_file
    n = analysis.perimeter_figures.count
    if path is not None:
        items.append(tr.ngettext("perimeters: {file} ({n} perimeter)",
                                 "perimeters: {file} ({n} perimeters)", n).format(
            file=display_path(Path(path)), n=tr.integer(n)))
    files = sorted({c.file for v in analysis.verdicts for c in v.checks if c.file}
                   - ({str(path)} if path is not None else set()))
    items += [tr.gettext("checked against: {file}").format(file=display_path(Path(f)))
              for f in files]
    if analysis.bundle is not None:
        items.append(tr.gettext("offline bundle: {folder}").format(
            folder=display_path(analysis.bundle)))
    return Section(tr.gettext("Files"), items, bullets=True, level=3)


def sources_section(analysis: Analysis) -> Section:
    tr = analysis.tr
    items: list[str | Table] = []
    for s in analysis.sources:
        count = (", " + tr.ngettext("{n} feature", "{n} features", s.count).format(
            n=tr.integer(s.count)) if s.count is not None else "")
        dates = s.dates_text(tr)
        when = f", {dates}" if dates else ""
        licence = (" " + tr.gettext("(licence: {licence})").format(licence=s.licence)
                   if s.licence else "")
        items.append(f"{layer_name(s.layer, tr)}: {s.origin}{when}{count}. "
                     f"{s.attribution}{licence}")
    items.append(tr.gettext("Attribution: {attribution}.").format(
        attribution=f"{IGN_ATTRIBUTION}; {OSM_ATTRIBUTION}"))
    return Section("Sources", items, bullets=True, level=3)


def appendix_sections(analysis: Analysis) -> list[Section]:
    """The appendix, section by section."""
    tr = analysis.tr
    out = [commune_crs_section(analysis), files_section(analysis)]
    if analysis.provenance is not None:
        out += provenance_section(analysis)[1]
    if analysis.warnings:
        out.append(Section(tr.gettext("Warnings"), list(analysis.warnings), bullets=True,
                           level=3))
    out.append(sources_section(analysis))
    return out
