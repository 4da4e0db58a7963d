"""Learned source weights: keep the sources whose stories predicted returns in a training
window, judge the weights on the sessions after it.

1. Training window: the stories acting on sessions up to `until`. Per source, the story-level
   Spearman IC of score and return over all its stories there, and its t-statistic
   `ic x sqrt((n - 2) / (1 - ic^2))` (pooled stories: a screen, not a test; stories of one
   session share its market move, so the t is optimistic and the threshold is set high).
2. Weights (`learn`): `filter` gives 1 to a source with t >= threshold (2.5, the survey's
   filter) and 0 to the rest; `shrunk` gives `t^2 / (t^2 + threshold^2)` to a positive t (a t at
   the threshold gets half weight, a large t nearly 1) and 0 otherwise. Sources never seen in
   training get the file's default, 1.0: no evidence is not evidence of noise.
3. Out of sample (`aggregate_ics`): per session after `until`, each ticker's signal is the
   weighted mean score of its stories of that session; its cross-sectional IC against the
   return, with every weight 1 and with the learned weights, are compared.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

from streams.evaluate import WEIGHT_METHODS
from streams.evaluate.metrics import session_ics
from streams.stages.story.source_weights import SourceWeights

__all__ = ["METHODS", "THRESHOLD", "source_table", "learn", "aggregate_ics"]

METHODS = WEIGHT_METHODS
THRESHOLD = 2.5


def source_table(stories: pd.DataFrame, ret: str, until: date) -> pd.DataFrame:
    """Per source (index): `n` training stories with a return, `ic`, `t` (step 1)."""
    data = stories[(stories["session"] <= until)].dropna(subset=["score", ret])
    data = data.assign(source=data["source"].fillna("").str.strip().str.lower())
    rows = {}
    for source, group in data.groupby("source", sort=True):
        n = len(group)
        ic = float(group["score"].rank().corr(group[ret].rank())) if n >= 10 else math.nan
        t = ic * math.sqrt((n - 2) / (1 - ic * ic)) if not math.isnan(ic) and abs(ic) < 1 else math.nan
        rows[str(source)] = {"n": n, "ic": ic, "t": t}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["n", "ic", "t"])


def learn(table: pd.DataFrame, method: str = "filter", threshold: float = THRESHOLD) -> SourceWeights:
    """Weights from `source_table`'s t-statistics (step 2)."""
    if method not in METHODS:
        raise ValueError(f"method {method!r}: expected one of {', '.join(METHODS)}")
    weights = {}
    for source, t in table["t"].items():
        t = float(t)
        if math.isnan(t) or t <= 0:
            weights[str(source)] = 0.0
        elif method == "filter":
            weights[str(source)] = 1.0 if t >= threshold else 0.0
        else:
            weights[str(source)] = t * t / (t * t + threshold * threshold)
    return SourceWeights(weights, 1.0)


def aggregate_ics(stories: pd.DataFrame, weights: SourceWeights, ret: str, after: date, min_names: int = 3) -> pd.Series:
    """Session ICs of the weighted per-ticker story signal on sessions after `after` (step 3)."""
    data = stories[stories["session"] > after].dropna(subset=["score", ret])
    w = data["source"].map(lambda s: weights.weight_for(s if isinstance(s, str) else None)).astype(float)
    data = data.assign(w=w, ws=w * data["score"])
    grouped = data.groupby(["session", "ticker"], sort=True).agg(w=("w", "sum"), ws=("ws", "sum"), r=(ret, "first"))
    grouped = grouped[grouped["w"] > 0].reset_index()
    grouped["signal"] = grouped["ws"] / grouped["w"]
    return session_ics(grouped, "signal", "r", min_names) if len(grouped) else pd.Series(dtype=float)
