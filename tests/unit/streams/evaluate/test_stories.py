"""The evaluation's weightings (streams/evaluate/stories.py `reweighted`)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from schemas import Phase, ScoredNews
from streams.evaluate.stories import ScoredStories, reweighted
from streams.settings import StorySettings

T0 = datetime(2024, 3, 5, 14, 30, tzinfo=UTC)


def _record(news_id: str, relevance: float, novelty: float) -> ScoredNews:
    return ScoredNews(
        id=news_id, ticker="A", published_at_utc=T0, session=date(2024, 3, 5), phase=Phase.REGULAR, score=-0.3,
        confidence=0.8, n_sentences=1, weight=relevance * novelty, headline="h", source="bz", model="m", ingested_at=T0,
        relevance=relevance, novelty=novelty, chain_id=news_id,
    )


@pytest.mark.parametrize(
    ("relevance", "novelty", "expected"),
    [(True, True, [0.25 * 0.4, 1.0]), (True, False, [0.25, 1.0]), (False, True, [0.4, 1.0]), (False, False, [1.0, 1.0])],
)
def test_each_weighting_keeps_only_its_factors(relevance: bool, novelty: bool, expected: list[float]) -> None:
    records = [_record("s1", 0.25, 0.4), _record("s2", 1.0, 1.0)]
    scored = ScoredStories(records, [])
    out = reweighted(scored, relevance, novelty, StorySettings())
    assert [r.weight for r in out.records] == pytest.approx(expected)
    assert [e.weight for e in out.events] == pytest.approx(expected)
    assert [(r.id, r.score) for r in out.records] == [("s1", -0.3), ("s2", -0.3)]  # the same stories
