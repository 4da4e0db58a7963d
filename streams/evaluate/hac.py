"""Honest intervals: Newey-West (HAC) standard errors of a mean, from statsmodels.

A mean IC over sessions is the constant of an OLS regression of the ICs on 1; its HAC standard
error allows for the autocorrelation that overlapping returns create (consecutive 5-session
returns share 4 sessions, so their ICs move together and the naive `sd / sqrt(n)` is too small).

Lag rule (`hac_lag`): at least `h - 1` for an `h`-session horizon (the overlap: ICs `h` or more
apart share no session), and at least the usual Newey-West rule of thumb `floor(4 (n/100)^(2/9))`
so that a 1-session IC is still allowed the autocorrelation signals that persist for days give
it. Bartlett kernel, statsmodels' small-sample correction on (`n / (n - 1)`).
The ICs are taken as one series in session order; a session without an IC (too few names) is
skipped, not filled, which keeps the lag a count of IC observations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

__all__ = ["HACMean", "hac_lag", "hac_mean", "SIGNIFICANCE"]

SIGNIFICANCE = 0.05  # two-sided; the report marks figures whose HAC p-value is below it


@dataclass(frozen=True)
class HACMean:
    """Mean of a series with its Newey-West standard error, t, two-sided p (normal), the lag
    used and the observations; NaN figures below 3 observations or with no variation."""

    mean: float
    se: float
    t: float
    p: float
    lag: int
    n: int

    @property
    def significant(self) -> bool:
        return not math.isnan(self.p) and self.p < SIGNIFICANCE

    def interval(self, z: float = 1.96) -> tuple[float, float]:
        return self.mean - z * self.se, self.mean + z * self.se


def hac_lag(n: int, horizon: int) -> int:
    """The lag for `n` observations of an `horizon`-session quantity (module docstring)."""
    rule = math.floor(4 * (n / 100) ** (2 / 9)) if n > 0 else 0
    return max(horizon - 1, rule, 0)


def hac_mean(values: pd.Series | np.ndarray, horizon: int = 1, lag: int | None = None) -> HACMean:
    """Newey-West mean of `values` (NaN dropped), lag `hac_lag(n, horizon)` unless given."""
    y = np.asarray(pd.Series(values, dtype=float).dropna(), dtype=float)
    n = len(y)
    used = hac_lag(n, horizon) if lag is None else lag
    if n < 3 or float(np.ptp(y)) == 0.0:
        return HACMean(float(y.mean()) if n else math.nan, math.nan, math.nan, math.nan, used, n)
    used = min(used, n - 1)
    fit = sm.OLS(y, np.ones((n, 1))).fit(cov_type="HAC", cov_kwds={"maxlags": used, "use_correction": True})
    se = float(fit.bse[0])
    t = float(fit.params[0]) / se if se > 0 else math.nan
    p = math.erfc(abs(t) / math.sqrt(2)) if not math.isnan(t) else math.nan  # two-sided, normal
    return HACMean(float(fit.params[0]), se, t, p, used, n)
