"""Faust wiring only: the app, its topics, tables and agents.

Each agent decodes, calls a pure function from its stage module, re-assigns table values and
sends. The flow (DESIGN.md "Topics"):

    news.raw --ingest--> news.valid (keyed by id) --dedupe--> news.normalized
            \\--> news.deadletter
    news.normalized --score--> news.scored (keyed by ticker) --state--> signals.ticker, alerts.negative
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

import faust
import orjson

from schemas import DeadLetter, NormalizedNews, decode, dumps
from schemas.errors import InvalidMessage
from streams.config import Settings
from streams.dedupe import expired_ids, is_duplicate
from streams.exchange_time import ExchangeMap
from streams.ingest import Origin, dead_letter, ingest
from streams.lag import OffsetsMonitor, RebalanceSensor, update_from_faust
from streams.metrics import Metrics
from streams.publish import Record, publish_then_record
from streams.scoring import load_configured_scorer, scored_news
from streams.signals import fold_batch
from streams.state import TickerState, from_dict, to_dict
from streams.stores import store_url
from streams.transport import RewindingTransport

__all__ = ["create_app", "internal_topic_names"]

log = logging.getLogger(__name__)

# Messages up to 1 MB are valid input; their dead letters (base64 + envelope) need more room.
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
# A record batch holds up to this much of one partition's share of an agent's batch
# (streams.publish). With aiokafka's 16 KiB default, a state batch of 1,000 signals (~380 KB)
# and its changelog records left as ~6 batches a partition, each waiting for its own produce
# request: the sender took ~14% of the worker's loop, ~2% with 1 MiB (BENCHMARKS.md). Below
# MAX_MESSAGE_BYTES, which the topics' max.message.bytes must allow anyway.
PRODUCER_BATCH_BYTES = 1024 * 1024
_PURGE_INTERVAL_S = 60.0


def internal_topic_names(settings: Settings) -> list[str]:
    """Topics the worker reads or writes besides Faust's own changelogs."""
    t = settings.topics
    return [t.raw, t.deadletter, _valid_topic(settings), t.normalized, t.scored, t.signals, t.alerts]


def _valid_topic(settings: Settings) -> str:
    return f"{settings.app_id}.news.valid"


def _credentials(settings: Settings) -> Any:
    if not settings.security_protocol or settings.security_protocol.upper() == "PLAINTEXT":
        return None
    protocol = settings.security_protocol.upper()
    ssl_context = None
    if protocol.endswith("SSL"):
        import ssl

        ssl_context = ssl.create_default_context(cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None)
    if protocol.startswith("SASL"):
        return faust.SASLCredentials(
            username=settings.sasl_username,
            password=settings.sasl_password,
            mechanism=settings.sasl_mechanism or "PLAIN",
            ssl_context=ssl_context,
        )
    return faust.SSLCredentials(ssl_context)


def create_app(settings: Settings, metrics: Metrics) -> faust.App:
    """Build the Faust app with the agents of `settings.stages`."""
    app = faust.App(
        settings.app_id,
        broker=settings.broker,
        broker_credentials=_credentials(settings),
        datadir=str(settings.data_dir),
        store=store_url(settings.state.store),
        processing_guarantee="at_least_once",  # see streams.publish.publish_then_record
        topic_partitions=settings.topics.partitions,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_max_request_size=MAX_MESSAGE_BYTES,
        producer_max_batch_size=PRODUCER_BATCH_BYTES,
        consumer_max_fetch_size=MAX_MESSAGE_BYTES,
        web_enabled=False,
        Monitor=OffsetsMonitor,
        # A SIGKILLed worker holds its partitions until its session times out: keep that short
        # so a restarted or surviving worker takes over in seconds, not Kafka's default 45 s.
        broker_session_timeout=10.0,
        broker_heartbeat_interval=2.0,
    )
    app.transport = RewindingTransport(app.conf.broker_consumer, app)  # before any topic exists

    def topic(name: str) -> faust.TopicT:
        return app.topic(
            name,
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=settings.topics.partitions,
        )

    t = settings.topics
    raw, deadletter, valid, normalized = topic(t.raw), topic(t.deadletter), topic(_valid_topic(settings)), topic(t.normalized)
    scored, signals, alerts = topic(t.scored), topic(t.signals), topic(t.alerts)

    if "ingest" in settings.stages:
        _add_ingest(app, settings, metrics, raw, deadletter, valid, normalized)
    if "score" in settings.stages:
        _add_score(app, settings, metrics, normalized, scored, deadletter)
    if "state" in settings.stages:
        _add_state(app, settings, metrics, scored, signals, alerts, deadletter)
    _add_monitoring(app, metrics)
    return app


def _add_monitoring(app: faust.App, metrics: Metrics) -> None:
    app.sensors.add(RebalanceSensor(metrics))
    reported: dict[str, Any] = {"previous": None}

    @app.timer(interval=5.0)
    async def report_lag() -> None:
        reported["previous"] = update_from_faust(metrics, app, reported["previous"])


