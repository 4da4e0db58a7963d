"""Score stage, pure: a normalized story and its model score -> one ScoredNews per ticker."""

from __future__ import annotations

from schemas import NormalizedNews, ScoredNews

__all__ = ["scored_news"]


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
