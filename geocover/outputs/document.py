"""A report as sections of lines and tables, written once and rendered as plain text or
as Markdown (tables that render as tables), so both forms say the same thing.

>>> t = Table(["preset", "km²"], [["sunders", "0.12"]], numeric={1})
>>> print("\\n".join(Section("Coverage", [t]).text()))
Coverage
  preset   km²
  sunders  0.12
>>> print("\\n".join(Section("Coverage", [t]).markdown()))
## Coverage
<BLANKLINE>
| preset | km² |
|---|---|
| sunders | 0.12 |
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from geocover.outputs.escape import md_text


@dataclass
class Table:
    """A table: its header, its rows (text cells) and the columns of numbers."""

    header: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)

    def text(self, indent: str = "  ") -> list[str]:
        widths = [max(len(str(r[i])) for r in [self.header, *self.rows])
                  for i in range(len(self.header))]

        def line(cells: list[str]) -> str:
            out = [str(c).rjust(w) if i in self.numeric else str(c).ljust(w)
                   for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
            return (indent + "  ".join(out)).rstrip()

        return [line(self.header), *(line(r) for r in self.rows)]

    def markdown(self) -> list[str]:
        def line(cells: list[str]) -> str:
            return "| " + " | ".join(md_text(c) for c in cells) + " |"

        # no alignment marks: a rendered table then carries no style attribute
        rule = "|" + "---|" * len(self.header)
        return [line(self.header), rule, *(line(r) for r in self.rows)]


Item = str | Table


@dataclass
class Section:
    """A titled list of lines (paragraphs, or list items when ``bullets``) and tables."""

    title: str
    items: Sequence[Item] = field(default_factory=list)
    bullets: bool = False
    level: int = 2
    """Markdown heading level (``##``); a part (``Figures``, ``Appendix``) is 2, its
    sections 3."""

    def text(self) -> list[str]:
        out = [self.title] if self.title else []
        for item in self.items:
            if isinstance(item, Table):
                out += item.text()
            else:
                out.append(("  - " if self.bullets else "  ") + item)
        return out

    def markdown(self) -> list[str]:
        out = [f"{'#' * self.level} {md_text(self.title)}", ""] if self.title else []
        previous: Item | None = None
        for item in self.items:
            if isinstance(item, Table):
                if previous is not None:
                    out.append("")
                out += item.markdown()
                out.append("")
            else:
                if (previous is not None and (isinstance(previous, Table) or not self.bullets)
                        and out and out[-1] != ""):
                    out.append("")
                out.append(("- " if self.bullets else "") + md_text(item))
            previous = item
        while out and out[-1] == "":
            out.pop()
        return out


def text_of(sections: list[Section]) -> list[str]:
    """The sections as plain text, a blank line between them."""
    out: list[str] = []
    for s in sections:
        if out:
            out.append("")
        out += s.text()
    return out


def markdown_of(sections: list[Section]) -> list[str]:
    """The sections as Markdown, a blank line between them."""
    out: list[str] = []
    for s in sections:
        if out:
            out.append("")
        out += s.markdown()
    return out
