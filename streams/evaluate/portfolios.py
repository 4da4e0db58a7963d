"""Portfolios from the signal, rebalanced every session, with costs: what the signal earns.

Books, each a weight per ticker and session from that session's signals only (`samples` rows
with both a signal and a next-session return, the session's universe):
- `long-short`: +1/k on the top quantile's k names, -1/m on the bottom one's (quantiles cut as
  `metrics.quantile_returns` cuts them; gross 2, net 0); empty below `quantiles` names;
- `top-N`: long-only, 1/k on the k <= N names with the highest positive signal (conviction:
  a name with no positive view is never bought; `N = None` is every positive name), ties by
  ticker; cash (weight 0, return 0) when no name is positive;
- `universe`: 1/n on every name, the equal-weight benchmark.

Invariants (what the tests check by hand): a session's gross return is `sum_i w_i r_i`; its
turnover `sum_i |w_i - w_i(previous session)|` (a name not held has weight 0, so the first
session's turnover is its gross exposure); its cost `cost_bp / 1e4 x turnover` (cost per side:
every unit of notional bought or sold pays it once); net = gross - cost. Weights are reset to
their targets each session: the drift of weights between rebalances is ignored, which
understates turnover a little for long-only books and not at all for a daily-flat book.
Statistics (`PortfolioStats`) use 252 sessions a year.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from streams.evaluate.hac import hac_mean

__all__ = [
    "COSTS_BP",
    "PERIODS",
    "TOP_N",
    "PortfolioStats",
    "book_weights",
    "long_short_weights",
    "top_n_weights",
    "universe_weights",
    "portfolio_returns",
    "portfolio_stats",
]

COSTS_BP = (0.0, 1.0, 2.0, 3.0)  # per side, as in the small-cap media-sentiment study
TOP_N: tuple[int | None, ...] = (10, 20, None)
PERIODS = 252  # sessions a year


def _universe(samples: pd.DataFrame, signal: str, ret: str) -> pd.DataFrame:
    return samples.dropna(subset=[signal, ret])[["session", "ticker", signal, ret]]


def _pivot(rows: pd.DataFrame, weight: pd.Series, sessions: pd.Index) -> pd.DataFrame:
    table = pd.DataFrame({"session": rows["session"], "ticker": rows["ticker"], "w": weight})
    wide = table.pivot_table(index="session", columns="ticker", values="w", aggfunc="sum")
    return wide.reindex(sessions).fillna(0.0)


def long_short_weights(samples: pd.DataFrame, signal: str, ret: str, quantiles: int = 5) -> pd.DataFrame:
    """Session x ticker weights of the long-short book (module docstring)."""
    data = _universe(samples, signal, ret)
    sessions = pd.Index(sorted(data["session"].unique()))
    data = data[data.groupby("session")["ticker"].transform("size") >= quantiles]
    pct = data.groupby("session")[signal].rank(pct=True)
    bucket = np.ceil(pct * quantiles).clip(1, quantiles)
    top, bottom = bucket == quantiles, bucket == 1
    n_top = top.groupby(data["session"]).transform("sum")
    n_bottom = bottom.groupby(data["session"]).transform("sum")
    weight = top / n_top.where(n_top > 0, 1) - bottom / n_bottom.where(n_bottom > 0, 1)
    return _pivot(data, weight.astype(float), sessions)


def top_n_weights(samples: pd.DataFrame, signal: str, ret: str, n: int | None) -> pd.DataFrame:
    """Session x ticker weights of the long-only top-`n` book (`None`: every positive name)."""
    data = _universe(samples, signal, ret)
    sessions = pd.Index(sorted(data["session"].unique()))
    positive = data[data[signal] > 0].sort_values(["session", signal, "ticker"], ascending=[True, False, True])
    if n is not None:
        positive = positive.groupby("session").head(n)
    count = positive.groupby("session")["ticker"].transform("size")
    return _pivot(positive, 1.0 / count, sessions)


def universe_weights(samples: pd.DataFrame, signal: str, ret: str) -> pd.DataFrame:
    """Session x ticker weights of the equal-weight universe."""
    data = _universe(samples, signal, ret)
    sessions = pd.Index(sorted(data["session"].unique()))
    count = data.groupby("session")["ticker"].transform("size")
    return _pivot(data, 1.0 / count, sessions)


def book_weights(samples: pd.DataFrame, signal: str, ret: str, quantiles: int = 5) -> dict[str, pd.DataFrame]:
    """Every book the report shows, by name: `long-short`, `top-10`, `top-20`, `top-all`, `universe`."""
    books = {"long-short": long_short_weights(samples, signal, ret, quantiles)}
    for n in TOP_N:
        books[f"top-{n if n is not None else 'all'}"] = top_n_weights(samples, signal, ret, n)
    books["universe"] = universe_weights(samples, signal, ret)
    return books


def portfolio_returns(weights: pd.DataFrame, samples: pd.DataFrame, ret: str, cost_bp: float) -> pd.DataFrame:
    """Per session (the weights' index): `gross`, `turnover`, `cost` and `net` returns."""
    returns = samples.pivot_table(index="session", columns="ticker", values=ret, aggfunc="first")
    returns = returns.reindex(index=weights.index, columns=weights.columns)
    gross = (weights * returns.fillna(0.0)).sum(axis=1)
    turnover = weights.diff().abs().sum(axis=1)
    if len(weights):
        turnover.iloc[0] = weights.iloc[0].abs().sum()
    cost = cost_bp / 1e4 * turnover
    return pd.DataFrame({"gross": gross, "turnover": turnover, "cost": cost, "net": gross - cost})


@dataclass(frozen=True)
class PortfolioStats:
    """Annualised mean return (arithmetic: mean x 252), compounded annual growth (final equity
    ^ (252 / n) - 1: below the arithmetic figure by about half the variance, far below it for a
    volatile book), the Newey-West t of the mean daily return, Sharpe (mean / sd x sqrt 252),
    Sortino (mean / downside deviation x sqrt 252, the downside deviation
    `sqrt(mean(min(r, 0)^2))` over all sessions), maximum drawdown of the compounded equity
    curve (from its start at 1, so a first loss counts), mean turnover per session and the
    sessions counted."""

    annual_return: float
    cagr: float
    t: float
    sharpe: float
    sortino: float
    max_drawdown: float
    turnover: float
    n: int


def portfolio_stats(returns: pd.DataFrame) -> PortfolioStats:
    """Statistics of a `portfolio_returns` frame's `net` column."""
    r = returns["net"].to_numpy(dtype=float)
    n = len(r)
    if n < 2:
        return PortfolioStats(math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan, n)
    mean, sd = float(r.mean()), float(r.std(ddof=1))
    downside = math.sqrt(float(np.mean(np.minimum(r, 0.0) ** 2)))
    equity = np.concatenate([[1.0], np.cumprod(1.0 + r)])
    drawdown = float(np.min(equity / np.maximum.accumulate(equity) - 1.0))
    root = math.sqrt(PERIODS)
    return PortfolioStats(
        annual_return=mean * PERIODS,
        cagr=float(equity[-1]) ** (PERIODS / n) - 1.0 if equity[-1] > 0 else -1.0,
        t=hac_mean(r, horizon=1).t,
        sharpe=mean / sd * root if sd > 0 else math.nan,
        sortino=mean / downside * root if downside > 0 else math.nan,
        max_drawdown=drawdown,
        turnover=float(returns["turnover"].mean()),
        n=n,
    )
