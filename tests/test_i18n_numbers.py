"""The translator's numbers are Babel's, exactly, though each distinct one is formatted once."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from babel.numbers import format_decimal

from geocover.i18n import Translator, translator

LOCALES = {"fr": "fr_FR", "en": "en_GB"}

VALUES: list[float | int | Decimal] = [
    0, 0.0, -0.0, 1, -1, 7, 8.0, 8.5, 0.5, 1.5, 2.5, -2.5, 0.005, 0.015, 0.125, 0.1 + 0.2,
    2 / 3, -2 / 3, 41.753, 50.07, 999.995, 1391, 1_234_567.891, -1_234_567.891, 1e-7,
    1.23e-5, 1e15, 1e16, 123456789012345678, 10**20, 3.14159265358979, 1e22,
    np.float64(41.753), np.float64(0.1), np.float32(0.1), np.int64(1391),
    Decimal("1.005"), Decimal("-0.00"), Decimal("1E+3"),
]


def _babel(x: float | int | Decimal, digits: int, locale: str) -> str:
    """What ``Translator.decimal`` returned before it memoized (the reference)."""
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(x, format=pattern, locale=locale, decimal_quantization=True)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_decimal_is_babel_for_every_value_and_precision(lang):
    tr = Translator(lang)  # a fresh one: its cache starts empty
    for _round in range(2):  # cold, then from the cache
        for x in VALUES:
            for digits in range(5):
                assert tr.decimal(x, digits) == _babel(x, digits, LOCALES[lang]), (x, digits)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_numbers_equal_as_values_but_written_differently_are_not_confused(lang):
    """1 == 1.0 and -0.0 == 0.0 hash alike: a cache keyed on the number would
    give the first one's text to the others; keyed on its text it cannot."""
    tr = Translator(lang)
    for group in ([1, 1.0, Decimal("1.000")], [0.0, -0.0, Decimal("-0")],
                  [1e16, 10**16], [0.1, np.float32(0.1)]):
        for digits in (0, 2):
            got = [tr.decimal(x, digits) for x in group]
            assert got == [_babel(x, digits, LOCALES[lang]) for x in group], group
    assert tr.decimal(-0.0, 1) == _babel(-0.0, 1, LOCALES[lang])


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_integer_significant_and_units_are_babel(lang):
    tr = Translator(lang)
    locale = LOCALES[lang]
    for n in (0, 7, 1391, 6648, 1_000_000, -12_345, 2.5, 3.5, 1391.6, np.int64(6648)):
        assert tr.integer(n) == format_decimal(round(n), locale=locale)
    for x in (0.000123456, 41.753, 123456.0, 0.5, 987.65, -0.0456):
        # decimal(significant=True) rounds to significant digits, then formats as before
        d = Decimal(repr(float(x)))
        digits = max(0, 3 - 1 - d.adjusted())
        assert tr.decimal(x, 3, significant=True) == _babel(round(x, digits), digits, locale)
    sep = "\u00a0" if lang == "fr" else " "
    assert tr.metres(3.0) == _babel(3.0, 0, locale) + sep + "m"
    assert tr.metres(2.75, 1) == _babel(2.75, 1, locale) + sep + "m"
    assert tr.km2(41.753) == _babel(41.753, 2, locale) + sep + "km²"
    for bad in (None, math.nan, math.inf, -math.inf):
        assert tr.decimal(bad) == "—"  # type: ignore[arg-type]


def test_the_shared_translators_format_like_babel():
    assert translator("fr").decimal(1234.5, 1) == "1\u202f234,5"
    assert translator("en").decimal(1234.5, 1) == "1,234.5"
    assert translator("fr").percent(0.5007, 2) == "50,07\u00a0%"


def _random_texts(seed: int, n: int) -> list[str]:
    """Numbers as the translator receives them (``str`` of floats, ints and Decimals) over
    every magnitude, halves and ties included, both signs."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        kind = rng.integers(5)
        if kind == 0:
            x: object = float(rng.normal() * 10.0 ** rng.integers(-9, 19))
        elif kind == 1:
            x = int(rng.integers(-10**15, 10**15)) * (10 ** int(rng.integers(0, 6)))
        elif kind == 2:  # ties at the rounding digit: 0.125, 2.5, 1234.5675…
            x = float(rng.integers(-10**6, 10**6)) / 10 ** int(rng.integers(0, 6)) + 5e-4
        elif kind == 3:
            x = Decimal(int(rng.integers(-10**9, 10**9))).scaleb(int(rng.integers(-12, 12)))
        else:
            x = round(float(rng.uniform(-1e4, 1e4)), int(rng.integers(0, 6)))
        out.append(str(x))
    return out + ["0", "-0", "0.0", "-0.0", "1e-05", "-1e-05", "1E+3", "0.0005", "0.0015",
                  "999.9995", "-999.9995", "1e+20", "12345678901234567890.5", "nan", "inf"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_numbers_written_without_babel_are_babels(lang):
    """The translator writes numbers itself (Babel's locale data cost every report ~25 ms):
    for thousands of numbers of every magnitude, each precision and the locale's own
    pattern, the text is Babel's ``format_decimal``, character for character."""
    tr = Translator(lang)
    locale = LOCALES[lang]
    for text in _random_texts(20240607 + len(lang), 3000):
        assert tr._format_uncached(text, None) == format_decimal(text, locale=locale), text
        for digits in (0, 1, 2, 3, 5):
            pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
            expected = format_decimal(text, format=pattern, locale=locale,
                                      decimal_quantization=True)
            assert tr._format_uncached(text, digits) == expected, (text, digits)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_dates_written_without_babel_are_babels(lang):
    """Long dates and months, written by the translator itself, are Babel's (with the French
    « 1er »), for every day of four years and months over centuries."""
    import datetime as dt

    from babel.dates import format_date, format_skeleton

    tr = Translator(lang)
    locale = LOCALES[lang]
    day = dt.date(2019, 1, 1)
    while day < dt.date(2023, 1, 1):
        expected = format_date(day, format="long", locale=locale)
        if lang == "fr" and day.day == 1:
            expected = "1er " + expected[2:]
        assert tr.date(day) == tr.date(day.isoformat()) == expected, day
        assert tr.date(dt.datetime(day.year, day.month, day.day, 23, 59)) == expected
        day += dt.timedelta(days=1)
    for year in (1, 999, 1900, 2008, 2025, 9999):
        for month in range(1, 13):
            expected = format_skeleton("yMMMM", dt.date(year, month, 1), locale=locale)
            assert tr.date(f"{year:04d}-{month:02d}") == expected, (year, month)
    assert tr.date("2019-02-30") == "2019-02-30" and tr.date("2019") == "2019"
    short = dt.date(2019, 2, 11)
    assert tr.date(short, style="short") == format_date(short, format="short", locale=locale)
