"""Is the French catalog complete? ``python -m geocover.i18n.check`` (run by ``make i18n``
and by the tests): every message the code marks is in the ``.po`` and translated, no
entry is fuzzy or stale, and each translation keeps the ``{placeholders}`` of its source.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from geocover.i18n import DOMAIN, LOCALE_DIR

PACKAGE = Path(__file__).resolve().parent.parent
KEYWORDS = {"gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "N_": None, "_": None}
_FIELD = re.compile(r"\{[^{}]*\}")


def extracted() -> dict[tuple[str, str | None], str]:
    """The messages marked in the code: ``(msgid, context)`` → where (first place)."""
    from babel.messages.extract import extract_from_dir

    found: dict[tuple[str, str | None], str] = {}
    method_map = [("**.py", "python")]
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(PACKAGE), method_map=method_map, keywords=KEYWORDS):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault((msgid, context), f"geocover/{filename}:{lineno}")
    return found


def problems(lang: str = "fr") -> list[str]:
    """What is wrong with the ``lang`` catalog, one line per message (empty: complete)."""
    from babel.messages.pofile import read_po

    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    code = extracted()
    out: list[str] = []
    have: dict[tuple[str, str | None], Any] = {}
    for m in catalog:
        if not m.id:
            continue
        msgid: str = m.id[0] if isinstance(m.id, tuple) else str(m.id)
        have[(msgid, m.context)] = m
    for key, where in sorted(code.items(), key=lambda kv: kv[1]):
        if key not in have:
            out.append(f"{where}: not in {po.name}: {key[0]!r} (run make i18n)")
    for key, m in have.items():
        if key not in code:
            out.append(f"{po.name}: {key[0]!r} is no longer in the code (run make i18n)")
            continue
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.fuzzy or not all(s.strip() for s in strings):
            out.append(f"{code[key]}: untranslated{' (fuzzy)' if m.fuzzy else ''}: {key[0]!r}")
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        want = set(_FIELD.findall(" ".join(ids)))
        for s in strings:
            if set(_FIELD.findall(s)) != want and not (len(ids) > 1 and
                                                        set(_FIELD.findall(s)) <= want):
                out.append(f"{code[key]}: the translation of {key[0]!r} changes its "
                           f"placeholders ({sorted(want)} → {sorted(_FIELD.findall(s))})")
    return out


def main() -> int:
    found = problems()
    for line in found:
        print(line, file=sys.stderr)
    print(f"French catalog: {len(extracted())} messages, {len(found)} problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
