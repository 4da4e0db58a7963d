"""Score stage, pure: a normalized story and its model score -> one ScoredNews per ticker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from schemas import NormalizedNews, ScoredNews
from streams.config import ScoringSettings

if TYPE_CHECKING:
    from inference import Scorer

__all__ = ["load_configured_scorer", "scored_news"]


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
