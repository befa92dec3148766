"""French and English (issue 14, item 1 and 6): the catalog is complete, the wheel ships it
compiled, the report says the same in both languages with the locale's numbers, its
Markdown tables render as tables, and the CLI speaks the asked language."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from geocover import analyse
from geocover.i18n import check
from geocover.outputs import report

ROOT = Path(__file__).resolve().parents[1]
NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture(scope="module")
def metz(bundle):
    return {lang: analyse("metz", bundle=bundle, lang=lang) for lang in ("fr", "en")}


@pytest.fixture(scope="module")
def paris(bundle):
    return {lang: analyse("paris", bundle=bundle, lang=lang, presets=["sunders"])
            for lang in ("fr", "en")}


def test_the_french_catalog_is_complete():
    """Every message the code marks is translated, none fuzzy or stale, placeholders kept."""
    assert check.problems("fr") == []
    assert len(check.extracted()) > 300  # the report, verdicts and CLI are marked


def test_the_wheel_ships_the_compiled_catalog(tmp_path):
    """setup.py's build_py compiles the .po into the wheel; a catalog read from the wheel
    translates."""
    source = tmp_path / "src"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", "__pycache__", ".*cache", ".venv", "maps",
        "notebooks", "benchmarks", "tests"))
    out = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
           "--quiet", "-w", str(out), str(source)]
    done = subprocess.run(pip, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    (wheel,) = out.glob("geocover-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        mo = "geocover/i18n/locale/fr/LC_MESSAGES/geocover.mo"
        assert mo in names
        catalog = gettext.GNUTranslations(z.open(mo))
    assert catalog.gettext("consistent") == "cohérent"
    assert catalog.gettext("the figures agree with each other") == \
        "les chiffres concordent entre eux"
    assert catalog.ngettext("{n} camera", "{n} cameras", 148) == "{n} caméras"
    assert catalog.ngettext("{n} camera", "{n} cameras", 1) == "{n} caméra"


def _numbers(text: str, lang: str) -> Counter[str]:
    """The numbers of a text, written the same way whatever the locale."""
    if lang == "fr":
        text = text.replace(NNBSP, "")
        found = re.findall(r"\d+(?:[,.]\d+)?", text)  # a source's own "41.94" too
        return Counter(n.replace(",", ".") for n in found)
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    return Counter(re.findall(r"\d+(?:\.\d+)?", text))


@pytest.mark.parametrize("city", ["metz", "paris"])
@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_the_report_says_the_same_in_french_and_english(city, fmt, metz, paris):
    runs = {"metz": metz, "paris": paris}[city]
    fr, en = (report.render(runs[lang], fmt) for lang in ("fr", "en"))
    assert fr != en
    assert _numbers(fr, "fr") == _numbers(en, "en")
    assert [v.verdict for v in runs["fr"].verdicts] == [v.verdict for v in runs["en"].verdicts]
    # the verdicts come first, then the figures, then the appendix, in both languages
    assert fr.index("Verdicts") < fr.index("Les mesures") < fr.index("Annexe")
    assert en.index("Verdicts") < en.index("Figures") < en.index("Appendix")


def test_french_numbers_and_dates(metz, paris):
    fr, en = report.to_text(metz["fr"]), report.to_text(metz["en"])
    assert f"41,753{NBSP}km²" in fr and "41.753 km²" in en
    assert f"50,07{NBSP}%" in fr and "50.07%" in en
    assert "148 caméras en février 2020 : invérifiable." in fr.replace(NBSP, " ")
    assert "148 cameras in February 2020: unverifiable." in en
    paris_fr = report.to_text(paris["fr"])
    assert f"1{NNBSP}391 sites de caméras au 1er février 2019" in paris_fr


def test_no_path_flag_or_epsg_before_the_appendix(metz, paris):
    for runs in (metz, paris):
        for lang, word in (("fr", "Annexe"), ("en", "Appendix")):
            for fmt in ("text", "markdown"):
                page = report.render(runs[lang], fmt)
                head = page[:page.index(word)]
                assert "EPSG" not in head and not re.search(r"--[a-z]", head), (lang, fmt)
                assert ".geojson" not in head and "data/" not in head and "bundle:" not in head
                assert not re.search(r"\blist:[a-z]", head)  # internal source ids
                tail = page[page.index(word):]
                assert "EPSG:" in tail and "sha256" in tail


def test_the_verdicts_of_metz_fit_on_a_screen(metz):
    """About 15 lines before the figures: one per claim, the counts over time, in short."""
    for lang, figures in (("fr", "Les mesures"), ("en", "Figures")):
        text = report.to_text(metz[lang])
        head = text[:text.index(f"\n{figures}\n")].strip().splitlines()
        assert len(head) <= 25, len(head)
        claims = [line for line in head if line.startswith("  - ")]
        assert len(claims) == len(metz[lang].verdicts) == 8


def _html(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_markdown_tables_render_as_tables(lang, metz, paris):
    for runs, at_least in ((metz, 4), (paris, 7)):
        md = report.to_markdown(runs[lang])
        rules = [line for line in md.splitlines() if re.fullmatch(r"\|(---\|)+", line)]
        html = _html(md)
        assert html.count("<table>") == len(rules) >= at_least
        # no table line left as a paragraph
        assert not re.search(r"<p>\|", html)


def _same_shape(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two JSON values differ other than in their text."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{path}: keys {sorted(set(a) ^ set(b))}"]
        return [d for k in a for d in _same_shape(a[k], b[k], f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items against {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in _same_shape(x, y, f"{path}[{i}]")]
    if isinstance(a, str) and isinstance(b, str):
        return []
    return [] if a == b else [f"{path}: {a!r} against {b!r}"]


@pytest.mark.parametrize("city", ["metz", "paris"])
def test_the_json_report_is_the_same_but_for_its_texts(city, metz, paris):
    runs = {"metz": metz, "paris": paris}[city]
    fr, en = (report.to_dict(runs[lang]) for lang in ("fr", "en"))
    assert (fr["lang"], en["lang"]) == ("fr", "en")
    fr.pop("generated"), en.pop("generated")
    fr["provenance"].pop("generated"), en["provenance"].pop("generated")
    assert _same_shape(fr, en) == []
    # the words a program reads are the same in both
    for a, b in zip(fr["claims"], en["claims"], strict=True):
        assert (a["id"], a["kind"], a["verdict"]) == (b["id"], b["kind"], b["verdict"])
        assert [c["against"] for c in a["checks"]] == [c["against"] for c in b["checks"]]


def test_cli_lang_en_against_the_french_default(cli, bundle):
    french = cli("report", "--bundle", str(bundle), env={"GEOCOVER_LANG": ""})
    english = cli("report", "--bundle", str(bundle), "--lang", "en", env={"GEOCOVER_LANG": ""})
    assert french.returncode == english.returncode == 0, french.stderr + english.stderr
    assert french.stdout.startswith("Vidéosurveillance à Metz")
    assert english.stdout.startswith("Video-surveillance claims of Metz")
    assert "invérifiable" in french.stdout and "unverifiable" not in french.stdout
    assert _numbers(french.stdout, "fr") == _numbers(english.stdout, "en")
    # the command's own words follow too
    help_fr = cli("report", "--help", env={"GEOCOVER_LANG": ""})
    assert "langue du rapport" in help_fr.stdout
    help_en = cli("report", "--help", "--lang", "en", env={"GEOCOVER_LANG": ""})
    assert "language of the report" in help_en.stdout


def test_cli_bad_language(cli, bundle):
    bad = cli("report", "--bundle", str(bundle), "--lang", "xx")
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert "argument --lang: invalid choice: 'xx' (choose from 'fr', 'en')" in bad.stderr
    env = cli("report", "--bundle", str(bundle), env={"GEOCOVER_LANG": "de"})
    assert env.returncode == 2
    assert env.stderr.strip().endswith("unknown language 'de' (choose from fr, en) (GEOCOVER_LANG)")


def test_cli_errors_in_french(cli, tmp_path):
    missing = tmp_path / "nowhere.geojson"
    result = cli("report", "--perimeters", str(missing), "--bundle", str(tmp_path),
                 env={"GEOCOVER_LANG": ""})
    assert result.returncode == 2
    assert result.stderr.startswith(f"geocover{NBSP}: erreur{NBSP}: ")
