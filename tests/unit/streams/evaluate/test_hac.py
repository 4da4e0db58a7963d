"""Newey-West means: against a Newey-West value computed by hand on a short series, against
statsmodels' own HAC regression on a constructed overlapping-return series, and the lag rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm

from streams.evaluate.hac import hac_lag, hac_mean


def test_the_standard_error_is_the_hand_computed_newey_west_one() -> None:
    y = np.array([1.0, 2.0, 0.0, 3.0, 1.0, 4.0, 2.0, 5.0, 3.0, 1.0])
    # By hand, lag 2 (Bartlett weights 1 - j/3): mean 2.2, e = y - 2.2 =
    # [-1.2, -0.2, -2.2, 0.8, -1.2, 1.8, -0.2, 2.8, 0.8, -1.2]; gamma_j = sum_t e_t e_(t-j) / n:
    # gamma_0 = 21.6 / 10, gamma_1 = -3.84 / 10, gamma_2 = 8.32 / 10.
    # Long-run variance 2.16 + 2 (2/3 x -0.384 + 1/3 x 0.832) = 2.202667; the small-sample
    # correction n / (n - 1); se = sqrt(2.202667 / 10 x 10 / 9) = 0.494713.
    long_run = 2.16 + 2 * (2 / 3 * -0.384 + 1 / 3 * 0.832)
    se = math.sqrt(long_run / 10 * 10 / 9)
    assert se == pytest.approx(0.494713, abs=1e-6)
    got = hac_mean(y, lag=2)
    assert (got.mean, got.lag, got.n) == (pytest.approx(2.2), 2, 10)
    assert got.se == pytest.approx(se, rel=1e-12)
    assert got.t == pytest.approx(2.2 / se)


def test_it_matches_statsmodels_on_overlapping_returns_and_is_wider_than_the_naive_interval() -> None:
    # 5-session sums of iid noise plus a small drift: consecutive values share 4 of 5 terms
    # (lag-1 autocorrelation 0.8), as 5-session ICs do.
    rng = np.random.default_rng(7)
    daily = rng.normal(0.01, 0.1, 1004)
    y = np.convolve(daily, np.ones(5), mode="valid")
    assert np.corrcoef(y[1:], y[:-1])[0, 1] == pytest.approx(0.8, abs=0.05)
    got = hac_mean(y, horizon=5)
    assert got.lag == max(4, math.floor(4 * (1000 / 100) ** (2 / 9)))  # 6: the rule of thumb covers the overlap
    fit = sm.OLS(y, np.ones(len(y))).fit(cov_type="HAC", cov_kwds={"maxlags": got.lag, "use_correction": True})
    assert got.se == pytest.approx(float(fit.bse[0]), rel=1e-12)
    naive = y.std(ddof=1) / math.sqrt(len(y))
    assert got.se > 2 * naive  # overlap about sqrt(5) wider


def test_the_lag_covers_the_overlap_and_never_falls_below_the_rule_of_thumb() -> None:
    assert hac_lag(2000, 1) == 7 and hac_lag(2000, 5) == 7 and hac_lag(2000, 20) == 19
    assert hac_lag(50, 1) == 3


def test_too_short_or_constant_series_give_no_interval() -> None:
    assert math.isnan(hac_mean([0.1, 0.2]).se)
    flat = hac_mean([0.1] * 10)
    assert flat.mean == pytest.approx(0.1) and math.isnan(flat.t) and not flat.significant
