"""Two dead-letter reasons raised by stages rather than the schema: `future_time` (ingest: a
story dated after it was read, beyond the tolerance; the state stage refuses one too) and
`model_output` (score: the model gave non-finite probabilities)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import orjson
import pytest

from inference.scorer import StoryScore, sentence_score, story_score
from schemas import DeadLetter, NormalizedNews, dumps
from schemas.errors import InvalidMessage, Reason
from streams.settings import AlertSettings, StateSettings, StorySettings
from streams.stages.exchange_time import ExchangeMap
from streams.stages.ingest import Origin, ingest
from streams.stages.score import StoryContext, scored_news
from streams.stages.state import TickerState
from streams.stages.state.fold import fold_batch
from streams.stages.story import SymbolDirectory

NOW = datetime(2024, 3, 5, 15, 0, tzinfo=UTC)
ORIGIN = Origin("news.raw", 0, 7, b"k")


def raw(published_at: datetime) -> bytes:
    return orjson.dumps({
        "id": "n1", "published_at": published_at.isoformat(), "headline": "Acme Cuts Outlook",
        "tickers": ["ACME"], "schema_version": 1,
    })


@pytest.mark.parametrize(("ahead_s", "refused"), [(0.0, False), (300.0, False), (301.0, True), (30 * 86400.0, True)])
def test_ingest_refuses_a_story_from_beyond_the_tolerance(ahead_s: float, refused: bool) -> None:
    result = ingest(raw(NOW + timedelta(seconds=ahead_s)), ORIGIN, ExchangeMap.load(), 1_000_000, NOW, future_tolerance_s=300.0)
    if refused:
        assert isinstance(result, DeadLetter) and result.reason == Reason.FUTURE_TIME.value
        assert "after the story was read" in result.message
    else:
        assert isinstance(result, NormalizedNews)


def test_ingest_without_a_tolerance_keeps_event_time() -> None:
    # An offline evaluation reads history with any clock: no check.
    result = ingest(raw(NOW + timedelta(days=30)), ORIGIN, ExchangeMap.load(), 1_000_000, NOW)
    assert isinstance(result, NormalizedNews)


def _scored(story: NormalizedNews, score: float = -1.4) -> bytes:
    [record] = scored_news(story, StoryScore(score, 0.95, 1), "m", _context())
    return dumps(record)


def _context() -> StoryContext:
    return StoryContext(SymbolDirectory({}), StorySettings(), 3.0)


def test_the_state_stage_refuses_a_story_from_the_future_and_stays_on_time() -> None:
    exchange_map = ExchangeMap.load()
    future = ingest(raw(NOW + timedelta(days=30)), ORIGIN, exchange_map, 1_000_000, NOW)
    assert isinstance(future, NormalizedNews)
    out = fold_batch([_scored(future)], lambda key: TickerState(), StateSettings(), AlertSettings(), NOW, 300.0)
    assert [(position, error.reason) for position, error in out.rejected] == [(0, Reason.FUTURE_TIME)]
    assert out.states == {} and out.signals == []


def test_non_finite_probabilities_score_nan_never_zero() -> None:
    assert math.isnan(sentence_score(math.nan, 0.2, 0.3).score)
    assert math.isnan(sentence_score(0.5, math.inf, 0.3).score)
    story = story_score([sentence_score(0.7, 0.1, 0.2), sentence_score(math.nan, math.nan, math.nan)])
    assert not story.finite
    assert story_score([sentence_score(0.7, 0.1, 0.2)]).finite


def test_a_story_with_non_finite_model_output_is_refused_model_output() -> None:
    story = ingest(raw(NOW), ORIGIN, ExchangeMap.load(), 1_000_000, NOW)
    assert isinstance(story, NormalizedNews)
    with pytest.raises(InvalidMessage) as caught:
        scored_news(story, StoryScore(math.nan, math.nan, 1), "m", _context())
    assert caught.value.reason is Reason.MODEL_OUTPUT
