"""The camera count over time as a PNG chart, and what the static figures share.

:func:`cameras_over_time_figure` draws the claimed camera counts (``camera_count``
claims, a civil-society fact sheet's named as such, and the city's press timeline),
figures announced before their date (forecasts) or marked as targets apart from counts
(hollow markers, dotted line, never joined to the counts' line), and, where mapped
cameras have installation dates (e.g. the Paris 2019 list's commissioning dates), their
cumulative count. Every text is in the analysis' language (:attr:`Analysis.tr`).

The canvas, the footer and the attribution are shared with the map
(:mod:`geocover.outputs.figures`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from geocover.i18n import N_, Translator
from geocover.pipeline.analysis import Analysis
from geocover.schema.scope import announced

ATTRIBUTION = N_("Boundaries: IGN – ADMIN EXPRESS (Licence Ouverte). "
                 "Camera and street data: © OpenStreetMap contributors (ODbL) where from OSM.")
#: The fact sheet's author as city.toml states it, when it is the one geocover knows.
_AUTHORS = {"civil-society fact sheet": N_("civil-society fact sheet")}
#: Line style of figures announced (forecasts, targets) rather than counted.
ANNOUNCED_STYLE = ":"
DPI = 150


def version() -> str:
    from geocover._version import __version__

    return __version__


def canvas(fig: Figure) -> Figure:
    FigureCanvasAgg(fig)  # attaches the Agg canvas to the figure
    return fig


def footer(fig: Figure, notes: str, last: str) -> None:
    """Notes (up to 4 wrapped lines) and a last line, in the bottom 0.85 in."""
    inches = fig.dpi_scale_trans
    fig.text(0.15, 0.72, _wrap(notes, 165), fontsize=5.5, color="#333333", va="top",
             linespacing=1.3, transform=inches)
    fig.text(0.15, 0.1, last, fontsize=6, color="#333333", va="bottom", transform=inches)


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)[:4])


#: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.
_AS_OF = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def parse_as_of(text: str | None) -> dt.date | None:
    """A claim's date: ``YYYY`` → 1 July, ``YYYY-MM`` → the 15th, ``YYYY-MM-DD`` as is;
    None when unreadable.

    Examples
    --------
    >>> parse_as_of("2014-11"), parse_as_of("2008"), parse_as_of("soon")
    (datetime.date(2014, 11, 15), datetime.date(2008, 7, 1), None)
    """
    match = _AS_OF.match((text or "").strip())
    if not match:
        return None
    year, month, day = match.groups()
    try:
        if month is None:
            return dt.date(int(year), 7, 1)
        if day is None:
            return dt.date(int(year), int(month), 15)
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


@dataclass(frozen=True)
class DatedCount:
    """One point of the chart: a date, a camera count, where it comes from."""

    date: dt.date
    value: int
    label: str
    source: str
    announced: bool = False
    """A forecast (given before its date) or a target: announced, not counted."""
    target: bool = False
    factsheet: bool = False
    """A claim of the city's fact sheet (``[factsheet]``)."""


@dataclass
class Timeline:
    """The data of :func:`cameras_over_time_figure`."""

    claimed: list[DatedCount] = field(default_factory=list)
    """The city's ``camera_count`` claims."""
    press: list[DatedCount] = field(default_factory=list)
    """The city's ``[[timeline]]`` counts (claims from the press)."""
    installed_dates: list[dt.date] = field(default_factory=list)
    """Installation dates of mapped cameras, sorted."""
    undated: int = 0
    """Mapped cameras without a readable installation date."""
    mapped: int | None = None
    """Mapped cameras (all sources), None when no camera source was read."""

    @property
    def cumulative(self) -> tuple[list[dt.date], list[int]]:
        return self.installed_dates, list(range(1, len(self.installed_dates) + 1))


def _from_factsheet(source: str, factsheet: dict[str, Any]) -> bool:
    """Whether a claim's ``source`` is the city's fact sheet (``source = "fact sheet…"``)."""
    return bool(factsheet) and source.strip().lower().startswith("fact sheet")


def timeline(analysis: Analysis) -> Timeline:
    """The dated camera counts of ``analysis``: claims, press figures, installation dates."""
    city = analysis.city
    out = Timeline()
    for claim in city.claims_of("camera_count"):
        day = parse_as_of(claim.as_of) or parse_as_of(claim.date)
        if day is not None:
            out.claimed.append(DatedCount(
                day, int(claim.value), claim.id, claim.source,
                announced=announced(claim.as_of, claim.date),
                factsheet=_from_factsheet(claim.source, city.factsheet)))
    for point in city.timeline:
        day = parse_as_of(point.as_of)
        if day is not None:
            out.press.append(DatedCount(day, int(point.value), point.as_of, point.source,
                                        announced=point.announced, target=point.target))
    cameras = analysis.cameras
    if cameras is not None:
        out.mapped = len(cameras)
        if "installed" in cameras and len(cameras):
            dates = [parse_as_of(str(v)[:10]) if v is not None and str(v) not in ("", "nan", "None")
                     else None for v in cameras["installed"]]
            out.installed_dates = sorted(d for d in dates if d is not None)
            out.undated = len(dates) - len(out.installed_dates)
    out.claimed.sort(key=lambda p: p.date)
    out.press.sort(key=lambda p: p.date)
    return out


