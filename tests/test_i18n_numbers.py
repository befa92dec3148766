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
