"""Where the signal works: story-level IC and hit rate by event type, relevance, novelty,
phase and sign.

One row per story x ticker (`score` against the return from the session the story acts on,
under the evaluation's execution). Each breakdown adds a label column and groups by it with
`metrics.by_group`: Spearman IC within the group (blank below 10 stories), hit rate, mean return.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from streams.evaluate.metrics import by_group

__all__ = ["BREAKDOWNS", "labelled", "breakdowns"]

# Relevance cut points (`StorySettings`): named 1.0 and mentioned 0.85 are "high"; unknown 0.75
# and body-only 0.6 "mid"; unnamed 0.25 and list pieces 0.1 "low".
_RELEVANCE_BINS = [-np.inf, 0.3, 0.8, np.inf]
_RELEVANCE_LABELS = ["low (< 0.3)", "mid (0.3-0.8)", "high (>= 0.8)"]
BREAKDOWNS = {
    "event_type": "event type",
    "relevance_bucket": "relevance",
    "novelty_kind": "novelty",
    "phase": "phase",
    "sign": "sign of the score",
}


def labelled(stories: pd.DataFrame) -> pd.DataFrame:
    """`stories` (with `relevance`, `novelty`, `phase`, `score`) plus the breakdowns' labels.

    Novelty: `first` for the first story of its chain (novelty 1 or none), `repeat` otherwise.
    Sign: `negative`, `zero`, `positive`: the product treats bad news apart, so the hit rate of
    each sign is the asymmetry to check.
    """
    out = stories.copy()
    out["relevance_bucket"] = pd.cut(out["relevance"], _RELEVANCE_BINS, labels=_RELEVANCE_LABELS, right=False).astype(str)
    out["novelty_kind"] = np.where(out["novelty"].fillna(1.0) >= 1.0, "first", "repeat")
    out["sign"] = np.select([out["score"] < 0, out["score"] > 0], ["negative", "positive"], "zero")
    return out


def breakdowns(stories: pd.DataFrame, horizons: Sequence[int]) -> dict[str, pd.DataFrame]:
    """Per breakdown column (`BREAKDOWNS`), `by_group`'s table (the label column renamed `group`)."""
    data = labelled(stories)
    return {column: by_group(data, column, horizons).rename(columns={column: "group"}) for column in BREAKDOWNS}
