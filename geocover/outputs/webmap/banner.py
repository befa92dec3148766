"""The map's banner: the headline claim, its verdict, and a picture of what it means.

For an authorized area (Metz: "21 km², i.e. 50 % of the commune") the picture is a share
bar of the commune: the claimed area, the digitized perimeters when there are any, and
the most the claimed cameras could see (the capacity band, :attr:`Analysis.capacity`).
For a camera count (Paris: 1,391 sites) it is the part of the claimed sites the sources
place on the map. Arithmetic agreement (21 / 41.94 = 50 %) has its own badge, never the
colour of a check on the ground (:mod:`geocover.outputs.webmap.words`).
"""

from __future__ import annotations

from geocover.model.coverage import Capacity
from geocover.outputs.escape import html_text
from geocover.outputs.webmap.words import (
    claim_text,
    decisive_text,
    preset_name,
    verdict_class,
    verdict_label,
)
from geocover.pipeline.analysis import Analysis
from geocover.verdicts.claims import Verdict

#: Presets whose figure is not what a camera sees (the fact sheet's 300 m disc is a
#: reach): never the "at most" of the banner.
FACTSHEET_PREFIX = "factsheet"


def headline(analysis: Analysis) -> Verdict | None:
    """The claim the banner shows: an authorized area first, else the largest camera
    count, else the first claim."""
    verdicts = analysis.verdicts
    for v in verdicts:
        if v.kind == "authorized_area_km2":
            return v
    counts = [v for v in verdicts if v.kind == "camera_count"]
    if counts:
        return max(counts, key=lambda v: v.value)
    return verdicts[0] if verdicts else None


def most_seen(analysis: Analysis) -> Capacity | None:
    """The largest area the claimed cameras could see under a preset that models sight
    (not a ``factsheet`` reach): every camera a dome, no overlap."""
    seen = [c for c in analysis.capacity if not c.preset.startswith(FACTSHEET_PREFIX)]
    return max(seen, key=lambda c: c.dome_km2) if seen else None


def _pct(share: float) -> str:
    return f"{max(0.0, min(100.0, 100 * share)):.2f}%"


def _badge(v: Verdict, analysis: Analysis) -> str:
    return (f"<span class='gc-badge gc-v-{verdict_class(v)}'>"
            f"{html_text(verdict_label(v, analysis.tr))}</span>")


def _line(v: Verdict, analysis: Analysis) -> str:
    h = html_text
    decisive = decisive_text(v, analysis)
    tail = f" — {h(decisive)}" if decisive else ""
    return (f"<p class='gc-bline gc-v-{verdict_class(v)}' data-gc-verdict='{h(v.verdict)}'>"
            f"{_badge(v, analysis)} <b>{h(claim_text(v, analysis.tr))}</b>{tail}</p>")


def _area_picture(analysis: Analysis, area: Verdict) -> list[str]:
    h, tr = html_text, analysis.tr
    c, p = analysis.commune_figures, analysis.perimeter_figures
    total = analysis.city.official_area_km2 or c.area_km2
    out = ["<div class='gc-bar' role='img' aria-label='"
           + h(tr.gettext("{area} claimed against the commune's {total}").format(
               area=tr.km2(area.value), total=tr.km2(total))) + "'>"]
    out.append(f"<span class='gc-bar-claim' style='width:{_pct(area.value / total)}'></span>")
    if p.count:
        out.append(f"<span class='gc-bar-perim' style='width:{_pct(p.area_km2 / total)}'>"
                   "</span>")
    out.append("</div><ul class='gc-key'>")
    out.append("<li><i class='gc-key-claim'></i>" + h(tr.gettext(
        "claimed: {area}, {share} of {city} ({total})").format(
            area=tr.km2(area.value, 0 if float(area.value).is_integer() else 2),
            share=tr.percent(area.value / total), city=analysis.city.name,
            total=tr.km2(total))) + "</li>")
    frame = analysis.perimeters.frame
    decrees = 0
    if frame is not None and len(frame) and "decree_ref" in frame:
        decrees = int(frame["decree_ref"].dropna().astype(str).str.strip().replace("", None)
                      .dropna().nunique())
    digitized = tr.ngettext("{n} perimeter digitized", "{n} perimeters digitized",
                            p.count).format(n=tr.integer(p.count))
    decree_text = tr.ngettext("{n} decree", "{n} decrees", decrees).format(
        n=tr.integer(decrees))
    if p.count:
        covered = tr.gettext("covering {area} ({share})").format(
            area=tr.km2(p.area_km2), share=tr.percent(p.share or 0))
        out.append(f"<li><i class='gc-key-perim'></i>{h(digitized)} ({h(decree_text)}), "
                   f"{h(covered)}</li>")
    else:
        # one message, so French puts its space before the colon
        text = tr.gettext("{digitized} ({decrees}): the claimed area cannot be checked on "
                          "the map yet").format(digitized=digitized, decrees=decree_text)
        out.append(f"<li><i class='gc-key-none'></i>{h(text)}</li>")
    out.append("</ul>")
    return out


