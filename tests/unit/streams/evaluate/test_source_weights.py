"""Learned source weights on synthetic news whose truth is known, the weights file, and the
worker applying a source's weight to its stories."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from inference.scorer import StoryScore
from schemas import NormalizedNews, Phase, TickerStamp
from streams.evaluate.hac import hac_mean
from streams.evaluate.learn_source_weights import aggregate_ics, learn, source_table
from streams.settings import ScoringSettings, StorySettings
from streams.stages.score import StoryContext, scored_news
from streams.stages.story.source_weights import SourceWeights

FIRST = date(2020, 1, 1)


def synthetic_news(seed: int = 3, sessions: int = 300, tickers: int = 30) -> pd.DataFrame:
    """Per session and ticker a latent next-session return driver z. `wire` reports it (score
    0.5 z + noise: informative), `blog` and `forum` publish scores unrelated to it (noise), and
    more stories than `wire`, so unweighted they drown it."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(sessions):
        session = FIRST + timedelta(days=s)
        z = rng.normal(size=tickers)
        ret = 0.01 * z + rng.normal(0, 0.02, tickers)
        for t in range(tickers):
            ticker = f"T{t:02d}"
            if rng.random() < 0.5:
                rows.append((session, ticker, "Wire", float(np.tanh(0.5 * z[t] + rng.normal(0, 0.5))), ret[t]))
            for source in ("blog", "forum"):
                for _ in range(rng.poisson(1.0)):
                    rows.append((session, ticker, source, float(np.tanh(rng.normal())), ret[t]))
    return pd.DataFrame(rows, columns=["session", "ticker", "source", "score", "ret_1"])


def test_the_t_filter_keeps_the_informative_source_and_lifts_the_out_of_sample_ic() -> None:
    news = synthetic_news()
    until = FIRST + timedelta(days=149)
    table = source_table(news, "ret_1", until)
    assert list(table.index) == ["blog", "forum", "wire"]  # compared lower-case
    assert table.loc["wire", "t"] > 10 and abs(table.loc["blog", "t"]) < 2.5 and abs(table.loc["forum", "t"]) < 2.5
    weights = learn(table, "filter")
    assert weights.weights == {"blog": 0.0, "forum": 0.0, "wire": 1.0}
    before = hac_mean(aggregate_ics(news, SourceWeights(), "ret_1", until))
    after = hac_mean(aggregate_ics(news, weights, "ret_1", until))
    assert before.n == after.n == 150  # every test session
    assert after.mean > before.mean + 0.05 and after.t > before.t

    shrunk = learn(table, "shrunk")
    assert shrunk.weights["wire"] > 0.9 and shrunk.weights["blog"] < 0.5 and shrunk.weights["forum"] < 0.5


def test_a_weights_file_round_trips_and_unknown_sources_get_the_default(tmp_path: Path) -> None:
    path = tmp_path / "source_weights.json"
    path.write_text(json.dumps(SourceWeights({"wire": 1.0, "blog": 0.0}, 0.5).to_dict(learned={"method": "filter"})))
    loaded = SourceWeights.load(path)
    assert (loaded.weight_for(" WIRE "), loaded.weight_for("blog"), loaded.weight_for("other"), loaded.weight_for(None)) == (
        1.0,
        0.0,
        0.5,
        0.5,
    )
    assert SourceWeights.load(None).weight_for("anything") == 1.0
    path.write_text(json.dumps({"weights": {"wire": -1}}))
    with pytest.raises(ValueError, match="source weights file .*wire"):
        SourceWeights.load(path)


def test_the_score_stage_gives_each_record_its_source_weight(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text(json.dumps({"format": 1, "default": 1.0, "weights": {"bz": 0.25}}))
    at = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
    stamps = (TickerStamp("A", "XNYS", date(2024, 3, 5), Phase.PRE_MARKET, at),)

    def story(source: str) -> NormalizedNews:
        return NormalizedNews(
            id="n1",
            published_at=at,
            published_at_utc=at,
            headline="Agilent raises guidance",
            tickers=("A",),
            received_at=at,
            stamps=stamps,
            ingested_at=at,
            source=source,
        )

    context = StoryContext.load(StorySettings(source_weights=path), ScoringSettings())
    score = StoryScore(score=0.5, confidence=0.9, n_sentences=1)
    assert scored_news(story("bz"), score, "m", context)[0].weight == 0.25
    assert scored_news(story("other"), score, "m", context)[0].weight == 1.0
    default = StoryContext.load(StorySettings(), ScoringSettings())
    assert scored_news(story("bz"), score, "m", default)[0].weight == 1.0  # no file: nothing changes
