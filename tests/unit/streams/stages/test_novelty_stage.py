"""The novelty stage's fold (streams/stages/novelty.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from schemas import Phase, ScoredNews, decode, dumps
from schemas.errors import Reason
from streams.settings import StorySettings
from streams.stages.novelty import fold_novelty
from streams.stages.story import SymbolDirectory
from streams.stages.story.novelty import Chains

CFG = StorySettings()
DIRECTORY = SymbolDirectory.load()
T0 = datetime(2024, 3, 5, 14, 30, tzinfo=UTC)


def _tagged(news_id: str, ticker: str, minutes: int, headline: str, relevance: float = 1.0) -> bytes:
    return dumps(ScoredNews(
        id=news_id, ticker=ticker, published_at_utc=T0 + timedelta(minutes=minutes), session=date(2024, 3, 5),
        phase=Phase.REGULAR, score=0.2, confidence=0.7, n_sentences=1, weight=2.0, headline=headline, source="bz",
        model="m", ingested_at=T0, event_type="price_target", event_direction=1, event_actor="stifel", relevance=relevance,
    ))


def test_records_get_novelty_chain_and_the_effective_weight_per_ticker() -> None:
    values = [
        _tagged("s1", "A", 0, "Stifel Nicolaus Maintains Buy on Agilent Technologies, Raises PT to $48.00"),
        _tagged("s1", "AAP", 0, "Stifel Nicolaus Maintains Buy on Agilent Technologies, Raises PT to $48.00", 0.25),
        _tagged("s2", "A", 30, "UPDATE: Stifel Nicolaus Raises PT on Agilent Technologies Following F2Q13 Results"),
        b"not json",
    ]
    out = fold_novelty(values, lambda key: Chains(), DIRECTORY, CFG)
    records = [decode(ScoredNews, value) for _, value in out.outputs]
    assert [(r.id, r.ticker, r.novelty, r.chain_id) for r in records] == [
        ("s1", "A", 1.0, "s1"), ("s1", "AAP", 1.0, "s1"), ("s2", "A", pytest.approx(CFG.novelty_decay), "s1"),
    ]
    # weight = source weight 2.0 x relevance x novelty (powers 1)
    assert [r.weight for r in records] == pytest.approx([2.0, 0.5, 2.0 * CFG.novelty_decay])
    assert sorted(out.chains) == [b"A", b"AAP"] and len(out.chains[b"A"].entries) == 2
    ((position, error),) = out.rejected
    assert position == 3 and error.reason is Reason.NOT_JSON


def test_a_batch_continues_from_the_stored_chains_and_drops_a_redelivered_story() -> None:
    story = _tagged("s1", "A", 0, "Stifel Nicolaus Raises PT on Agilent To $48")
    update = _tagged("s2", "A", 30, "UPDATE: Stifel Nicolaus Raises PT on Agilent Technologies To $48")
    first = fold_novelty([story], lambda key: Chains(), DIRECTORY, CFG)
    stored = first.chains
    again = fold_novelty([story, update, update], lambda key: stored[key], DIRECTORY, CFG)
    # s1 went out before its chains were recorded; s2 once, in s1's chain, though sent twice
    assert [decode(ScoredNews, v).id for _, v in again.outputs] == ["s2"] and again.duplicates == 2
    assert decode(ScoredNews, again.outputs[0][1]).chain_id == "s1"
    assert [e.news_id for e in again.chains[b"A"].entries] == ["s1", "s2"]