def _table(app: faust.App, name: str, settings: Settings, help: str, raw_values: bool = False) -> faust.TableT:
    """A changelogged table whose changelog partition follows the key's hash; with `raw_values`
    its values are bytes the agent encodes itself (Faust's JSON codec is the stdlib's).

    `use_partitioner` lets one batch write keys of several partitions (Faust otherwise takes the
    partition of the event being processed). Every topic feeding a table is keyed by that same
    key and partitioned by the same murmur2 hash, so changelog partition == source partition.
    """
    return app.Table(
        name,
        default=None,
        partitions=settings.topics.partitions,
        key_type=bytes,  # raw keys: Faust derives the changelog (and recovery) codec from the type
        use_partitioner=True,
        value_type=bytes if raw_values else None,  # bytes: the raw codec
        help=help,
    )


def _add_ingest(
    app: faust.App,
    settings: Settings,
    metrics: Metrics,
    raw: faust.TopicT,
    deadletter: faust.TopicT,
    valid: faust.TopicT,
    normalized: faust.TopicT,
) -> None:
    exchange_map = ExchangeMap.load(settings.ingest.exchange_map, default_mic=settings.ingest.default_mic)
    max_bytes = settings.ingest.max_message_bytes
    retention = settings.ingest.dedupe_retention_s
    seen = _table(app, "seen-ids-v1", settings, "story id -> first seen (epoch s)")

    @app.agent(raw, name="ingest")
    async def ingest_agent(stream: faust.StreamT) -> None:
        async for event in stream.events():
            message = event.message
            metrics.received.inc()
            origin = Origin(message.topic, message.partition, message.offset, message.key)
            result = ingest(event.value, origin, exchange_map, max_bytes)
            if isinstance(result, DeadLetter):
                metrics.invalid.labels(result.reason).inc()
                await deadletter.send(key=message.key, value=dumps(result))
            else:
                delay = result.received_at.timestamp() - result.published_at_utc.timestamp()
                metrics.feed_delay_seconds.observe(max(delay, 0.0))
                await valid.send(key=result.id.encode("utf-8"), value=dumps(result))

    @app.agent(valid, name="dedupe")
    async def dedupe_agent(stream: faust.StreamT) -> None:
        await _changelog_metadata(app, seen)
        async for events in stream.take_events(settings.ingest.batch_max, within=settings.ingest.batch_wait_s):
            now = time.time()
            fresh: dict[bytes, faust.EventT] = {}
            for event in events:
                if event.key in fresh or is_duplicate(seen.get(event.key), now, retention):
                    metrics.duplicates.labels("ingest").inc()
                else:
                    fresh[event.key] = event

            def record() -> None:
                for key in fresh:  # not seen.update: Faust's RocksDB store has no bulk update
                    seen[key] = now

            outputs = [(normalized.get_topic_name(), key, event.value) for key, event in fresh.items()]
            await publish_then_record(app.producer, outputs, record)
            metrics.normalized.inc(len(fresh))

    @app.timer(interval=_PURGE_INTERVAL_S)
    async def purge_seen_ids() -> None:
        for story_id in list(expired_ids(seen.items(), time.time(), retention)):
            del seen[story_id]


def _decode_all(cls: type, events: list[faust.EventT]) -> tuple[list[Any], list[tuple[faust.EventT, InvalidMessage]]]:
    """Decode every event's value as `cls`; the ones that fail come back with their error."""
    records, rejected = [], []
    for event in events:
        try:
            records.append(decode(cls, event.value))
        except InvalidMessage as error:
            rejected.append((event, error))
    return records, rejected


def _dead_letters(
    deadletter: faust.TopicT, rejected: list[tuple[faust.EventT, InvalidMessage]], now: datetime, metrics: Metrics
) -> list[Record]:
    """Dead letters for messages on internal topics that a stage cannot use (a foreign writer,
    a bug upstream): counted and kept with their origin, never allowed to stop the agent."""
    letters = []
    for event, error in rejected:
        message = event.message
        log.warning("dead-lettering %s[%d]@%d: %s", message.topic, message.partition, message.offset, error)
        metrics.invalid.labels(error.reason.value).inc()
        origin = Origin(message.topic, message.partition, message.offset, message.key)
        letters.append((deadletter.get_topic_name(), message.key, dumps(dead_letter(error, event.value, origin, now))))
    return letters


async def _changelog_metadata(app: faust.App, table: faust.TableT) -> None:
    """Wait until the producer knows the table's changelog partitions.

    With `use_partitioner` Faust hashes the key to a partition synchronously on the first write,
    which fails ("NoneType is not iterable") while the producer has no metadata for the topic.
    """
    producer = app.producer._ensure_producer()  # aiokafka's producer; Faust has no public handle
    await producer.partitions_for(table.changelog_topic.get_topic_name())


