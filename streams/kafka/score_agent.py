"""The score stage's agent: batches of normalized stories in, ScoredNews without novelty out to
`<app_id>.news.tagged` (keyed by ticker), for the novelty agent.

Inference runs on one executor thread: ONNX Runtime parallelises inside a batch and releases the
GIL, so the event loop (heartbeats, commits, the other agents) keeps running while a batch
scores. Records that are not a NormalizedNews are dead-lettered (`streams.kafka.rejects`). A
batch's records and dead letters go out through the commit protocol (`streams.kafka.commit`):
a record Kafka refuses, or an error in inference (CUDA out of memory), ends the worker with 75
before the batch's offsets are committed. A story with a ScoredNews larger than the tagged
topic takes is dead-lettered `too_large`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import faust

from schemas import NormalizedNews, dumps
from schemas.errors import InvalidMessage, Reason
from streams.kafka.batches import Outgoing
from streams.kafka.commit import exits_on_error, publish_then_record
from streams.kafka.events import event_batches
from streams.kafka.rejects import dead_letters, decode_all
from streams.metrics import Metrics
from streams.settings import Settings
from streams.stages.score import StoryContext, load_configured_scorer, score_batch

if TYPE_CHECKING:
    from streams.kafka.app import StageTopics

__all__ = ["add_score"]

log = logging.getLogger(__name__)


def add_score(app: faust.App, settings: Settings, metrics: Metrics, topics: StageTopics) -> None:
    """Load the model and add the score agent to `app`."""
    cfg = settings.scoring
    scorer = load_configured_scorer(cfg)
    context = StoryContext.load(settings.story, cfg)
    metrics.set_model(scorer.model_name, scorer.provider, scorer.precision)
    log.info("scoring with %s on %s (%s)", scorer.model_name, scorer.provider, scorer.precision)
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inference")
    deadletter_topic, tagged_topic = topics.deadletter.get_topic_name(), topics.tagged.get_topic_name()

    @app.agent(topics.normalized, name="score")
    @exits_on_error
    async def score_agent(stream: faust.StreamT[bytes]) -> None:
        loop = asyncio.get_running_loop()
        async for events in event_batches(stream, cfg.batch_max, cfg.batch_wait_s):
            stories, rejected = decode_all(NormalizedNews, events)
            refused = {id(event) for event, _ in rejected}
            story_events = [event for event in events if id(event) not in refused]
            started = time.perf_counter()
            batch = await loop.run_in_executor(executor, score_batch, scorer, stories, context)
            rejected += [(story_events[position], error) for position, error in batch.failed]
            tagged = [(record.id, record.ticker.encode("utf-8"), dumps(record)) for record in batch.records]
            # A record its topic cannot take would be refused on every restart: its story is
            # dead-lettered too_large instead (one letter per story, none of its records sent).
            too_large = {story_id for story_id, key, value in tagged if not topics.limits.fits(tagged_topic, key, value)}
            rejected += [
                (event, InvalidMessage(Reason.TOO_LARGE, f"a ScoredNews of the story is larger than {tagged_topic} takes"))
                for event, story in zip(story_events, stories, strict=True) if story.id in too_large
            ]
            outputs: list[Outgoing] = dead_letters(deadletter_topic, rejected, datetime.now(UTC), metrics, topics.limits)
            metrics.inference_batch_seconds.observe(time.perf_counter() - started)
            metrics.inference_batch_size.observe(batch.n_sentences)
            metrics.sentences_scored.inc(batch.n_sentences)
            outputs += [(tagged_topic, key, value) for story_id, key, value in tagged if story_id not in too_large]
            await publish_then_record(app.producer, outputs, limits=topics.limits)
