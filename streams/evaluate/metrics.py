"""Does the signal carry information about returns: information coefficient, quantile returns,
hit rate, and construct validity against price. Pure functions on pandas objects.

`samples` frames have one row per ticker and session with a signal column and return columns
(what `streams.evaluate.run` builds); rows with a NaN signal or return are left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "ICSummary",
    "QuantileSummary",
    "session_ics",
    "ic_summary",
    "quantile_returns",
    "hit_rate",
    "construct_validity",
    "by_group",
    "by_event_type",
]


def _correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson correlation; NaN when either side is constant (no ranking, no information)."""
    x = x - x.mean()
    y = y - y.mean()
    denominator = math.sqrt(float(x @ x) * float(y @ y))
    return float(x @ y) / denominator if denominator > 0.0 else math.nan


def session_ics(samples: pd.DataFrame, signal: str, ret: str, min_names: int = 3) -> pd.Series:
    """Cross-sectional Spearman IC of `signal` against `ret`, one per session (index) that has
    at least `min_names` tickers with both values and neither side constant.

    Spearman is the Pearson correlation of the ranks (ties get their average rank); computed
    for all sessions at once with grouped sums, since a loop over 2,000 sessions takes seconds.
    """
    data = samples.dropna(subset=[signal, ret])
    data = data[data.groupby("session")["ticker"].transform("size") >= min_names]
    by_session = data.groupby("session", sort=True)
    x = by_session[signal].rank()
    y = by_session[ret].rank()
    x = x - x.groupby(data["session"]).transform("mean")
    y = y - y.groupby(data["session"]).transform("mean")
    sums = pd.DataFrame({"xy": x * y, "xx": x * x, "yy": y * y}).groupby(data["session"], sort=True).sum()
    denominator = np.sqrt(sums["xx"] * sums["yy"])
    return (sums["xy"] / denominator)[denominator > 0].astype(float).rename_axis(None)


@dataclass(frozen=True)
class ICSummary:
    """Mean IC, its standard deviation, ICIR (mean / std), share of ICs above 0, number of
    session ICs and the t-statistic `ICIR * sqrt(n)` (overstated for horizons over one
    session: their ICs overlap and are not independent)."""

    mean: float
    std: float
    icir: float
    positive: float
    n: int
    t: float


def ic_summary(ics: pd.Series) -> ICSummary:
    """Summary of per-session ICs; NaN figures when there are fewer than two."""
    n = len(ics)
    if n < 2:
        return ICSummary(math.nan, math.nan, math.nan, math.nan, n, math.nan)
    mean, std = float(ics.mean()), float(ics.std(ddof=1))
    icir = mean / std if std > 0.0 else math.nan
    return ICSummary(mean, std, icir, float((ics > 0).mean()), n, icir * math.sqrt(n))


@dataclass(frozen=True)
class QuantileSummary:
    """Mean return per signal quantile (1 = lowest signal), averaged over sessions; the mean
    top-minus-bottom spread, the share of sessions where it is above 0, its session count, and the
    per-session spreads (session-indexed, for the HAC interval)."""

    means: pd.Series
    spread: float
    spread_positive: float
    n_sessions: int
    spreads: pd.Series


def quantile_returns(samples: pd.DataFrame, signal: str, ret: str, quantiles: int = 5) -> QuantileSummary:
    """Quantiles of `signal` within each session (sessions with at least `quantiles` tickers).

    Cross-sectional, so each session's cut points use that session's signals only (quantiles
    over the whole sample would use later signals). A ticker's quantile is
    `ceil(quantiles * average rank / n)`: tied signals share a quantile.
    """
    data = samples.dropna(subset=[signal, ret])
    data = data[data.groupby("session")["ticker"].transform("size") >= quantiles]
    pct = data.groupby("session")[signal].rank(pct=True)
    bucket = np.ceil(pct * quantiles).clip(1, quantiles).astype(int)
    per_session = data.groupby([data["session"], bucket])[ret].mean().unstack()
    per_session = per_session.reindex(columns=range(1, quantiles + 1))
    spreads = (per_session[quantiles] - per_session[1]).dropna()
    return QuantileSummary(
        means=per_session.mean(),
        spread=float(spreads.mean()) if len(spreads) else math.nan,
        spread_positive=float((spreads > 0).mean()) if len(spreads) else math.nan,
        n_sessions=len(spreads),
        spreads=spreads,
    )


def hit_rate(samples: pd.DataFrame, signal: str, ret: str) -> tuple[float, int]:
    """Share of samples with a non-zero signal and return whose signs agree, and their count."""
    data = samples.dropna(subset=[signal, ret])
    data = data[(data[signal] != 0) & (data[ret] != 0)]
    if data.empty:
        return math.nan, 0
    return float((np.sign(data[signal]) == np.sign(data[ret])).mean()), len(data)


def by_group(stories: pd.DataFrame, column: str, horizons: Sequence[int]) -> pd.DataFrame:
    """Story-level IC, hit rate and mean return per value of `column`.

    `stories`: one row per story x ticker with `column`, `score` and `ret_<h>` (the return
    from the session the story acts on). Per value and horizon: `ic_<h>` the Spearman
    correlation of score and return over all its stories (NaN below 10 pairs), `hit_<h>` the
    share of non-zero scores whose sign the return's matches, `ret_<h>` the mean return; `n`
    the stories.
    """
    rows = []
    for value, group in stories.groupby(column, sort=True):
        row: dict[str, object] = {column: value, "n": len(group)}
        for h in horizons:
            data = group.dropna(subset=["score", f"ret_{h}"])
            ranks = data[["score", f"ret_{h}"]].rank()
            enough = len(ranks) >= 10
            row[f"ic_{h}"] = _correlation(ranks["score"].to_numpy(), ranks[f"ret_{h}"].to_numpy()) if enough else math.nan
            row[f"hit_{h}"] = hit_rate(data, "score", f"ret_{h}")[0]
            row[f"ret_{h}"] = float(data[f"ret_{h}"].mean()) if len(data) else math.nan
        rows.append(row)
    return pd.DataFrame(rows)


def by_event_type(stories: pd.DataFrame, horizons: Sequence[int]) -> pd.DataFrame:
    """`by_group` on `event_type`."""
    return by_group(stories, "event_type", horizons)


def construct_validity(
    signal: pd.Series, close: pd.Series, lags: Sequence[int], window: int = 50, min_pairs: int = 20
) -> dict[int, tuple[float, int]]:
    """Per lag: Pearson correlation of the signal's deviation from its trailing `window`-session
    mean with the price's relative deviation from its own (`close / mean - 1`) `lag` sessions
    later, and the number of pairs (NaN with fewer than `min_pairs`).

    `signal` and `close` share one index of consecutive sessions. Both means are trailing, so a
    deviation uses no later value; a positive lag lets the signal lead the price. A mean needs
    4/5 of its window: thin names miss a day now and then, which should not void 50 means.
    """
    min_periods = max(1, window * 4 // 5)
    signal_dev = signal - signal.rolling(window, min_periods=min_periods).mean()
    price_dev = close / close.rolling(window, min_periods=min_periods).mean() - 1.0
    out: dict[int, tuple[float, int]] = {}
    for lag in lags:
        pairs = pd.concat([signal_dev, price_dev.shift(-lag)], axis=1).dropna()
        n = len(pairs)
        value = _correlation(pairs.iloc[:, 0].to_numpy(), pairs.iloc[:, 1].to_numpy()) if n >= min_pairs else math.nan
        out[lag] = (value, n)
    return out
