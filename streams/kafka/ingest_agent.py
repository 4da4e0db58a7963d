"""The ingest stage's agents: validate and stamp each raw story, then drop repeated ids.

- `ingest` (news.raw, in batches): `streams.stages.ingest.ingest` gives each record a
  NormalizedNews, for `<app_id>.news.valid` keyed by story id, or a DeadLetter; the batch's
  results go out through the commit protocol (`streams.kafka.commit`), so a record Kafka refuses
  ends the worker with 75 before the batch's offsets are committed. A story whose normalised form
  its output topics (news.valid, then news.normalized) cannot take is dead-lettered `too_large`,
  and every dead letter is cut to fit its topic (`streams.kafka.limits`).
- `dedupe` (news.valid, in batches): stories whose id the `seen-ids-v2` table holds within the
  retention are dropped; the rest go to news.normalized through the commit protocol
  (`streams.kafka.commit`), which records their ids only once they are in Kafka. The table
  keeps fixed-size digests in packed buckets (`streams.kafka.seen_ids`).
- `purge_seen_ids` (every minute): ids past the retention leave the table, a slice of buckets
  at a time, yielding to the event loop in between; only buckets of the news.valid partitions
  this worker actively owns.
"""

from __future__ import annotations

import time
from functools import partial
from typing import TYPE_CHECKING, cast

import faust

from schemas import DeadLetter, dumps
from streams.kafka.batches import Outgoing
from streams.kafka.commit import exits_on_error, publish_then_record
from streams.kafka.events import event_batches, origin_of
from streams.kafka.rejects import letter_budget
from streams.kafka.seen_ids import TABLE_NAME, SeenIds
from streams.kafka.tables import changelogged_table, wait_for_changelog_metadata
from streams.metrics import Metrics
from streams.settings import Settings
from streams.stages.dedupe import is_duplicate
from streams.stages.exchange_time import CALENDARS, ExchangeMap
from streams.stages.ingest import ingest

if TYPE_CHECKING:
    from streams.kafka.app import StageTopics

__all__ = ["add_ingest"]

PURGE_INTERVAL_S = 60.0


def add_ingest(app: faust.App, settings: Settings, metrics: Metrics, topics: StageTopics) -> None:
    """Add the ingest and dedupe agents and the purge timer to `app`."""
    exchange_map = ExchangeMap.load(settings.ingest.exchange_map, default_mic=settings.ingest.default_mic)
    CALENDARS.warm(sorted(exchange_map.exchanges()))  # here, not on the event loop at a first story
    max_bytes = settings.ingest.max_message_bytes
    future_tolerance_s = settings.ingest.future_tolerance_s
    retention = settings.ingest.dedupe_retention_s
    seen_table = changelogged_table(
        app, TABLE_NAME, settings, "bucket -> packed (id digest, first seen) entries", raw_values=True
    )
    seen = SeenIds(seen_table, settings.topics.partitions)
    normalized_topic = topics.normalized.get_topic_name()
    valid_topic, deadletter_topic = topics.valid.get_topic_name(), topics.deadletter.get_topic_name()
    limits = topics.limits
    # The story goes to news.valid, then unchanged to news.normalized: it must fit both.
    story_bytes = min(limits.record_bytes(valid_topic), limits.record_bytes(normalized_topic))

    @app.agent(topics.raw, name="ingest")
    @exits_on_error
    async def ingest_agent(stream: faust.StreamT[bytes]) -> None:
        async for events in event_batches(stream, settings.ingest.batch_max, settings.ingest.batch_wait_s):
            outputs: list[Outgoing] = []
            for event in events:
                metrics.received.inc()
                origin = origin_of(event)
                letter_key, letter_bytes = letter_budget(limits, deadletter_topic, origin.key)
                result = ingest(
                    event.value, origin, exchange_map, max_bytes, future_tolerance_s=future_tolerance_s,
                    max_output_bytes=story_bytes, max_dead_letter_bytes=letter_bytes,
                )
                if isinstance(result, DeadLetter):
                    metrics.invalid.labels(result.reason).inc()
                    outputs.append((deadletter_topic, letter_key, dumps(result)))
                else:
                    delay = result.received_at.timestamp() - result.published_at_utc.timestamp()
                    metrics.feed_delay_seconds.observe(max(delay, 0.0))
                    outputs.append((valid_topic, result.id.encode("utf-8"), dumps(result)))
            await publish_then_record(app.producer, outputs, limits=limits)

    @app.agent(topics.valid, name="dedupe")
    @exits_on_error
    async def dedupe_agent(stream: faust.StreamT[bytes]) -> None:
        await wait_for_changelog_metadata(app, seen_table)
        async for events in event_batches(stream, settings.ingest.batch_max, settings.ingest.batch_wait_s):
            now = time.time()
            fresh: dict[bytes, faust.EventT[bytes]] = {}
            for event in events:
                story_id = cast(bytes, event.key)  # the ingest agent keys news.valid by story id
                partition = event.message.partition
                if story_id in fresh or is_duplicate(seen.first_seen(story_id, partition), now, retention):
                    metrics.duplicates.labels("ingest").inc()
                else:
                    fresh[story_id] = event
            outputs = [(normalized_topic, key, event.value) for key, event in fresh.items()]
            ids = [(key, event.message.partition) for key, event in fresh.items()]
            await publish_then_record(app.producer, outputs, partial(seen.remember, ids, now), limits)
            metrics.normalized.inc(len(fresh))

    def owned_partitions() -> set[int]:
        """The news.valid partitions this worker actively owns (not its standbys)."""
        return {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == valid_topic}

    @exits_on_error
    async def purge_seen_ids() -> None:
        await seen.purge(time.time(), retention, owned_partitions)

    app.timer(interval=PURGE_INTERVAL_S)(purge_seen_ids)
