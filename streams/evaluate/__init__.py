"""`tickertone evaluate`: does the signal predict returns? A point-in-time replay of a news file
through the agents' own functions, joined with daily prices, written up as a report.

Modules: `stories` (ingest, dedupe, score), `sampling` (signal at every session close),
`prices` (prices, forward returns per execution), `metrics` (IC, quantiles, hit rate, construct
validity), `hac` (Newey-West intervals), `portfolios` (books with costs), `decay_matrix`,
`breakdowns` (where it works), `residual` (net of buzz and size), `learn_source_weights`,
`lexicon` (the Loughran-McDonald baseline), `run` (the whole evaluation), `report`,
`report_quant`, `tables`, `figures` (Markdown and figures). This module holds only the
defaults, so that the CLI can build its parser without importing pandas.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "BUNDLED_NEWS",
    "BUNDLED_PRICES",
    "HORIZONS",
    "HEADLINE_HORIZONS",
    "LAGS",
    "IC_FIELDS",
    "DEFAULT_SIGNAL",
    "DEFAULT_BENCHMARK",
    "DEFAULT_EXECUTION",
    "EXECUTIONS",
    "WEIGHT_METHODS",
    "SCORERS",
    "WEIGHTINGS",
]

_SAMPLE = Path(__file__).resolve().parent.parent / "sample"
BUNDLED_NEWS = _SAMPLE / "benzinga_headlines.csv"
BUNDLED_PRICES = _SAMPLE / "prices"
HORIZONS = (1, 2, 5, 10, 20)  # sessions ahead; the two the report leads with are HEADLINE_HORIZONS
HEADLINE_HORIZONS = (1, 5)
LAGS = (0, 1, 5, 10)  # construct validity: the price deviation this many sessions after the signal's
IC_FIELDS = ("score_fast", "score_slow", "exposure", "zscore", "linear_window_score")
# Judged by quantiles, hit rate and construct validity; chosen before looking at any result: the
# 72 h half-life matches daily horizons.
DEFAULT_SIGNAL = "score_slow"
DEFAULT_BENCHMARK = "SPY"  # returns are in excess of its return
# When a signal read at the close of S trades (`prices` says how each is priced). The next open
# is the first price a close signal can trade at; `close` is the optimistic reference and
# `next-close` the one-session-late control against bid-ask bounce.
EXECUTIONS = ("next-open", "close", "next-close")
DEFAULT_EXECUTION = "next-open"
WEIGHT_METHODS = ("filter", "shrunk")  # learned source weights (`learn_source_weights`)
# The model's stories again with other weights: relevance weighting only, novelty weighting only,
# neither (the source weight): so each factor's effect is measured, not assumed. Label ->
# (relevance weighting, novelty weighting).
WEIGHTINGS = {"model-relevance": (True, False), "model-novelty": (False, True), "model-unweighted": (False, False)}
SCORERS = ("model", *WEIGHTINGS, "lexicon")
