"""How many camera sites are there? Capture-recapture across independent sources.

Two sources that list ``n1`` and ``n2`` sites of one area, ``m`` of them shared, estimate
the total with **Chapman's estimator** (the bias-corrected Lincoln-Petersen)::

    N = (n1 + 1)(n2 + 1) / (m + 1) - 1

with **Seber's variance** (Seber 1970; Wittes 1972)::

    Var(N) = (n1 + 1)(n2 + 1)(n1 - m)(n2 - m) / ((m + 1)² (m + 2))

and a 95 % **log-normal interval** (Chao 1987), which never goes below the sites
actually seen, ``r = n1 + n2 - m``: with ``f0 = N - r`` the unseen sites and
``C = exp(1.96 sqrt(ln(1 + Var / f0²)))``, the interval is ``[r + f0 / C, r + f0 C]``.

With three or more sources, a **log-linear model** (Fienberg 1972) is fitted to the
counts of each capture history (which sources saw a site) by Poisson regression
(a Poisson GLM, :func:`poisson_glm`):
``log E[count] = u + Σ main effects (+ two-way interactions)``; the
unseen cell is ``exp(u)``. The model with the lowest AIC among independence, each single
two-way interaction, and (from four sources, when it is not saturated) all two-way
interactions is kept; its interval is
``r + exp(u ± 1.96 se(u))`` (a Wald interval on the log scale).

Assumptions, stated with every estimate: the sources are independent (a mapper does not
copy an official list: OSM imports break it), every site is equally likely to be listed
by a source (no heterogeneity), the population does not change between the sources'
vintages, and the matching distance pairs the same sites. Pure: no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import Any

from geocover.i18n import N_

Z95 = 1.959963984540054

ASSUMPTIONS: tuple[str, ...] = (
    N_(
        "independence: one source's listing a site does not make another's more or less likely "
        "(an import of one list into another breaks it and drives the estimate down)"
    ),
    N_("homogeneity: every site is as likely to be listed by a source as any other"),
    N_("closed population: no camera was added or removed between the sources' vintages"),
    N_("matching: the matching distance pairs the same sites, and only them"),
)


@dataclass(frozen=True)
class Estimate:
    """An estimate of the number of sites, with its 95 % interval."""

    method: str
    sources: tuple[str, ...]
    n: tuple[int, ...]
    """Sites listed by each source."""
    shared: int | None
    """Sites listed by both (two-source estimates)."""
    observed: int
    """Distinct sites seen by at least one source: the counted lower bound."""
    estimate: float
    low: float
    high: float
    variance: float | None = None
    interval: str = ""
    model: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["sources"] = list(self.sources)
        data["n"] = list(self.n)
        return data


def chapman(n1: int, n2: int, m: int, sources: Sequence[str] = ("a", "b")) -> Estimate:
    """Chapman's estimate from two sources, Seber's variance, a log-normal 95 % interval.

    Examples
    --------
    >>> e = chapman(100, 80, 40)
    >>> round(e.estimate, 2), round(e.variance, 2)
    (198.54, 278.1)
    """
    if min(n1, n2, m) < 0 or m > min(n1, n2):
        raise ValueError(f"need 0 <= m <= min(n1, n2), not n1={n1}, n2={n2}, m={m}")
    estimate = (n1 + 1) * (n2 + 1) / (m + 1) - 1
    variance = (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))
    observed = n1 + n2 - m
    low, high = lognormal_interval(estimate, variance, observed)
    return Estimate(
        method="chapman",
        sources=tuple(sources),
        n=(n1, n2),
        shared=m,
        observed=observed,
        estimate=estimate,
        low=low,
        high=high,
        variance=variance,
        interval="log-normal (Chao 1987), Seber's variance",
    )


def lognormal_interval(estimate: float, variance: float, observed: int) -> tuple[float, float]:
    """Chao's (1987) 95 % log-normal interval, bounded below by the sites seen."""
    f0 = estimate - observed
    if f0 <= 0 or variance <= 0:
        return float(observed), float(max(estimate, observed))
    c = math.exp(Z95 * math.sqrt(math.log(1 + variance / f0**2)))
    return observed + f0 / c, observed + f0 * c


def pairwise(histories: Mapping[tuple[str, ...], int], sources: Sequence[str]) -> list[Estimate]:
    """Chapman's estimate for every two sources, from capture-history counts."""
    out = []
    for a, b in combinations(sorted(sources), 2):
        n1 = sum(c for h, c in histories.items() if a in h)
        n2 = sum(c for h, c in histories.items() if b in h)
        m = sum(c for h, c in histories.items() if a in h and b in h)
        out.append(chapman(n1, n2, m, (a, b)))
    return out


class NoEstimate(ValueError):
    """The counts do not support an estimate (said in the report instead)."""


