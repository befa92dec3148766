"""Escaping for the HTML map: every contributor's or OpenStreetMap's text goes through here.

Names, notes, tags and decree references are hostile until escaped. Two contexts:

* **HTML text and attributes** (:func:`html_text`): :func:`html.escape` with quotes,
  plus backticks, ``$`` and braces turned into character references, so the text stays
  inert even if some later code pastes it into a JavaScript template literal or a Jinja
  template.
* **JavaScript** (:func:`js_json`): data is embedded as JSON, never as code, with
  ``<``, ``>``, ``&``, quotes, backticks, ``$`` and the two line separators written as
  ``\\uXXXX`` escapes, and so is a ``{`` that would open a Jinja tag. Inside a
  ``<script>`` element such a literal can neither close the element (``</script>``),
  nor open a comment (``<!--``), nor be read as a template literal; ``JSON.parse`` and
  the JavaScript parser read back exactly the original text.

Why Jinja: branca (under folium) compiles each rendered piece of a page as a Jinja
template again, so ``{{ … }}`` or ``{% … %}`` in a contributor's name would be run by the
Python process building the map. geocover's own pieces bypass that (see
:class:`geocover.outputs.webmap.elements.RawHtml`); the escaping is the second line of defence.

Third-party code inlined into the page (Leaflet, MarkerCluster) goes through
:func:`inline_script` and :func:`inline_style`, which defuse any closing tag in it.
"""

from __future__ import annotations

import html
import json
import math
import re
from typing import Any
from urllib.parse import urlsplit

_JS_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "'": "\\u0027",
    "`": "\\u0060",
    "$": "\\u0024",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JS_UNSAFE = re.compile("[<>&'`$\u2028\u2029]")
# A "{" followed by "{", "%" or "#" opens a Jinja tag; folium/branca compile the pieces of
# a page as Jinja templates, so such text must never reach them. In JSON it can only occur
# inside a string, where \u007b is the same character.
_JINJA_OPEN = re.compile(r"\{(?=[{%#])")


def html_text(value: Any) -> str:
    """``value`` as text safe in HTML content and in quoted attribute values.

    Examples
    --------
    >>> html_text('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    >>> html_text("${x} `y`")
    '&#36;&#123;x&#125; &#96;y&#96;'
    """
    text = "" if value is None else str(value)
    text = html.escape(text, quote=True).replace("`", "&#96;").replace("$", "&#36;")
    # Braces as references too: no Jinja tag ({{, {%, {#) survives in the page's pieces.
    return text.replace("{", "&#123;").replace("}", "&#125;")


_MD_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;"}
#: The characters that open Markdown constructs inside a line (emphasis, code, links,
#: images, tables, headings, strike-through, math and template braces); the others
#: (".", "-", "(", "%"…) only mean something at the start of a line, which a field never is.
_MD_SPECIAL = frozenset("\\`*_[]|#!~{}$")


def md_text(value: Any) -> str:
    r"""``value`` as inert Markdown text, safe in a paragraph, a list item or a table cell.

    The characters that open Markdown constructs within a line are backslash-escaped
    (CommonMark lets any ASCII punctuation be), ``<``, ``>``, ``&`` and ``"`` become HTML
    entities (no tag, attribute or entity of the text survives rendering), and line
    breaks become spaces (a table row or list item cannot be broken out of). Rendered,
    the text reads exactly as given.

    Examples
    --------
    >>> md_text('<img src=x onerror=alert(1)>')
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> md_text("a | b")
    'a \\| b'
    >>> md_text("osm3s.timestamp_osm_base _emphasis_")
    'osm3s.timestamp_osm_base \\_emphasis\\_'
    """
    text = "" if value is None else str(value)
    text = re.sub(r"[\r\n\u2028\u2029\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+", " ", text)
    out = []
    for i, ch in enumerate(text):
        if ch in _MD_ENTITIES:
            out.append(_MD_ENTITIES[ch])
        elif ch == "_" and 0 < i < len(text) - 1 and (text[i - 1] + text[i + 1]).isalnum():
            # CommonMark never opens or closes emphasis with an underscore inside a word
            # (it is both left- and right-flanking there), so timestamp_osm_base stays as is
            out.append(ch)
        elif ch in _MD_SPECIAL:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def md_code(value: Any) -> str:
    """``value`` as an inline code span that no backtick in it can close."""
    text = re.sub(r"[\r\n]+", " ", "" if value is None else str(value))
    run = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (run + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_fenced(lines: list[str]) -> list[str]:
    """``lines`` as a fenced code block whose fence is longer than any backtick run in
    them, so no line can close it (and let raw HTML after it be rendered)."""
    run = max((len(m) for line in lines for m in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, run + 1)
    return [fence, *lines, fence]


def strict_json(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` that never writes NaN or Infinity (not JSON, RFC 8259): an unknown
    number is ``null``."""
    try:
        return json.dumps(value, allow_nan=False, **kwargs)
    except ValueError:
        return json.dumps(_finite(value), allow_nan=False, **kwargs)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]")


def plain_text(text: str) -> str:
    """Text for a terminal or a ``.txt`` file: control characters of the data (an ANSI
    escape in a name could rewrite the terminal) are shown as ``\\xNN``, newlines and
    tabs kept."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _finite(value: Any) -> Any:
    # NaN and infinities are not JSON; an unknown number is null.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def js_json(value: Any) -> str:
    """``value`` as a JSON literal safe to paste anywhere in a ``<script>`` element.

    Examples
    --------
    >>> js_json({"name": "</script><script>alert(1)</script>"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003cscript\\\\u003ealert(1)\\\\u003c/script\\\\u003e"}'
    >>> js_json("${x}`")
    '"\\\\u0024{x}\\\\u0060"'
    """
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:  # a NaN somewhere: the slow path replaces it by null
        text = json.dumps(_finite(value), ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False)
    text = _JS_UNSAFE.sub(lambda m: _JS_ESCAPES[m.group()], text)
    return _JINJA_OPEN.sub(r"\\u007b", text)


def safe_url(value: Any) -> str | None:
    """``value`` if it is an absolute http(s) URL with a host, else None (``javascript:``,
    ``data:``, relative or malformed links are shown as text, never as links).

    Examples
    --------
    >>> safe_url("https://www.moselle.gouv.fr/raa.pdf")
    'https://www.moselle.gouv.fr/raa.pdf'
    >>> safe_url("javascript:alert(1)") is None
    True
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text or any(c.isspace() or ord(c) < 32 for c in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return text


_CLOSE_SCRIPT = re.compile(r"</(script)", re.IGNORECASE)
_CLOSE_STYLE = re.compile(r"</(style)", re.IGNORECASE)


def inline_script(code: str) -> str:
    """JavaScript source made safe to place between ``<script>`` and ``</script>``:
    ``</script`` becomes ``<\\/script`` (the same string to JavaScript) and ``<!--``
    becomes ``<\\!--``; source-map comments are dropped (they would make developer
    tools fetch a file that is not there)."""
    code = re.sub(r"^\s*//[#@] sourceMappingURL=.*$", "", code, flags=re.MULTILINE)
    code = _CLOSE_SCRIPT.sub(r"<\\/\1", code)
    return code.replace("<!--", "<\\!--")


def inline_style(css: str) -> str:
    """CSS made safe to place between ``<style>`` and ``</style>``."""
    css = re.sub(r"/\*#\s*sourceMappingURL=.*?\*/", "", css)
    return _CLOSE_STYLE.sub(r"<\\/\1", css)
