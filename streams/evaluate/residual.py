"""The signal net of what it is made of: per session, the residual of the signal regressed on
log news volume and log dollar volume, and its IC beside the raw one.

A sentiment score that only re-labels "much news" or "a big company" adds nothing a buzz or size
factor does not already give. Per session (cross-section): OLS of the signal on a constant,
`log(1 + stories over the last 20 sessions)` and `log` dollar volume (20-session mean of close x
volume up to that close, `prices.dollar_volume`); the residual keeps what neither explains.
Everything is known at the close of S. A session needs `min_names` names with all three values
and more names than regressors, else its residuals are NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["BUZZ_WINDOW", "add_controls", "residual_signal"]

BUZZ_WINDOW = 20


def add_controls(samples: pd.DataFrame) -> pd.DataFrame:
    """`samples` (sorted by ticker, then session, with `stories` and `log_dollar_volume`) plus
    `log_buzz`: log(1 + the ticker's stories over its last `BUZZ_WINDOW` sampled sessions)."""
    out = samples.copy()
    counts = out.groupby("ticker", sort=False)["stories"].transform(lambda s: s.rolling(BUZZ_WINDOW, min_periods=1).sum())
    out["log_buzz"] = np.log1p(counts.astype(float))
    return out


def residual_signal(samples: pd.DataFrame, signal: str, min_names: int = 5) -> pd.Series:
    """Per row of `samples` (after `add_controls`): the session's OLS residual of `signal`."""
    columns = [signal, "log_buzz", "log_dollar_volume"]
    data = samples.dropna(subset=columns)
    data = data[data.groupby("session")["ticker"].transform("size") >= max(min_names, 4)]
    out = pd.Series(np.nan, index=samples.index, dtype=float)
    for _, group in data.groupby("session", sort=False):
        x = np.column_stack([np.ones(len(group)), group["log_buzz"].to_numpy(), group["log_dollar_volume"].to_numpy()])
        y = group[signal].to_numpy(dtype=float)
        beta, *_ = np.linalg.lstsq(x, y, rcond=None)
        out.loc[group.index] = y - x @ beta
    return out