@dataclass(frozen=True)
class PoissonFit:
    """A Poisson GLM with log link, fitted by iteratively reweighted least squares."""

    params: Any
    bse: Any
    aic: float
    warnings: list[str]


def poisson_glm(y: Any, x: Any, *, tol: float = 1e-12, max_iter: int = 100) -> PoissonFit:
    """Fit ``log E[y] = x @ params`` by IRLS (Fisher scoring): the same estimates,
    standard errors (``sqrt(diag((xᵀ W x)⁻¹))``) and AIC (``-2 log L + 2 k``) as
    statsmodels' ``GLM(y, x, family=Poisson())`` (``tests/test_estimate.py`` compares
    them), without importing statsmodels and scipy (2.5 s) for a model of 7 cells.

    A cell fitted exactly to 0 drives its linear predictor to -inf: iterations stop at
    ``max_iter`` and the fit says so in ``warnings`` (statsmodels warns likewise).
    """
    import numpy as np

    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    mu = y + y.mean() / 10 + 0.1  # any positive start converges to the same fit
    eta = np.log(mu)
    dev_old = np.inf
    notes: list[str] = []
    beta = np.zeros(x.shape[1])
    for _ in range(max_iter):
        z = eta + (y - mu) / mu
        w = mu
        xtw = x.T * w
        beta = np.linalg.solve(xtw @ x, xtw @ z)
        eta = x @ beta
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = 2 * float(np.sum(np.where(y > 0, y * np.log(y / mu), 0.0) - (y - mu)))
        if abs(dev - dev_old) <= tol * (abs(dev) + 0.1):
            break
        dev_old = dev
    else:
        notes.append(f"the Poisson fit did not converge in {max_iter} iterations")
    cov = np.linalg.inv((x.T * mu) @ x)
    bse = np.sqrt(np.diag(cov))
    loglik = float(np.sum(y * eta - mu - np.array([math.lgamma(v + 1) for v in y])))
    if np.any(mu < 1e-8):
        notes.append("perfect prediction: a cell is fitted as empty")
    return PoissonFit(params=beta, bse=bse, aic=-2 * loglik + 2 * x.shape[1], warnings=notes)


def loglinear(histories: Mapping[tuple[str, ...], int], sources: Sequence[str]) -> Estimate:
    """A log-linear (Poisson GLM) estimate from three or more sources.

    Parameters
    ----------
    histories : mapping
        Tuple of sources that saw a site → number of such sites (the empty tuple, the
        unseen, is what is estimated).
    sources : sequence of str
        Three or more source names.
    """
    import numpy as np

    names = sorted(sources)
    if len(names) < 3:
        raise ValueError("a log-linear model needs three or more sources")
    cells = [h for r in range(1, len(names) + 1) for h in combinations(names, r)]
    y = np.asarray([histories.get(h, 0) for h in cells], dtype=float)
    main = np.asarray([[1.0 if s in h else 0.0 for s in names] for h in cells])
    two = list(combinations(range(len(names)), 2))
    candidates: list[tuple[str, list[tuple[int, int]]]] = [("independence", [])]
    candidates += [(f"{names[i]} x {names[j]}", [(i, j)]) for i, j in two]
    if 1 + len(names) + len(two) < len(cells):  # not the saturated model (no df left)
        candidates.append(("all two-way interactions", two))
    fits = []
    for label, inter in candidates:
        cols = [np.ones(len(cells)), *main.T, *[main[:, i] * main[:, j] for i, j in inter]]
        x = np.column_stack(cols)
        result = poisson_glm(y, x)
        u0, se0 = float(result.params[0]), float(result.bse[0])
        # A model whose unseen cell has no finite interval (a capture history with no
        # site sends its parameter to -inf, the intercept's error to +inf) estimates
        # nothing: it is left out of the choice.
        if not (math.isfinite(u0) and math.isfinite(se0) and u0 + Z95 * se0 < 700):
            continue
        fits.append((result.aic, label, result, result.warnings))
    if not fits:
        raise NoEstimate("no log-linear model gives a finite interval for these capture "
                         "histories (too few sites seen by several sources)")
    _, label, result, fit_warnings = min(fits, key=lambda f: f[0])
    u, se = float(result.params[0]), float(result.bse[0])
    observed = int(y.sum())
    unseen = math.exp(u)
    return Estimate(
        method="loglinear",
        sources=tuple(names),
        n=tuple(int(sum(c for h, c in histories.items() if s in h)) for s in names),
        shared=None,
        observed=observed,
        estimate=observed + unseen,
        low=observed + math.exp(u - Z95 * se),
        high=observed + math.exp(u + Z95 * se),
        variance=(unseen * se) ** 2,
        interval="Wald on log(unseen), exp(u ± 1.96 se)",
        model=label,
        details={"aic": {f[1]: round(f[0], 3) for f in fits}, "warnings": fit_warnings},
    )
