"""How fast the signal's information is used up: the IC decay matrix and its half-life.

Entry `(field, h)` is the mean over sessions of the cross-sectional Spearman IC of the field at
the close of S with the one-session return earned `h` sessions after entry
(`prices.marginal_returns`): what the signal says about session h alone. A cumulative-return IC
mixes every earlier session into later horizons and cannot decay; this one can.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from streams.evaluate.hac import hac_mean
from streams.evaluate.metrics import session_ics

__all__ = ["DECAY_HORIZONS", "decay_matrix", "half_life"]

DECAY_HORIZONS = tuple(range(1, 21))


def decay_matrix(
    samples: pd.DataFrame, fields: Sequence[str], horizons: Sequence[int] = DECAY_HORIZONS, min_names: int = 3
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mean IC and its Newey-West t per field (rows) and horizon (columns); `samples` holds the
    marginal returns as `m_<h>` columns. One-session returns do not overlap, so the HAC lag is
    the rule of thumb."""
    means = pd.DataFrame(index=list(fields), columns=list(horizons), dtype=float)
    ts = means.copy()
    for field in fields:
        for h in horizons:
            stat = hac_mean(session_ics(samples, field, f"m_{h}", min_names), horizon=1)
            means.loc[field, h], ts.loc[field, h] = stat.mean, stat.t
    return means, ts


def half_life(ics: pd.Series) -> float:
    """Sessions after entry at which the mean marginal IC first falls to half its 1-session
    value (linear interpolation between horizons; `ics` indexed by horizon 1, 2, ...). NaN when
    the 1-session IC is not positive (nothing to decay); `inf` when it stays above half over
    every horizon given (a slow signal: its half-life is beyond the matrix)."""
    values = ics.to_numpy(dtype=float)
    horizons = ics.index.to_numpy(dtype=float)
    if len(values) == 0 or not values[0] > 0:
        return math.nan
    half = values[0] / 2
    for i in range(1, len(values)):
        if values[i] <= half:  # NaN compares False: a horizon without an IC is skipped
            before = values[i - 1] if not np.isnan(values[i - 1]) else values[0]
            return float(horizons[i - 1] + (before - half) / (before - values[i]) * (horizons[i] - horizons[i - 1]))
    return math.inf
