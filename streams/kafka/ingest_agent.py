"""The ingest stage's agents: validate and stamp each raw story, then drop repeated ids.

- `ingest` (news.raw, one record at a time): `streams.stages.ingest.ingest` gives a
  NormalizedNews, sent to `<app_id>.news.valid` keyed by story id, or a DeadLetter.
- `dedupe` (news.valid, in batches): stories whose id the `seen-ids-v1` table holds within the
  retention are dropped; the rest go to news.normalized through the commit protocol
  (`streams.kafka.commit`), which records their ids only once they are in Kafka.
- `purge_seen_ids` (every minute): ids past the retention leave the table.
"""

from __future__ import annotations

import time
from functools import partial
from typing import TYPE_CHECKING, cast

import faust
from faust.types import TableT

from schemas import DeadLetter, dumps
from streams.kafka.commit import publish_then_record
from streams.kafka.events import event_batches, origin_of
from streams.kafka.tables import changelogged_table, wait_for_changelog_metadata
from streams.metrics import Metrics
from streams.settings import Settings
from streams.stages.dedupe import expired_ids, is_duplicate
from streams.stages.exchange_time import ExchangeMap
from streams.stages.ingest import ingest

if TYPE_CHECKING:
    from streams.kafka.app import StageTopics

__all__ = ["add_ingest"]

PURGE_INTERVAL_S = 60.0


def add_ingest(app: faust.App, settings: Settings, metrics: Metrics, topics: StageTopics) -> None:
    """Add the ingest and dedupe agents and the purge timer to `app`."""
    exchange_map = ExchangeMap.load(settings.ingest.exchange_map, default_mic=settings.ingest.default_mic)
    max_bytes = settings.ingest.max_message_bytes
    future_tolerance_s = settings.ingest.future_tolerance_s
    retention = settings.ingest.dedupe_retention_s
    seen = changelogged_table(app, "seen-ids-v1", settings, "story id -> first seen (epoch s)")
    normalized_topic = topics.normalized.get_topic_name()

    @app.agent(topics.raw, name="ingest")
    async def ingest_agent(stream: faust.StreamT[bytes]) -> None:
        async for event in stream.events():
            metrics.received.inc()
            origin = origin_of(event)
            result = ingest(event.value, origin, exchange_map, max_bytes, future_tolerance_s=future_tolerance_s)
            if isinstance(result, DeadLetter):
                metrics.invalid.labels(result.reason).inc()
                await topics.deadletter.send(key=origin.key, value=dumps(result))
            else:
                delay = result.received_at.timestamp() - result.published_at_utc.timestamp()
                metrics.feed_delay_seconds.observe(max(delay, 0.0))
                await topics.valid.send(key=result.id.encode("utf-8"), value=dumps(result))

    @app.agent(topics.valid, name="dedupe")
    async def dedupe_agent(stream: faust.StreamT[bytes]) -> None:
        await wait_for_changelog_metadata(app, seen)
        async for events in event_batches(stream, settings.ingest.batch_max, settings.ingest.batch_wait_s):
            now = time.time()
            fresh: dict[bytes, faust.EventT[bytes]] = {}
            for event in events:
                story_id = cast(bytes, event.key)  # the ingest agent keys news.valid by story id
                if story_id in fresh or is_duplicate(seen.get(story_id), now, retention):
                    metrics.duplicates.labels("ingest").inc()
                else:
                    fresh[story_id] = event
            outputs = [(normalized_topic, key, event.value) for key, event in fresh.items()]
            await publish_then_record(app.producer, outputs, partial(_remember, seen, list(fresh), now))
            metrics.normalized.inc(len(fresh))

    async def purge_seen_ids() -> None:
        for story_id in list(expired_ids(seen.items(), time.time(), retention)):
            del seen[story_id]

    app.timer(interval=PURGE_INTERVAL_S)(purge_seen_ids)


def _remember(seen: TableT[bytes, float], story_ids: list[bytes], now: float) -> None:
    """Record `story_ids` as first seen at `now` (Faust sends their changelog records)."""
    for story_id in story_ids:  # one by one: Faust's RocksDB store has no bulk update
        seen[story_id] = now
