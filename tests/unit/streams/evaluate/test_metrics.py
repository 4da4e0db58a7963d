"""IC, ICIR, quantile returns, hit rate and construct validity against hand-computed cases."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from streams.evaluate.metrics import construct_validity, hit_rate, ic_summary, quantile_returns, session_ics

D1, D2, D3, D4, D5 = (date(2024, 1, d) for d in (2, 3, 4, 5, 8))


def _frame(rows: list[tuple[date, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["session", "ticker", "signal", "ret"])


def test_session_ics_are_spearman_per_session_with_tied_ranks_and_too_small_sessions_left_out() -> None:
    samples = _frame([
        # d = rank differences 0, 1, 1: rho = 1 - 6 * 2 / (3 * 8) = 0.5
        (D1, "A", 1.0, 0.10), (D1, "B", 2.0, 0.30), (D1, "C", 3.0, 0.20),
        # ranks reversed: -1
        (D2, "A", 3.0, 0.10), (D2, "B", 2.0, 0.20), (D2, "C", 1.0, 0.30),
        # ties: ranks (1.5, 1.5, 3) against (1, 2, 3): 1.5 / sqrt(1.5 * 2) = sqrt(3) / 2
        (D3, "A", 1.0, 0.10), (D3, "B", 1.0, 0.20), (D3, "C", 2.0, 0.30),
        # two names only, and a constant signal: no IC
        (D4, "A", 1.0, 0.10), (D4, "B", 2.0, 0.20),
        (D5, "A", 1.0, 0.10), (D5, "B", 1.0, 0.20), (D5, "C", 1.0, 0.30),
        # a missing return drops the row, not the session
        (D2, "D", 9.0, float("nan")),
    ])
    ics = session_ics(samples, "signal", "ret")
    assert list(ics.index) == [D1, D2, D3]
    assert ics.to_numpy() == pytest.approx([0.5, -1.0, math.sqrt(3) / 2])
    assert session_ics(samples, "signal", "ret", min_names=4).empty


def test_ic_summary_is_mean_sd_icir_share_above_zero_and_t() -> None:
    s = ic_summary(pd.Series([0.1, 0.3, -0.1, 0.5]))
    sd = math.sqrt((0.01 + 0.01 + 0.09 + 0.09) / 3)
    assert (s.mean, s.std, s.icir, s.positive, s.n) == pytest.approx((0.2, sd, 0.2 / sd, 0.75, 4))
    assert s.t == pytest.approx(0.2 / sd * 2)
    one = ic_summary(pd.Series([0.3]))
    assert one.n == 1 and math.isnan(one.mean) and math.isnan(one.icir)


def test_quantile_returns_cut_each_session_on_its_own_signals() -> None:
    samples = _frame([
        # quantile 1 = the two lowest signals: Q1 0.015, Q2 0.04, spread +0.025
        (D1, "A", 1.0, 0.01), (D1, "B", 2.0, 0.02), (D1, "C", 3.0, 0.03), (D1, "D", 4.0, 0.05),
        # reversed: Q1 0.04, Q2 0.015, spread -0.025
        (D2, "A", 4.0, 0.01), (D2, "B", 3.0, 0.02), (D2, "C", 2.0, 0.03), (D2, "D", 1.0, 0.05),
        # one name: too few for two quantiles
        (D3, "A", 1.0, 0.50),
    ])
    q = quantile_returns(samples, "signal", "ret", quantiles=2)
    assert q.means.to_dict() == pytest.approx({1: 0.0275, 2: 0.0275})
    assert (q.spread, q.spread_positive, q.n_sessions) == pytest.approx((0.0, 0.5, 2))


def test_tied_signals_share_a_quantile() -> None:
    samples = _frame([(D1, t, s, r) for t, s, r in [("A", 0.0, 0.01), ("B", 0.0, 0.03), ("C", 0.0, 0.05), ("D", 1.0, 0.10)]])
    q = quantile_returns(samples, "signal", "ret", quantiles=2)
    # The three zeros (average rank 2 of 4) all land in Q1, not split across quantiles.
    assert q.means.to_dict() == pytest.approx({1: 0.03, 2: 0.10})


def test_hit_rate_counts_sign_agreement_leaving_zeros_out() -> None:
    samples = _frame([
        (D1, "A", 1.0, 0.1), (D1, "B", -1.0, 0.2), (D1, "C", 0.0, 0.3), (D1, "D", 2.0, -0.1), (D1, "E", 1.0, 0.0),
    ])
    assert hit_rate(samples, "signal", "ret") == (pytest.approx(1 / 3), 3)
    assert math.isnan(hit_rate(samples.iloc[2:3], "signal", "ret")[0])


def _deviations(values: np.ndarray, window: int, relative: bool) -> np.ndarray:
    """Trailing deviations the slow way: mean of the available values of the last `window`,
    when at least 4/5 of them are there."""
    out = np.full(len(values), np.nan)
    for i in range(len(values)):
        past = values[max(0, i - window + 1) : i + 1]
        past = past[~np.isnan(past)]
        if len(past) >= window * 4 // 5 and not np.isnan(values[i]):
            mean = past.mean()
            out[i] = values[i] / mean - 1.0 if relative else values[i] - mean
    return out


def test_construct_validity_correlates_trailing_deviations_at_each_lag() -> None:
    rng = np.random.default_rng(5)
    n, window = 120, 10
    index = [date(2024, 1, 1) + timedelta(days=i) for i in range(n)]
    close = 20.0 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    close[[30, 31, 70]] = np.nan  # missing closes
    signal = rng.normal(0, 1, n)
    signal[:15] = np.nan  # before the first story
    result = construct_validity(pd.Series(signal, index), pd.Series(close, index), [0, 1, 5], window)
    s_dev, p_dev = _deviations(signal, window, False), _deviations(close, window, True)
    for lag in (0, 1, 5):
        later = np.concatenate([p_dev[lag:], np.full(lag, np.nan)])
        ok = ~np.isnan(s_dev) & ~np.isnan(later)
        assert result[lag][1] == ok.sum()
        assert result[lag][0] == pytest.approx(np.corrcoef(s_dev[ok], later[ok])[0, 1])


def test_construct_validity_is_one_when_the_signal_leads_the_price_exactly() -> None:
    n, lag = 200, 5
    index = list(range(n))
    close = pd.Series(100.0 + 10 * np.sin(np.arange(n) / 7.0), index)
    signal = close.shift(-lag)  # today's signal is the close `lag` sessions from now
    result = construct_validity(signal, close, [0, lag], window=20, min_pairs=20)
    # Deviations differ by the division by the mean, so not exactly 1; clearly the best lag.
    assert result[lag][0] > 0.98 > result[0][0]


def test_construct_validity_needs_enough_pairs() -> None:
    index = list(range(30))
    signal, close = pd.Series(np.arange(30.0), index), pd.Series(np.arange(30.0) + 1, index)
    result = construct_validity(signal, close, [0], 10, min_pairs=25)
    # Means need 8 of 10 values: deviations from the 8th session on, 23 pairs < 25.
    assert math.isnan(result[0][0]) and result[0][1] == 23


def test_by_event_type_is_spearman_and_hit_rate_per_type() -> None:
    from scipy.stats import spearmanr

    from streams.evaluate.metrics import by_event_type

    rng = np.random.default_rng(3)
    scores, returns = rng.normal(size=12), rng.normal(size=12)
    stories = pd.DataFrame({
        "event_type": ["earnings"] * 12 + ["dividend"] * 3,
        "score": [*scores, 0.5, -0.5, 0.0],
        "ret_1": [*returns, 0.01, 0.02, -0.03],
    })
    out = by_event_type(stories, [1]).set_index("event_type")
    assert out.loc["earnings", "n"] == 12 and out.loc["dividend", "n"] == 3
    assert out.loc["earnings", "ic_1"] == pytest.approx(spearmanr(scores, returns).statistic)
    assert math.isnan(out.loc["dividend", "ic_1"])  # below 10 stories
    # dividend: +0.5 with +1% agrees, -0.5 with +2% does not, the zero score is left out
    assert out.loc["dividend", "hit_1"] == pytest.approx(0.5)
    expected_hit = np.mean([np.sign(s) == np.sign(r) for s, r in zip(scores, returns, strict=True)])
    assert out.loc["earnings", "hit_1"] == pytest.approx(expected_hit)
