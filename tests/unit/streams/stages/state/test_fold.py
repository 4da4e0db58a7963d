"""The state stage's batch fold: signals in order, duplicates dropped, bad values set aside."""

from __future__ import annotations

from datetime import UTC, date, datetime

import orjson

from schemas import Phase, ScoredNews, TickerSignal, decode, dumps
from streams.settings import AlertSettings, StateSettings
from streams.stages.state import TickerState
from streams.stages.state.fold import fold_batch

AT = datetime(2024, 3, 4, 15, 0, tzinfo=UTC)


def _story(story_id: str, ticker: str, score: float, minutes: int = 0) -> ScoredNews:
    return ScoredNews(
        id=story_id, ticker=ticker, published_at_utc=AT.replace(minute=minutes), session=date(2024, 3, 4),
        phase=Phase.REGULAR, score=score, confidence=0.9, n_sentences=1, weight=1.0,
        headline=f"headline {story_id}", source="test", model="m", ingested_at=AT,
    )


def test_fold_batch_emits_in_order_drops_repeats_and_sets_bad_values_aside() -> None:
    values = [
        dumps(_story("a", "AAA", 0.4, 0)),
        b"{not json",
        dumps(_story("b", "BBB", -0.3, 1)),
        dumps(_story("a", "AAA", 0.4, 0)),  # the same story again
        orjson.dumps({**orjson.loads(dumps(_story("c", "AAA", 0.1))), "weight": -1.0}),
        dumps(_story("d", "AAA", 0.2, 2)),
    ]
    out = fold_batch(values, lambda key: TickerState(), StateSettings(), AlertSettings(), AT)
    signals = [decode(TickerSignal, value) for _, value in out.signals]
    assert [(s.ticker, s.news_id, s.n_events) for s in signals] == [("AAA", "a", 1), ("BBB", "b", 1), ("AAA", "d", 2)]
    assert [key for key, _ in out.signals] == [b"AAA", b"BBB", b"AAA"]
    assert out.duplicates == 1
    assert [(i, e.reason.value) for i, e in out.rejected] == [(1, "not_json"), (4, "schema")]
    assert set(out.states) == {b"AAA", b"BBB"} and out.states[b"AAA"].n_events == 2
    # One story at 15:00 (+0.4) and one at 15:02 (+0.2), half-life 1 h: (0.4 d + 0.2) / (d + 1).
    d = 2 ** (-120 / 3600)
    assert abs(signals[2].score_fast - (0.4 * d + 0.2) / (d + 1)) < 1e-12