def _count_picture(analysis: Analysis, count: Verdict) -> list[str]:
    h, tr = html_text, analysis.tr
    known = 0
    if count.bound is not None and count.bound.lower is not None:
        known = int(count.bound.lower)
    elif analysis.cameras is not None:
        known = int(analysis.cameras_inside)
    claimed = max(float(count.value), 1.0)
    label = tr.gettext("{known} of the {claimed} claimed placed on the map by the sources "
                       "read").format(known=tr.integer(known), claimed=tr.integer(count.value))
    return [f"<div class='gc-bar' role='img' aria-label='{h(label)}'>"
            f"<span class='gc-bar-known' style='width:{_pct(known / claimed)}'></span></div>",
            f"<ul class='gc-key'><li><i class='gc-key-known'></i>{h(label)}</li></ul>"]


def _capacity_line(analysis: Analysis) -> str:
    h, tr = html_text, analysis.tr
    cap = most_seen(analysis)
    if cap is None:
        return ""
    total = analysis.city.official_area_km2 or analysis.commune_figures.area_km2
    text = tr.ngettext(
        "What {n} camera could see at most: {area} ({share} of the commune), under the "
        "widest preset ({preset}), as a dome with nothing in the way.",
        "What {n} cameras could see at most: {area} ({share} of the commune), under the "
        "widest preset ({preset}), each a dome, with no overlap and nothing in the way.",
        cap.n_cameras).format(n=tr.integer(cap.n_cameras), area=tr.km2(cap.dome_km2),
                              share=tr.percent(cap.dome_km2 / total, 1),
                              preset=preset_name(cap.preset, tr))
    return (f"<div class='gc-bar gc-bar-thin' role='img' aria-label='{h(text)}'>"
            f"<span class='gc-bar-cap' style='width:{_pct(cap.dome_km2 / total)}'></span>"
            f"</div><p class='gc-cap'>{h(text)}</p>")


def banner_html(analysis: Analysis) -> str | None:
    """The banner's escaped HTML, None when the city states no claim."""
    head = headline(analysis)
    if head is None:
        return None
    h, tr = html_text, analysis.tr
    lines = [head]
    if head.kind == "authorized_area_km2":
        lines += [v for v in analysis.verdicts if v.kind == "authorized_share"][:1]
    kicker = tr.gettext("The headline claim")
    out = ["<details open data-gc-fold><summary>"
           f"<span class='gc-kicker'>{h(kicker)}</span><br>"
           f"{_badge(head, analysis)} <b>{h(claim_text(head, tr))}</b></summary>"]
    if head.quote:
        out.append(f"<p class='gc-quote'>“{h(head.quote)}” <small>({h(tr.gettext(head.source))}, "
                   f"{h(tr.date(head.date))})</small></p>")
    decisive = decisive_text(head, analysis)
    if decisive:
        out.append(f"<p class='gc-bline' data-gc-verdict='{h(head.verdict)}'>"
                   f"{h(decisive[:1].upper() + decisive[1:])}.</p>")
    out += [_line(v, analysis) for v in lines[1:]]
    if head.kind in ("authorized_area_km2", "authorized_share"):
        out += _area_picture(analysis, head)
    elif head.kind == "camera_count":
        out += _count_picture(analysis, head)
    out.append(_capacity_line(analysis))
    out.append("</details>")
    return "".join(out)
