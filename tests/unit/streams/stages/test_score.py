"""The score stage: its scorer comes from the scoring settings; its records carry the story's
event, relevance and event-aware score."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from inference.scorer import StoryScore
from schemas import NormalizedNews, Phase, TickerStamp
from streams.settings import ScoringSettings, StorySettings
from streams.stages.score import SOURCE_WEIGHT, StoryContext, load_configured_scorer, scored_news


def test_the_configured_scorer_takes_every_setting() -> None:
    cfg = ScoringSettings(provider="cpu", max_sentences=3, negative_penalty=2.0, batch_max=7)
    scorer = load_configured_scorer(cfg)
    assert (scorer.provider, scorer.splitter.max_sentences, scorer.negative_penalty, scorer.batch_size) == (
        "CPUExecutionProvider", 3, 2.0, 7,
    )
    # A negative sentence is penalised by the configured factor: score = 2 * s_raw.
    sentence = scorer.score_texts(["Profits collapsed and the company warned of losses."])[0]
    assert sentence.s_raw < 0 and sentence.score == 2.0 * sentence.s_raw


def _story(headline: str, tickers: tuple[str, ...]) -> NormalizedNews:
    at = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
    stamps = tuple(TickerStamp(t, "XNYS", date(2024, 3, 5), Phase.PRE_MARKET, at) for t in tickers)
    return NormalizedNews(
        id="n1", published_at=at, published_at_utc=at, headline=headline, tickers=tickers, received_at=at,
        stamps=stamps, ingested_at=at, source="bz",
    )


CONTEXT = StoryContext.load(StorySettings(), ScoringSettings())


def test_a_story_gets_one_record_per_ticker_with_its_event_relevance_and_both_scores() -> None:
    # The model reads the beat as negative (-0.6 at confidence 0.8); the event sets the sign:
    # surprise 25% -> full strength, size = 1 * (0.5 + 0.5 * 0.8) = 0.9, score = +0.45.
    model = StoryScore(score=-0.6, confidence=0.8, n_sentences=1)
    (record,) = scored_news(_story("Agilent Q3 EPS $0.30 vs $0.24 Est.", ("A",)), model, "m", CONTEXT)
    assert (record.event_type, record.event_direction, record.event_magnitude) == ("earnings", 1, pytest.approx(25.0))
    assert record.model_score == -0.6 and record.score == pytest.approx(0.45)
    assert record.relevance == CONTEXT.settings.named_relevance
    assert (record.weight, record.novelty, record.chain_id) == (SOURCE_WEIGHT, None, None)  # the novelty stage's job


def test_a_list_piece_has_no_event_and_low_relevance_for_every_ticker() -> None:
    model = StoryScore(score=-1.2, confidence=0.9, n_sentences=1)
    records = scored_news(_story("Stocks That Hit 52-Week Lows On Thursday", ("A", "AAP")), model, "m", CONTEXT)
    assert [(r.ticker, r.event_type, r.score, r.relevance) for r in records] == [
        ("A", "other", -1.2, CONTEXT.settings.list_relevance),
        ("AAP", "other", -1.2, CONTEXT.settings.list_relevance),
    ]
