"""Score stage: normalized stories -> one ScoredNews per story x ticker (DESIGN.md "Scoring").

No Kafka here. The model (`inference.Scorer`) scores each story's sentences; this module turns
the story scores into records, each carrying its ticker's exchange session and phase. The score
agent runs `score_batch` on an executor thread, off the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from schemas import NormalizedNews, ScoredNews
from streams.settings import ScoringSettings

if TYPE_CHECKING:
    from inference import Scorer

__all__ = ["ScoredBatch", "load_configured_scorer", "score_batch", "scored_news"]


def load_configured_scorer(cfg: ScoringSettings) -> Scorer:
    """The scorer `cfg` describes (model dir, provider, sentence cap, penalty, batch size)."""
    from inference import load_scorer  # onnxruntime and tokenizers load only when scoring

    return load_scorer(
        cfg.model,
        cfg.provider,
        max_sentences=cfg.max_sentences,
        negative_penalty=cfg.negative_penalty,
        batch_size=cfg.batch_max,
    )


def scored_news(story: NormalizedNews, score: float, confidence: float, n_sentences: int, model: str) -> list[ScoredNews]:
    """One record per ticker, each carrying that ticker's exchange session and phase."""
    return [
        ScoredNews(
            id=story.id,
            ticker=stamp.ticker,
            published_at_utc=story.published_at_utc,
            session=stamp.session,
            phase=stamp.phase,
            score=score,
            confidence=confidence,
            n_sentences=n_sentences,
            weight=1.0,
            headline=story.headline,
            source=story.source,
            model=model,
            ingested_at=story.ingested_at,
        )
        for stamp in story.stamps
    ]


@dataclass(frozen=True)
class ScoredBatch:
    """The records of a batch of stories, in story order, and the sentences the model scored."""

    records: list[ScoredNews]
    n_sentences: int


def score_batch(scorer: Scorer, stories: Sequence[NormalizedNews]) -> ScoredBatch:
    """Score `stories` in one batched model pass and build their records."""
    results = scorer.score_stories([(story.headline, story.body) for story in stories])
    records = [
        record
        for story, result in zip(stories, results, strict=True)
        for record in scored_news(story, result.score, result.confidence, result.n_sentences, scorer.model_name)
    ]
    return ScoredBatch(records, sum(result.n_sentences for result in results))