def _claims_label(points: list[DatedCount], analysis: Analysis) -> str:
    """Who claims the counts: a civil-society fact sheet named as such, else their source."""
    _ = analysis.tr.gettext
    sheet = analysis.city.factsheet
    if points and all(p.factsheet for p in points):
        author = str(sheet.get("author") or "")
        return _("claimed by a {author}: “{title}” ({date})").format(
            author=_(_AUTHORS.get(author, author)) if author else _("fact sheet"),
            title=sheet.get("title", ""), date=analysis.tr.date(str(sheet.get("date", ""))))
    sources = sorted({p.source for p in points})
    return _("claimed ({sources})").format(sources="; ".join(sources))


def _series(ax: Axes, points: list[DatedCount], *, colour: str, marker: str, style: str,
            label: str, tr: Translator) -> None:
    """Counts as a line with filled markers; forecasts and targets in dotted line with
    hollow markers, from the last count before them, never joined to the counts."""
    counts = [p for p in points if not p.announced]
    ahead = [p for p in points if p.announced]
    if counts:
        # matplotlib converts dates itself; its annotations only name numbers and arrays
        ax.plot([p.date for p in counts], [p.value for p in counts], marker=marker,  # type: ignore[arg-type]
                linestyle=style, color=colour, label=label, gid="counts")
    if ahead:
        first = [c for c in counts if c.date <= ahead[0].date][-1:]
        line = first + ahead
        ax.plot([p.date for p in line], [p.value for p in line], linestyle=ANNOUNCED_STYLE,  # type: ignore[arg-type]
                color=colour, linewidth=1.2, gid="announced-line")
        ax.plot([p.date for p in ahead], [p.value for p in ahead], marker=marker,  # type: ignore[arg-type]
                linestyle="none", markerfacecolor="white", markeredgecolor=colour,
                markersize=7, gid="announced",
                label=tr.gettext("{label}: forecasts and targets (announced, not counts)")
                .format(label=label.split(" (")[0].split(":")[0]))
    for p in points:
        text = tr.integer(p.value)
        if p.target:
            text = tr.gettext("{n} (target)").format(n=text)
        elif p.announced:
            text = tr.gettext("{n} (forecast)").format(n=text)
        ax.annotate(text, (p.date, p.value), textcoords="offset points",
                    xytext=(0, 7), ha="center", fontsize=7, color=colour)


def cameras_over_time_figure(analysis: Analysis) -> Figure:
    """Camera counts over time: claimed (a fact sheet's named as such), from the press,
    forecasts and targets apart, and mapped cameras by installation date (cumulative),
    on an Agg canvas."""
    tr = analysis.tr
    _ = tr.gettext
    data = timeline(analysis)
    fig = canvas(Figure(figsize=(8, 5.2), dpi=DPI))
    ax = fig.add_axes((0.09, 1.2 / 5.2, 0.88, 3.55 / 5.2))
    plotted = False
    if data.installed_dates:
        dates, counts = data.cumulative
        ax.step(dates, counts, where="post", color="#2c7fb8", linewidth=1.8,  # type: ignore[arg-type]
                label=_("mapped cameras with an installation date (cumulative, {n}; "
                        "{undated} undated)").format(n=tr.integer(len(dates)),
                                                     undated=tr.integer(data.undated)))
        plotted = True
    if data.claimed:
        _series(ax, data.claimed, colour="#d7301f", marker="o", style="-",
                label=_claims_label(data.claimed, analysis), tr=tr)
        plotted = True
    if data.press:
        _series(ax, data.press, colour="#737373", marker="s", style="--",
                label=_("press figures (claims, not measurements)"), tr=tr)
        plotted = True
    if data.mapped and plotted:
        ax.axhline(data.mapped, color="#2c7fb8", linestyle="-.", linewidth=1, gid="mapped-today",
                   label=_("mapped today, all sources ({n}): a lower bound").format(
                       n=tr.integer(data.mapped)))
    if not plotted:
        ax.text(0.5, 0.5, _("No dated camera count for {city}:\nno claim with a date, "
                            "no mapped camera with an installation date.").format(
                                city=analysis.city.name),
                ha="center", va="center", transform=ax.transAxes, fontsize=10, color="#555555")
        ax.set_xticks([])
    else:
        top = max([p.value for p in data.claimed + data.press] + [len(data.installed_dates),
                                                                  data.mapped or 0])
        ax.set_ylim(0, top * 1.12)
        ax.margins(x=0.06)  # room for the last point's label
        ax.legend(loc="upper left", fontsize=7, framealpha=0.9)
        ax.grid(True, linewidth=0.3, alpha=0.6)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: tr.integer(v)))
    ax.set_ylabel(_("cameras"))
    ax.set_title(_("{city}: video-surveillance cameras over time").format(
        city=analysis.city.name), fontsize=11)
    notes = _("Dates: a year alone is placed on 1 July, a month on its 15th.")
    if any(p.announced for p in data.claimed + data.press):
        notes += " " + _("A forecast (a figure given before its date) or a target is drawn "
                         "with hollow markers and a dotted line: it was announced, not counted.")
    if data.mapped == 0:
        notes += " " + _("No camera is mapped in the sources read for this figure.")
    sources = sorted({p.source for p in data.claimed + data.press})
    if sources:
        notes += " " + _("Sources: {sources}.").format(sources="; ".join(sources))
    camera_sources = [s.origin for s in analysis.sources if s.layer.startswith("camera")]
    if camera_sources and data.installed_dates:
        notes += " " + _("Installation dates: {sources}.").format(
            sources="; ".join(camera_sources))
    footer(fig, f"{notes} geocover {version()}, {analysis.generated}.", _(ATTRIBUTION))
    return fig
