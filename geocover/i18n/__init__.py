"""Languages: gettext catalogs (managed with Babel) and locale formatting.

French and English. The English text is the source (the ``msgid`` in the code); French
comes from ``geocover/i18n/locale/fr/LC_MESSAGES/geocover.po``. The wheel ships the
compiled ``.mo`` (``setup.py`` compiles it in ``build_py``); a checkout without one
reads the ``.po`` directly, so an edited catalog is used at once.

Text is marked where it is written, in three ways the extractor (``make i18n``,
``babel.cfg``) finds:

* ``tr.gettext("…")`` / ``tr.ngettext("…", "…", n)`` with a :class:`Translator`;
* ``_ = tr.gettext`` then ``_("…")``;
* ``N_("…")`` for text defined before the language is known (a table of labels),
  translated later with ``tr.gettext(label)``.

Numbers and dates go through Babel for the locale: ``1 391`` and ``41,75 km²`` in
French, ``1,391`` and ``41.75 km²`` in English.

>>> tr = translator("fr")
>>> tr.integer(1391) == "1\u202f391"
True
>>> tr.km2(41.753)
'41,75\u00a0km²'
>>> translator("en").km2(41.753)
'41.75 km²'
>>> tr.date("2019-02-01")
'1er février 2019'
>>> tr.date("2019-02-11")
'11 février 2019'
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext as _gettext
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

if TYPE_CHECKING:
    from babel.core import Locale

#: The languages geocover speaks, the first being the default for French communes.
LANGS: tuple[str, ...] = ("fr", "en")
Lang = Literal["fr", "en"]
DOMAIN = "geocover"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: A no-break space (before units and "%" in French; a plain space in English).
NBSP = "\u00a0"


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now."""
    return message


class UnknownLanguage(ValueError):
    """A language geocover does not speak."""


def check_lang(lang: str) -> Lang:
    """``lang`` if geocover speaks it (``fr``, ``en``), else :class:`UnknownLanguage`."""
    code = (lang or "").strip().lower()
    if code not in LANGS:
        raise UnknownLanguage(f"unknown language {lang!r} (choose from {', '.join(LANGS)})")
    return cast(Lang, code)


def default_lang(configured: str | None = None) -> Lang:
    """The language when none is asked for: ``GEOCOVER_LANG`` if set, else the city's
    (``city.toml`` ``lang``), else French (every commune geocover knows is French)."""
    env = os.environ.get("GEOCOVER_LANG", "").strip()
    if env:
        return check_lang(env)
    if configured:
        return check_lang(configured)
    return "fr"


def _catalog(lang: str) -> _gettext.NullTranslations:
    if lang == "en":
        return _gettext.NullTranslations()
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    mo, po = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as f:
            return _gettext.GNUTranslations(f)
    if not po.is_file():
        raise FileNotFoundError(f"no catalog for {lang!r}: {po}")
    return _from_po(po, lang)


def _from_po(po: Path, lang: str) -> _gettext.NullTranslations:
    """The catalog compiled in memory from the ``.po`` (a checkout without ``.mo``)."""
    from io import BytesIO

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    buf = BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


class Translator:
    """Text and numbers in one language. Build one with :func:`translator`."""

    def __init__(self, lang: Lang) -> None:
        self.lang: Lang = lang
        self._t = _catalog(lang)
        # Babel's locale names: "fr_FR" groups thousands with a narrow no-break space.
        self.locale = "fr_FR" if lang == "fr" else "en_GB"
        self._babel_locale: Locale | None = None
        # A map writes a popup per camera with the same few heights: each distinct
        # number is formatted by Babel once (6,648 calls took 0.42 s for Paris).
        self._format = functools.lru_cache(maxsize=8192)(self._format_uncached)

    def __repr__(self) -> str:
        return f"Translator({self.lang!r})"

    # ---------------------------------------------------------------- text
    def gettext(self, message: str) -> str:
        return self._t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self._t.pgettext(context, message)

    # ---------------------------------------------------------------- numbers
    def _format_uncached(self, text: str, digits: int | None) -> str:
        """Babel's ``format_decimal`` of the number written ``text``, thousands grouped,
        with ``digits`` decimals (None: the locale's own pattern). Babel reads any number
        as ``Decimal(str(number))``, so that text is all the result depends on: ``_format``
        memoizes this."""
        from babel.core import Locale
        from babel.numbers import format_decimal

        if self._babel_locale is None:
            self._babel_locale = Locale.parse(self.locale)
        locale = self._babel_locale
        if digits is None:
            return format_decimal(text, locale=locale)
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return format_decimal(text, format=pattern, locale=locale, decimal_quantization=True)

    def integer(self, n: int | float) -> str:
        """``1 391`` (fr), ``1,391`` (en)."""
        return self._format(str(round(n)), None)

    def decimal(self, x: float, digits: int = 2, *, significant: bool = False) -> str:
        """``x`` with ``digits`` decimals (or significant digits): ``41,75`` / ``41.75``.
        Not a number gives ``—``."""
        if x is None or not math.isfinite(float(x)):
            return "—"
        if significant:
            from decimal import Decimal

            d = Decimal(repr(float(x)))
            if d != 0:
                digits = max(0, digits - 1 - d.adjusted())
            x = round(float(x), digits)
        return self._format(str(x), digits)

    def _unit(self, text: str, unit: str) -> str:
        return f"{text}{NBSP if self.lang == 'fr' else ' '}{unit}"

    def km2(self, x: float, digits: int = 2) -> str:
        """An area: ``41,75 km²``."""
        return self._unit(self.decimal(x, digits), "km²")

    def metres(self, x: float, digits: int = 0) -> str:
        return self._unit(self.decimal(x, digits), "m")

    def percent(self, share: float, digits: int = 1) -> str:
        """A share (0.5 → ``50,0 %`` in French, ``50.0%`` in English)."""
        if share is None or not math.isfinite(float(share)):
            return "—"
        text = self.decimal(100 * float(share), digits)
        return f"{text}{NBSP}%" if self.lang == "fr" else f"{text}%"

    # ---------------------------------------------------------------- dates
    def _first(self, day: dt.date, text: str) -> str:
        """French writes the first of a month as an ordinal: « 1er février 2019 »."""
        if self.lang == "fr" and day.day == 1 and text.startswith("1 "):
            return "1er " + text[2:]
        return text

    def date(self, value: str | dt.date | dt.datetime | None, *, style: str = "long") -> str:
        """A date, as precise as it is given: ``2019`` → ``2019``, ``2020-02`` →
        ``février 2020``, ``2019-02-01`` → ``1er février 2019``; anything else as is."""
        from babel.dates import format_date

        if value is None or value == "":
            return ""
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return self._first(value, format_date(value, format=style, locale=self.locale))
        text = str(value).strip()
        parts = text[:10].split("-")
        try:
            if len(parts) == 1 and len(parts[0]) == 4:
                return str(int(parts[0]))
            if len(parts) == 2:
                from babel.dates import format_skeleton

                return format_skeleton("yMMMM", dt.date(int(parts[0]), int(parts[1]), 1),
                                       locale=self.locale)
            if len(parts) == 3:
                day = dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
                return self._first(day, format_date(day, format=style, locale=self.locale))
        except ValueError:
            pass
        return text


@functools.cache
def translator(lang: str = "fr") -> Translator:
    """The :class:`Translator` for ``lang`` (``fr`` or ``en``), built once per process."""
    return Translator(check_lang(lang))
