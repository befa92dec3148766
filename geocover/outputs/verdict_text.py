"""The reader's words for a verdict, in the analysis' language: the map and the report
say the same thing through these functions.

A verdict's own texts (``explanation``, ``decisive``, ``settle``) are written by
:mod:`geocover.verdicts` in the analysis' language (``analyse(lang=…)``); this module
adds what a reader reads around them: the claim in words, the verdict's label, one line
per claim. Give it the analysis' translator (``analysis.tr``).

>>> from geocover.i18n import translator
>>> from geocover.verdicts.claims import Verdict
>>> v = Verdict(id="cameras-now", kind="camera_count", value=148, verdict="unverifiable",
...             explanation="", source="fact sheet", date="2020-02")
>>> claim_text(v, translator("en"))
'148 cameras'
>>> verdict_label(v, translator("fr"))
'invérifiable'
"""

from __future__ import annotations

from geocover.i18n import N_, Translator
from geocover.verdicts.bounds import figure
from geocover.verdicts.claims import CONSISTENT, CONTRADICTED, UNVERIFIABLE, Check, Verdict

#: The keys of :func:`verdict_key`: the three verdicts and the arithmetic agreement.
ARITHMETIC = "arithmetic"
KEYS = (CONSISTENT, CONTRADICTED, UNVERIFIABLE, ARITHMETIC)

_LABELS = {
    CONSISTENT: N_("consistent"),
    CONTRADICTED: N_("contradicted"),
    UNVERIFIABLE: N_("unverifiable"),
    ARITHMETIC: N_("the figures agree with each other"),
}

#: What a check compared the claim with (``Check.against``, kept in English in the JSON).
_AGAINST = {
    "digitized perimeters": N_("the digitized perimeters"),
    "official commune area": N_("the official area of the commune"),
    "claimed area / computed commune area": N_("the claimed area and the measured commune"),
    "claimed area / official commune area": N_("the claimed area and the official commune area"),
    "commune area": N_("the commune's area"),
    "mapped cameras": N_("the mapped cameras"),
    "mapped cameras, like with like": N_("the mapped cameras, like with like"),
    "camera specifications": N_("the cameras' specifications"),
    "operator records": N_("the operator's records"),
}


def verdict_key(verdict: Verdict) -> str:
    """``consistent``, ``contradicted``, ``unverifiable`` or ``arithmetic`` (consistent
    only because the claimed figures agree with each other): for a badge's colour."""
    return ARITHMETIC if verdict.arithmetic_only else verdict.verdict


def verdict_label(verdict: Verdict, tr: Translator) -> str:
    """The reader's word for the verdict (``cohérent``, ``contredit``, ``invérifiable``,
    or ``les chiffres concordent entre eux`` for an agreement of figures only)."""
    return tr.gettext(_LABELS[verdict_key(verdict)])


def against_text(check: Check, tr: Translator) -> str:
    """What a check compared the claim with, in words."""
    label = _AGAINST.get(check.against)
    return tr.gettext(label) if label else check.against


def number(x: float, tr: Translator) -> str:
    """A claimed figure as written: ``148``, ``1 391``, ``41,94`` (no trailing zeros)."""
    return figure(x, tr)


def _when(as_of: str, tr: Translator) -> tuple[str, bool]:
    """The date in words and whether it is a day (``on 1 February 2019``) rather than a
    year or a month (``in February 2020``)."""
    return tr.date(as_of), len(as_of.strip()) >= 10


def claim_text(verdict: Verdict, tr: Translator) -> str:
    """The claim in words: ``21 km² authorized``, ``148 cameras in February 2020``."""
    value = verdict.value
    n = number(value, tr)
    if verdict.kind == "authorized_area_km2":
        return tr.gettext("{area} km² authorized by the prefecture").format(area=n)
    if verdict.kind == "authorized_share":
        return tr.gettext("{share} of the commune authorized").format(
            share=tr.percent(value, 0 if float(100 * value).is_integer() else 1))
    if verdict.kind == "camera_count":
        sites = verdict.scope is not None and verdict.scope.counts == "camera_sites"
        as_of = verdict.scope.as_of if verdict.scope is not None else None
        count = round(value)
        if not as_of:
            return (tr.ngettext("{n} camera site", "{n} camera sites", count) if sites
                    else tr.ngettext("{n} camera", "{n} cameras", count)).format(n=n)
        when, day = _when(as_of, tr)
        if sites:
            text = (tr.ngettext("{n} camera site on {date}", "{n} camera sites on {date}", count)
                    if day else
                    tr.ngettext("{n} camera site in {date}", "{n} camera sites in {date}", count))
        else:
            text = (tr.ngettext("{n} camera on {date}", "{n} cameras on {date}", count) if day
                    else tr.ngettext("{n} camera in {date}", "{n} cameras in {date}", count))
        return text.format(n=n, date=when)
    if verdict.kind == "identification_range_m":
        return tr.gettext("faces identified at {distance}").format(distance=tr.metres(value))
    if verdict.kind == "retention_days":
        days = round(value)
        return tr.ngettext("images kept {n} day", "images kept {n} days", days).format(n=n)
    return n


def _sentence(text: str) -> str:
    """``text`` as a sentence: a capital first, a full stop last."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def claim_line(verdict: Verdict, tr: Translator) -> str:
    """One line a citizen reads: the claim, the verdict, the decisive figure and its
    scope, and what would settle it when unverifiable."""
    line = tr.gettext("{claim}: {verdict}.").format(claim=claim_text(verdict, tr),
                                                     verdict=verdict_label(verdict, tr))
    if verdict.decisive:
        line += " " + _sentence(verdict.decisive)
    if verdict.settle:
        line += " " + _sentence(tr.gettext("To settle it: {what}").format(what=verdict.settle))
    return line


def explanation(verdict: Verdict, tr: Translator) -> str:
    """Why, in full: every check of the claim (what it was compared with, that check's
    verdict, its explanation)."""
    if not verdict.checks:
        return verdict.explanation
    parts = []
    if verdict.arithmetic_only or len(verdict.checks) > 1:
        lead = verdict.explanation
        for c in verdict.checks:
            lead = lead.replace(c.explanation, "")
        if lead.strip():
            parts.append(_sentence(lead))
    for c in verdict.checks:
        parts.append(tr.gettext("Against {what}: {verdict}. {why}").format(
            what=against_text(c, tr), verdict=tr.gettext(_LABELS[c.verdict]),
            why=_sentence(c.explanation)))
    return " ".join(p.strip() for p in parts)
