"""The map's words for readers: one line per claim, compass points, model names, and
the developers' words (paths, options, CRS codes, internal ids) kept out of sight. The
verdicts' labels are :mod:`geocover.outputs.verdict_text`'s, as the report's.

The verdicts' own texts (``Verdict.explanation``, ``decisive``, ``settle``) name files,
options and CRS codes for analysts: the map shows them only in folded "for analysts"
parts, and says each claim in a reader's words made here, in the analysis' language.
"""

from __future__ import annotations

import re
from typing import Any

from geocover.i18n import N_, Translator
from geocover.outputs.verdict_text import ARITHMETIC, KEYS, verdict_key, verdict_label
from geocover.verdicts.claims import UNVERIFIABLE, Verdict

__all__ = ["ARITHMETIC", "VERDICT_CLASSES", "claim_text", "compass", "decisive_text",
           "developer_words", "preset_name", "verdict_class", "verdict_label"]

VERDICT_CLASSES: tuple[str, ...] = KEYS


#: What a reader should never be shown outside the "for analysts" parts.
DEVELOPER_WORDS = re.compile(
    r"--[a-z][\w-]*"                                    # a command-line option
    r"|\bEPSG:\d+"                                      # a CRS code
    r"|\bbundle:"                                       # a bundle origin
    r"|\b(?:list|osm|contrib):[\w.-]+[:/][\w.-]+"       # an internal camera id
    r"|(?<![\w/:.])(?:\.\.?/|data/|maps/)[\w./-]+"      # a path
    r"|\b[\w-]+\.(?:geojson|toml|csv|gpkg|txt|json|pbf|parquet)\b"  # a file name
)


def developer_words(text: str) -> list[str]:
    """The developers' words in ``text`` (empty: a reader may be shown it).

    >>> developer_words("pass --perimeters FILE (EPSG:2154, data/metz/perimeters.geojson)")
    ['--perimeters', 'EPSG:2154', 'data/metz/perimeters.geojson']
    >>> developer_words("21 km² is 50 % of the commune")
    []
    """
    return [m.group(0) for m in DEVELOPER_WORDS.finditer(text or "")]


def verdict_class(verdict: Verdict) -> str:
    """The badge's class: ``consistent``, ``contradicted``, ``unverifiable`` or
    ``arithmetic`` (:func:`geocover.outputs.verdict_text.verdict_key`)."""
    key = verdict_key(verdict)
    return key if key in KEYS else UNVERIFIABLE


def claim_text(verdict: Verdict, tr: Translator) -> str:
    """What the claim says, in a few words: ``21 km² authorized``, ``148 cameras (2020)``."""
    v = verdict
    scope = v.scope
    as_of = tr.date(scope.as_of) if scope is not None and scope.as_of else ""
    if v.kind == "authorized_area_km2":
        return tr.gettext("{area} authorized for video-surveillance").format(
            area=tr.km2(v.value, 0 if float(v.value).is_integer() else 2))
    if v.kind == "authorized_share":
        return tr.gettext("{share} of the commune authorized").format(
            share=tr.percent(v.value, 0))
    if v.kind == "camera_count":
        n = int(v.value)
        sites = scope is not None and scope.counts == "camera_sites"
        text = (tr.ngettext("{n} camera site", "{n} camera sites", n) if sites
                else tr.ngettext("{n} camera", "{n} cameras", n)).format(n=tr.integer(n))
        return f"{text} ({as_of})" if as_of else text
    if v.kind == "identification_range_m":
        return tr.gettext("faces identified at {range}").format(range=tr.metres(v.value))
    if v.kind == "retention_days":
        n = int(v.value)
        return tr.ngettext("images kept {n} day", "images kept {n} days", n).format(
            n=tr.integer(n))
    return f"{v.kind}: {tr.decimal(v.value, 2, significant=True)}"


def decisive_text(verdict: Verdict, analysis: Any) -> str:
    """The figure that decides the claim, in a reader's words (no file, no option)."""
    tr: Translator = analysis.tr
    v = verdict
    p = analysis.perimeter_figures
    official = analysis.city.official_area_km2 or analysis.commune_figures.area_km2
    if v.kind in ("authorized_area_km2", "authorized_share"):
        if p.count:
            text = tr.ngettext("the {n} digitized perimeter covers {area} ({share})",
                               "the {n} digitized perimeters cover {area} ({share})",
                               p.count).format(n=tr.integer(p.count), area=tr.km2(p.area_km2),
                                               share=tr.percent(p.share or 0))
        else:
            text = tr.gettext("no authorized perimeter is digitized yet")
        if v.kind == "authorized_share":
            area = next((c.value for c in analysis.verdicts if c.kind == "authorized_area_km2"),
                        None)
            if area is not None:
                ratio = tr.gettext("{area} is {share} of the commune's {total}").format(
                    area=tr.km2(area, 0 if float(area).is_integer() else 2),
                    share=tr.percent(area / official), total=tr.km2(official))
                text = f"{ratio}; {text}"
        return text
    if v.kind == "camera_count":
        n = 0 if analysis.cameras is None else int(analysis.cameras_inside or len(analysis.cameras))
        if v.bound is not None and v.bound.lower is not None:
            return tr.gettext("the sources read show at least {n}").format(
                n=tr.integer(v.bound.lower))
        if n == 0:
            return tr.gettext("no camera is mapped in the sources read")
        return tr.ngettext("{n} camera site is mapped (a lower bound)",
                           "{n} camera sites are mapped (a lower bound)", n).format(
                               n=tr.integer(n))
    if v.kind == "identification_range_m":
        return tr.gettext("depends on each camera's lens, zoom and light: no public "
                          "specification")
    if v.kind == "retention_days":
        return tr.gettext("only the operator's records can tell")
    return ""


_COMPASS = (N_("north"), N_("north-east"), N_("east"), N_("south-east"), N_("south"),
            N_("south-west"), N_("west"), N_("north-west"))


def compass(degrees: float, tr: Translator) -> str:
    """The compass point of a direction in degrees (0 = north, clockwise).

    >>> from geocover.i18n import translator
    >>> compass(135, translator("en")), compass(350, translator("en"))
    ('south-east', 'north')
    """
    return tr.gettext(_COMPASS[int(((float(degrees) % 360) + 22.5) // 45) % 8])


_PRESET_NAMES = {
    "panopticity-identification": N_("PanoptiCity, identification"),
    "panopticity-recognition": N_("PanoptiCity, recognition"),
    "panopticity-observation": N_("PanoptiCity, observation"),
    "factsheet-300m": N_("fact sheet's 300 m, at one moment"),
    "factsheet-300m-reach": N_("fact sheet's 300 m, by turning"),
}


def preset_name(preset: str, tr: Translator) -> str:
    """A field-of-view model's short name for readers (its parameters are for analysts).

    >>> from geocover.i18n import translator
    >>> preset_name("sunders", translator("fr")), preset_name("panopticity-recognition",
    ...                                                       translator("fr"))
    ('SunderS', 'PanoptiCity, reconnaissance')
    """
    if preset in _PRESET_NAMES:
        return tr.gettext(_PRESET_NAMES[preset])
    from geocover.model.presets import PRESETS

    known = PRESETS.get(preset)
    return known.label.split(" (")[0] if known is not None else preset
