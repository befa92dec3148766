"""The bound rules: when does a lower or an upper bound decide a claim?

The data gives, for the claim's scope, a lower bound ``L`` ("at least L"), an upper
bound ``U`` ("at most U"), both, or neither. With a relative tolerance ``t``:

* ``L > C (1 + t)``: more than claimed exist → **contradicted**;
* ``U < C (1 - t)``: fewer than claimed exist → **contradicted**;
* ``L >= C (1 - t)`` and ``U <= C (1 + t)``: the data pins the figure to the claim →
  **consistent**;
* otherwise the data allows the claim without deciding it → **unverifiable**, with the
  bound it gives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from geocover.i18n import N_, Translator, translator

CONSISTENT = "consistent"
CONTRADICTED = "contradicted"
UNVERIFIABLE = "unverifiable"


@dataclass(frozen=True)
class Bound:
    """What the data says of the claimed figure: at least ``lower``, at most ``upper``."""

    lower: float | None = None
    upper: float | None = None

    @property
    def kind(self) -> str:
        """``exact``, ``range``, ``lower``, ``upper`` or ``none``."""
        if self.lower is not None and self.upper is not None:
            return "exact" if self.lower == self.upper else "range"
        if self.lower is not None:
            return "lower"
        if self.upper is not None:
            return "upper"
        return "none"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "kind": self.kind}

    def describe(self, fmt: str | Callable[[float], str] = "{:g}",
                 tr: Translator | None = None) -> str:
        """``at least 1,319``, ``at most 5``, ``exactly 148``, ``between 3 and 5`` (in
        ``tr``'s language, English by default)."""
        tr = tr or translator("en")
        show = fmt.format if isinstance(fmt, str) else fmt
        lo = None if self.lower is None else show(self.lower)
        hi = None if self.upper is None else show(self.upper)
        return tr.gettext(_DESCRIBE[self.kind]).format(lo=lo, hi=hi)


_DESCRIBE = {
    "exact": N_("exactly {lo}"),
    "range": N_("between {lo} and {hi}"),
    "lower": N_("at least {lo}"),
    "upper": N_("at most {hi}"),
    "none": N_("no bound"),
}
#: Why a bound decides or not (:func:`decide`'s second value, English; translate it with
#: ``tr.gettext``).
WHY = (
    N_("the lower bound exceeds the claim"),
    N_("the upper bound is below the claim"),
    N_("the bounds hold the claim"),
    N_("no bound"),
    N_("a lower bound below the claim cannot decide it"),
    N_("an upper bound above the claim cannot decide it"),
    N_("the bounds allow the claim without deciding it"),
)


def figure(x: float, tr: Translator) -> str:
    """A figure as written, without trailing zeros: ``148``, ``1 391``, ``41,94``."""
    x = float(x)
    if x.is_integer():
        return tr.integer(x)
    text = f"{x:.3f}".rstrip("0")
    return tr.decimal(x, len(text.split(".")[1]))


def decide(claimed: float, bound: Bound, tolerance: float = 0.0) -> tuple[str, str]:
    """The verdict a bound gives on a claimed figure, and why in a few words.

    Examples
    --------
    >>> decide(100, Bound(lower=120))
    ('contradicted', 'the lower bound exceeds the claim')
    >>> decide(100, Bound(lower=80))
    ('unverifiable', 'a lower bound below the claim cannot decide it')
    >>> decide(100, Bound(lower=100, upper=100))
    ('consistent', 'the bounds hold the claim')
    """
    hi = claimed * (1 + tolerance)
    lo = claimed * (1 - tolerance)
    if bound.lower is not None and bound.lower > hi:
        return CONTRADICTED, "the lower bound exceeds the claim"
    if bound.upper is not None and bound.upper < lo:
        return CONTRADICTED, "the upper bound is below the claim"
    if (
        bound.lower is not None
        and bound.upper is not None
        and bound.lower >= lo
        and bound.upper <= hi
    ):
        return CONSISTENT, "the bounds hold the claim"
    if bound.kind == "none":
        return UNVERIFIABLE, "no bound"
    if bound.kind == "lower":
        return UNVERIFIABLE, "a lower bound below the claim cannot decide it"
    if bound.kind == "upper":
        return UNVERIFIABLE, "an upper bound above the claim cannot decide it"
    return UNVERIFIABLE, "the bounds allow the claim without deciding it"
