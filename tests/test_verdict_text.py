"""The reader's words for verdicts (geocover.outputs.verdict_text), French and English."""

from __future__ import annotations

import pytest

from geocover import analyse
from geocover.i18n import translator
from geocover.outputs import verdict_text as vt

NNBSP = "\u202f"  # Babel's French thousands separator


@pytest.fixture(scope="module")
def metz(bundle):
    return {lang: analyse("metz", bundle=bundle, lang=lang) for lang in ("fr", "en")}


def by_id(analysis):
    return {v.id: v for v in analysis.verdicts}


def test_arithmetic_agreement_has_its_own_label(metz):
    """50 % = 21 km² / 41.94 km² while no perimeter is digitized: the figures agree with
    each other, which is not a check on the ground."""
    en, fr = by_id(metz["en"]), by_id(metz["fr"])
    share = en["authorized-share"]
    assert share.verdict == "consistent"
    assert share.arithmetic_only
    assert vt.verdict_key(share) == "arithmetic"
    assert vt.verdict_label(share, translator("en")) == "the figures agree with each other"
    assert vt.verdict_label(fr["authorized-share"], translator("fr")) == \
        "les chiffres concordent entre eux"
    area = en["authorized-area"]
    assert area.verdict == "unverifiable" and not area.arithmetic_only
    assert vt.verdict_label(area, translator("fr")) == "invérifiable"
    assert vt.verdict_label(area, translator("en")) == "unverifiable"


def test_claims_in_words(metz):
    en, fr = by_id(metz["en"]), by_id(metz["fr"])
    assert vt.claim_text(en["cameras-now"], translator("en")) == "148 cameras in February 2020"
    assert vt.claim_text(fr["cameras-now"], translator("fr")) == "148 caméras en février 2020"
    assert vt.claim_text(fr["cameras-2008"], translator("fr")) == "35 caméras en 2008"
    assert vt.claim_text(en["authorized-area"], translator("en")) == \
        "21 km² authorized by the prefecture"
    assert vt.claim_text(fr["authorized-share"], translator("fr")) == \
        "50\u00a0% de la commune en périmètre autorisé"
    assert vt.claim_text(fr["retention"], translator("fr")) == "images conservées 15 jours"
    assert vt.claim_text(en["face-identification-range"], translator("en")) == \
        "faces identified at 300 m"


def test_paris_sites_claim_in_words(bundle):
    fr = analyse("paris", bundle=bundle, lang="fr", osm=False)
    v = by_id(fr)["plan-sites-2019"]
    assert vt.claim_text(v, translator("fr")) == f"1{NNBSP}391 sites de caméras au 1er février 2019"
    assert vt.claim_text(v, translator("en")) == "1,391 camera sites on 1 February 2019"


def test_claim_line_says_what_would_settle_it(metz):
    for lang in ("fr", "en"):
        tr = translator(lang)
        v = by_id(metz[lang])["cameras-now"]
        line = vt.claim_line(v, tr)
        assert line.startswith(vt.claim_text(v, tr))
        assert vt.verdict_label(v, tr) in line
        assert v.settle and v.settle in line
        assert ("Pour trancher" in line) == (lang == "fr")
    share = by_id(metz["en"])["authorized-share"]
    assert "To settle it" in vt.claim_line(share, translator("en"))  # settled on the ground only


def test_explanation_names_each_check(metz):
    en = by_id(metz["en"])["authorized-share"]
    text = vt.explanation(en, translator("en"))
    for check in en.checks:
        assert f"Against {vt.against_text(check, translator('en'))}: {check.verdict}." in text
    assert "the digitized perimeters: unverifiable" in text
    fr = by_id(metz["fr"])["authorized-share"]
    assert "Comparaison avec les périmètres numérisés\u00a0: invérifiable" in \
        vt.explanation(fr, translator("fr"))
