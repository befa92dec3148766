"""Capture-recapture against hand computations (generated counts, no city's data)."""

from __future__ import annotations

import math
from itertools import combinations

import pytest

from geocover.model.estimate import chapman, loglinear, lognormal_interval, pairwise


def test_chapman_against_a_hand_computation():
    # n1 = 100, n2 = 80, m = 40:
    # N = 101 * 81 / 41 - 1 = 8181 / 41 - 1 = 198.5366
    # Var = 101 * 81 * 60 * 40 / (41² * 42) = 19,634,400 / 70,602 = 278.0998
    e = chapman(100, 80, 40)
    assert e.estimate == pytest.approx(8181 / 41 - 1)
    assert e.variance == pytest.approx(19_634_400 / 70_602)
    assert e.observed == 140
    # log-normal interval: f0 = 58.5366, C = exp(1.96 sqrt(ln(1 + Var / f0²)))
    f0 = 8181 / 41 - 1 - 140
    c = math.exp(1.959963984540054 * math.sqrt(math.log(1 + (19_634_400 / 70_602) / f0**2)))
    assert (e.low, e.high) == pytest.approx((140 + f0 / c, 140 + f0 * c))
    assert e.low < e.estimate < e.high and e.low >= e.observed


def test_chapman_when_the_sources_are_the_same():
    e = chapman(50, 50, 50)
    assert e.estimate == pytest.approx(50)
    assert (e.low, e.high) == (50, 50)


def test_chapman_refuses_impossible_counts():
    with pytest.raises(ValueError):
        chapman(10, 5, 6)


def test_lognormal_interval_never_below_the_seen():
    low, high = lognormal_interval(105.0, 400.0, 100)
    assert 100 <= low < 105 < high


def test_pairwise_from_histories():
    histories = {("a",): 60, ("b",): 40, ("a", "b"): 40}
    (e,) = pairwise(histories, ["a", "b"])
    assert (e.n, e.shared) == ((100, 80), 40)
    assert e.estimate == pytest.approx(8181 / 41 - 1)


def test_loglinear_recovers_independent_sources():
    # Generated so that three independent sources with capture probabilities 0.5, 0.4
    # and 0.6 see a population of 1000 exactly in expectation: the cell of a history is
    # 1000 * prod(p or 1 - p); the independence model fits it exactly and the unseen
    # cell is 1000 * 0.5 * 0.6 * 0.4 = 120.
    p = {"a": 0.5, "b": 0.4, "c": 0.6}
    histories = {}
    from itertools import combinations

    for r in (1, 2, 3):
        for h in combinations("abc", r):
            histories[h] = round(1000 * math.prod(p[s] if s in h else 1 - p[s] for s in "abc"))
    e = loglinear(histories, ["a", "b", "c"])
    assert e.model == "independence"
    assert e.observed == sum(histories.values())
    assert e.estimate == pytest.approx(1000, rel=0.01)
    assert e.low < e.estimate < e.high


@pytest.mark.parametrize("seed", range(6))
def test_poisson_glm_equals_statsmodels(seed):
    """The hand-written IRLS against statsmodels' GLM (the well-kept reference): same
    coefficients, standard errors and AIC on generated capture histories."""
    import numpy as np
    import statsmodels.api as sm

    from geocover.model.estimate import poisson_glm

    rng = np.random.default_rng(seed)
    k = 3 + seed % 2  # three and four sources
    cells = [h for r in range(1, k + 1) for h in combinations(range(k), r)]
    main = np.array([[1.0 if s in h else 0.0 for s in range(k)] for h in cells])
    y = rng.poisson(rng.uniform(5, 400, len(cells))).astype(float)
    x = np.column_stack([np.ones(len(cells)), main, main[:, 0] * main[:, 1]])
    ours = poisson_glm(y, x)
    ref = sm.GLM(y, x, family=sm.families.Poisson()).fit()
    assert np.allclose(ours.params, ref.params, rtol=1e-8, atol=1e-10)
    assert np.allclose(ours.bse, ref.bse, rtol=1e-6)
    assert ours.aic == pytest.approx(ref.aic, rel=1e-9)
    assert not ours.warnings


def test_loglinear_without_overlap_gives_no_estimate():
    """Three sources that never see the same site (Boulogne-Billancourt's case, where the
    fit overflowed): no model gives a finite interval, and the estimate says so instead
    of raising OverflowError."""
    from geocover.model.estimate import NoEstimate

    with pytest.raises(NoEstimate, match="finite interval"):
        loglinear({("a",): 5, ("b",): 3, ("c",): 1}, ["a", "b", "c"])
