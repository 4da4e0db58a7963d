"""Score stage: normalized stories -> one ScoredNews per story x ticker (DESIGN.md "Scoring",
"Story intelligence").

No Kafka here. For a batch of stories, in order:
1. the model (`inference.Scorer`) scores every story's sentences in one batched pass;
2. each story's events are read from its text (`streams.stages.story.classify`);
3. per ticker: the events' directions for that company's role, the lead event, the relevance,
   and the event-aware score; the classifier's own score is kept as `model_score`.
Novelty and the effective weight come later, in the ticker-keyed novelty stage: the records
made here carry the source weight (`story.source_weights`, 1.0 without a file) and no novelty.
The score agent runs `score_batch` on an executor thread, off the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from schemas import NormalizedNews, ScoredNews
from schemas.errors import InvalidMessage, Reason
from streams.settings import ScoringSettings, StorySettings
from streams.stages.story import BODY_CHARS, SymbolDirectory, classify, event_score, for_ticker, primary, relevance
from streams.stages.story.source_weights import SourceWeights

if TYPE_CHECKING:
    from inference import Scorer, StoryScore

__all__ = ["SOURCE_WEIGHT", "ScoredBatch", "StoryContext", "load_configured_scorer", "score_batch", "scored_news"]

SOURCE_WEIGHT = 1.0
"""A source's weight when no source-weights file is configured (or it names neither the source
nor a default)."""


@dataclass(frozen=True)
class StoryContext:
    """What the score stage needs besides the model: company names, the story settings and
    the per-source weights (all 1.0 unless `story.source_weights` names a file)."""

    directory: SymbolDirectory
    settings: StorySettings
    negative_penalty: float
    source_weights: SourceWeights = field(default_factory=SourceWeights)

    @classmethod
    def load(cls, story: StorySettings, scoring: ScoringSettings) -> StoryContext:
        directory = SymbolDirectory.load(story.symbols_csv, builtin=story.builtin_directory)
        return cls(directory, story, scoring.negative_penalty, SourceWeights.load(story.source_weights))


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


def scored_news(story: NormalizedNews, result: StoryScore, model: str, context: StoryContext) -> list[ScoredNews]:
    """One record per ticker (steps 2 and 3 of the module docstring). Raises InvalidMessage
    (`model_output`) when the model gave non-finite probabilities for the story."""
    if not result.finite:
        raise InvalidMessage(Reason.MODEL_OUTPUT, f"story {story.id!r}: the model gave non-finite probabilities")
    events = classify(story.headline, story.body)
    # Roles are read where the events were: the headline first, then the body's opening.
    text = story.headline if not story.body else f"{story.headline}. {story.body[:BODY_CHARS]}"
    records = []
    for stamp in story.stamps:
        company = context.directory.get(stamp.ticker)
        lead = primary(for_ticker(events, text, stamp.ticker, company))
        records.append(
            ScoredNews(
                id=story.id,
                ticker=stamp.ticker,
                published_at_utc=story.published_at_utc,
                session=stamp.session,
                phase=stamp.phase,
                score=event_score(result.score, result.confidence, lead, context.settings, context.negative_penalty),
                confidence=result.confidence,
                n_sentences=result.n_sentences,
                weight=context.source_weights.weight_for(story.source),
                headline=story.headline,
                source=story.source,
                model=model,
                ingested_at=story.ingested_at,
                model_score=result.score,
                event_type=lead.type.value if lead else "other",
                event_direction=lead.direction if lead else 0,
                event_magnitude=lead.magnitude if lead else None,
                event_actor=lead.actor if lead else None,
                relevance=relevance(story.headline, story.body, stamp.ticker, len(story.stamps), company, context.settings),
            )
        )
    return records


@dataclass(frozen=True)
class ScoredBatch:
    """The records of a batch of stories, in story order, the sentences the model scored, and
    `(position in the batch, error)` of the stories that got no records (to dead-letter)."""

    records: list[ScoredNews]
    n_sentences: int
    failed: list[tuple[int, InvalidMessage]] = field(default_factory=list)


def score_batch(scorer: Scorer, stories: Sequence[NormalizedNews], context: StoryContext) -> ScoredBatch:
    """Score `stories` in one batched model pass and build their records."""
    results = scorer.score_stories([(story.headline, story.body) for story in stories])
    batch = ScoredBatch([], sum(result.n_sentences for result in results))
    for position, (story, result) in enumerate(zip(stories, results, strict=True)):
        try:
            batch.records.extend(scored_news(story, result, scorer.model_name, context))
        except InvalidMessage as error:
            batch.failed.append((position, error))
    return batch