def _add_score(
    app: faust.App,
    settings: Settings,
    metrics: Metrics,
    normalized: faust.TopicT,
    scored: faust.TopicT,
    deadletter: faust.TopicT,
) -> None:
    cfg = settings.scoring
    scorer = load_configured_scorer(cfg)
    metrics.set_model(scorer.model_name, scorer.provider, scorer.precision)
    log.info("scoring with %s on %s (%s)", scorer.model_name, scorer.provider, scorer.precision)
    # One inference thread: ONNX Runtime parallelises inside a batch and releases the GIL, so
    # the event loop (heartbeats, commits, other agents) keeps running while a batch scores.
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inference")

    @app.agent(normalized, name="score")
    async def score_agent(stream: faust.StreamT) -> None:
        loop = asyncio.get_running_loop()
        async for events in stream.take_events(cfg.batch_max, within=cfg.batch_wait_s):
            stories, rejected = _decode_all(NormalizedNews, events)
            if rejected:
                for _, key, value in _dead_letters(deadletter, rejected, datetime.now(timezone.utc), metrics):
                    await deadletter.send(key=key, value=value)
            started = time.perf_counter()
            results = await loop.run_in_executor(
                executor, scorer.score_stories, [(story.headline, story.body) for story in stories]
            )
            metrics.inference_batch_seconds.observe(time.perf_counter() - started)
            n_sentences = sum(result.n_sentences for result in results)
            metrics.inference_batch_size.observe(n_sentences)
            metrics.sentences_scored.inc(n_sentences)
            for story, result in zip(stories, results):
                for record in scored_news(story, result.score, result.confidence, result.n_sentences, scorer.model_name):
                    await scored.send(key=record.ticker.encode("utf-8"), value=dumps(record))
                    metrics.scored.inc()


def _add_state(
    app: faust.App,
    settings: Settings,
    metrics: Metrics,
    scored: faust.TopicT,
    signals: faust.TopicT,
    alerts: faust.TopicT,
    deadletter: faust.TopicT,
) -> None:
    state_cfg, alert_cfg = settings.state, settings.alerts
    # The table name carries the state schema version: a new layout starts a new changelog.
    # Values are to_dict's JSON, encoded with orjson: the same changelog records as Faust's own
    # JSON codec would write, at a fraction of its cost.
    table = _table(app, "ticker-state-v1", settings, "ticker -> decayed sentiment state", raw_values=True)

    # The agent works on TickerState. Keeping each state beside the bytes written for it skips
    # decoding while the table still holds those very bytes: the memory store does (a value
    # restored from the changelog is a new object and is decoded); RocksDB returns a new object
    # on every read, and is chosen to keep state out of memory, so nothing is kept with it.
    keep_written = settings.state.store.startswith("memory:")
    signals_topic, alerts_topic = signals.get_topic_name(), alerts.get_topic_name()
    written: dict[bytes, tuple[bytes, TickerState]] = {}

    def load(key: bytes) -> TickerState:
        stored = table.get(key)
        if stored is None:
            return TickerState()
        known = written.get(key)
        return known[1] if known is not None and known[0] is stored else from_dict(orjson.loads(stored))

    def store(states: dict[bytes, TickerState]) -> list[Record]:
        """Write the states to the table's store and return their changelog records.

        The records go out in batches like the outputs, to the partition of the key's murmur2
        hash (where `use_partitioner` puts them too): Faust's own per-key path
        (`on_key_set` -> `send_soon` -> its producer buffer) cost ~57 us a write
        (BENCHMARKS.md). Recovery, standbys and the store are Faust's, as before.
        """
        values = {key: orjson.dumps(to_dict(state)) for key, state in states.items()}
        for key, value in values.items():
            table.data[key] = value  # one by one: Faust's RocksDB store has no bulk update
        if keep_written:
            written.update({key: (values[key], state) for key, state in states.items()})
        changelog = table.changelog_topic.get_topic_name()
        return [(changelog, key, value) for key, value in values.items()]

    @app.agent(scored, name="state")
    async def state_agent(stream: faust.StreamT) -> None:
        async for events in stream.take_events(state_cfg.batch_max, within=state_cfg.batch_wait_s):
            now = datetime.now(timezone.utc)
            out = fold_batch([event.value for event in events], load, state_cfg, alert_cfg, now)
            outputs = [(signals_topic, k, v) for k, v in out.signals] + [(alerts_topic, k, v) for k, v in out.alerts]
            outputs += _dead_letters(deadletter, [(events[i], error) for i, error in out.rejected], now, metrics)
            await publish_then_record(app.producer, outputs, lambda: store(out.states))
            now_s = time.time()
            for ingested_at in out.ingested_at:
                metrics.latency_seconds.observe(max(now_s - ingested_at, 0.0))
            for ticker, score in out.fast_scores.items():
                metrics.top_movers.observe(ticker, score)
            for severity in out.severities:
                metrics.alerts.labels(severity).inc()
            metrics.signals.inc(len(out.signals))
            metrics.duplicates.labels("state").inc(out.duplicates)
