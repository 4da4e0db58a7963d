"""News for an evaluation, without Kafka: the ingest, score and novelty stages, in process.

Every record of the news file goes through `streams.stages.ingest.ingest` (validation and exchange
time, as the ingest agent does), a repeated id counts once (as the dedupe agent does), and the
stories are scored in batches (`streams.stages.score.scored_news`: events, relevance, the
event-aware score), given their novelty in time order (`streams.stages.novelty.fold_novelty`),
and turned into state events, as the agents do. `reweighted` gives the same stories with the
relevance or novelty factor of the effective weight (or both) left out.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from tqdm import tqdm

from inference.scorer import StoryScore
from schemas import DeadLetter, NormalizedNews, ScoredNews, decode, dumps
from schemas.errors import InvalidMessage
from streams.cli.replay import read_records
from streams.settings import StorySettings
from streams.stages.exchange_time import ExchangeMap
from streams.stages.ingest import Origin, ingest
from streams.stages.novelty import fold_novelty
from streams.stages.score import StoryContext, scored_news
from streams.stages.state import StateEvent
from streams.stages.state.fold import state_event
from streams.stages.story import effective_weight
from streams.stages.story.novelty import Chains
from streams.stages.story.source_weights import SourceWeights

log = logging.getLogger(__name__)

__all__ = ["StoryScorer", "LoadedNews", "ScoredStories", "load_news", "reweighted", "score_events"]

# `ingest` stamps `received_at`/`ingested_at` with its `now`; the evaluation reads neither, and
# a constant keeps two runs over the same file identical.
_RECEIVED_AT = datetime(1970, 1, 1, tzinfo=UTC)
_SCORE_CHUNK = 512  # stories per scoring call: big enough to batch well, small for the progress bar


class StoryScorer(Protocol):
    """What the evaluation needs of a scorer: `inference.Scorer` and the lexicon baseline."""

    model_name: str

    def score_stories(self, stories: Sequence[tuple[str, str | None]]) -> list[StoryScore]: ...


@dataclass
class LoadedNews:
    """The stories of a news file that the agents would score.

    `stories`: valid and first of their id, in (published_at_utc, id) order. `dead_letters`:
    records the ingest stage rejects, by reason. `duplicates`: records whose id came before.
    """

    path: Path
    records: int = 0
    stories: list[NormalizedNews] = field(default_factory=list)
    dead_letters: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0


def load_news(path: Path, exchange_map: ExchangeMap, max_bytes: int, progress: bool = False) -> LoadedNews:
    """Read, validate, stamp and de-duplicate the news file at `path` (CSV or JSONL)."""
    loaded = LoadedNews(path)
    valid: list[tuple[NormalizedNews, bytes]] = []
    records = read_records(path)
    for offset, record in enumerate(tqdm(records, desc="reading news", unit="row", disable=not progress)):
        loaded.records += 1
        result = ingest(record.value, Origin(str(path), 0, offset, record.key), exchange_map, max_bytes, _RECEIVED_AT)
        if isinstance(result, DeadLetter):
            loaded.dead_letters[result.reason] += 1
        else:
            valid.append((result, record.value))
    # Time order first, then the first of each id is kept: which copy of a repeated id counts
    # never depends on the order of the file (the raw bytes break ties between copies).
    valid.sort(key=lambda pair: (pair[0].published_at_utc, pair[0].id, pair[1]))
    seen: set[str] = set()
    for story, _ in valid:
        if story.id in seen:
            loaded.duplicates += 1
        else:
            seen.add(story.id)
            loaded.stories.append(story)
    return loaded


@dataclass
class ScoredStories:
    """The complete ScoredNews of a news file (story x ticker, in story order) and the state
    event of each."""

    records: list[ScoredNews]
    events: list[StateEvent]


def score_events(
    stories: Sequence[NormalizedNews],
    scorer: StoryScorer,
    context: StoryContext,
    progress: bool = False,
) -> ScoredStories:
    """One ScoredNews and state event per story and ticker, built as the score, novelty and
    state agents build them (`stories` in time order, as `load_news` gives them)."""
    tagged: list[bytes] = []
    with tqdm(total=len(stories), desc=f"scoring ({scorer.model_name})", unit="story", disable=not progress) as bar:
        for start in range(0, len(stories), _SCORE_CHUNK):
            chunk = stories[start : start + _SCORE_CHUNK]
            scores = scorer.score_stories([(story.headline, story.body) for story in chunk])
            for story, score in zip(chunk, scores, strict=True):
                try:
                    tagged.extend(dumps(record) for record in scored_news(story, score, scorer.model_name, context))
                except InvalidMessage as error:  # non-finite model output: the worker dead-letters it too
                    log.warning("story %r left out: %s", story.id, error)
            bar.update(len(chunk))
    chains: dict[bytes, Chains] = {}
    novel = fold_novelty(tagged, lambda key: chains.get(key, Chains()), context.directory, context.settings)
    records = [decode(ScoredNews, value) for _, value in novel.outputs]
    return ScoredStories(records, [state_event(record) for record in records])


def reweighted(scored: ScoredStories, relevance: bool, novelty: bool, settings: StorySettings) -> ScoredStories:
    """The same stories, their weight the effective weight with only the chosen factors."""
    cfg = settings.model_copy(
        update={
            "relevance_power": settings.relevance_power if relevance else 0.0,
            "novelty_power": settings.novelty_power if novelty else 0.0,
        }
    )
    sources = SourceWeights.load(settings.source_weights)
    records = [
        replace(record, weight=effective_weight(sources.weight_for(record.source), record.relevance, record.novelty or 1.0, cfg))
        for record in scored.records
    ]
    return ScoredStories(records, [state_event(record) for record in records])
