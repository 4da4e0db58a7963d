"""The Faust app: its configuration, its topics, and the agents of the stages this worker runs.

The flow (DESIGN.md "Topics"):

    news.raw --ingest--> <app_id>.news.valid (keyed by id) --dedupe--> news.normalized
            \\--> news.deadletter
    news.normalized --score--> <app_id>.news.tagged (keyed by ticker) --novelty--> news.scored
    news.scored --state--> signals.ticker, alerts.negative

Each stage's agents live in their own module (`ingest_agent`, `score_agent`, `novelty_agent`,
`state_agent`); the `state` stage runs the novelty and state agents, both keyed by ticker;
each agent decodes, calls the pure stage code in `streams.stages`, and publishes. The
transport is the compat room's `RewindingTransport`.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any

import faust

from streams.kafka.admin import changelog_configs
from streams.kafka.clients import faust_credentials
from streams.kafka.compat.consumer import RewindingTransport
from streams.kafka.compat.stores import store_url
from streams.kafka.ingest_agent import add_ingest
from streams.kafka.lag import OffsetsMonitor, RebalanceSensor, update_from_faust
from streams.kafka.limits import MAX_MESSAGE_BYTES, TopicLimits
from streams.kafka.novelty_agent import add_novelty
from streams.kafka.score_agent import add_score
from streams.kafka.state_agent import add_state
from streams.metrics import Metrics
from streams.settings import Settings

__all__ = [
    "MAX_MESSAGE_BYTES", "StageTopics", "changelog_configs", "changelog_topic_configs", "create_app", "internal_topic_names",
    "read_topic_names", "topic_configs",
]

# MAX_MESSAGE_BYTES (streams.kafka.limits): the largest record the worker produces or fetches.
# A topic that takes less (its `max.message.bytes`) gets less: the limits are read at start.

PRODUCER_BATCH_BYTES = 1024 * 1024
"""A record batch carries up to this much of one partition's share of an agent's batch, so a
state batch leaves as about one produce request per partition (BENCHMARKS.md, "State stage")."""


@dataclass(frozen=True)
class StageTopics:
    """The app's topics, raw bytes in and out (the agents encode and decode themselves)."""

    raw: faust.TopicT
    deadletter: faust.TopicT
    valid: faust.TopicT
    normalized: faust.TopicT
    tagged: faust.TopicT
    scored: faust.TopicT
    signals: faust.TopicT
    alerts: faust.TopicT
    latest: faust.TopicT
    limits: TopicLimits = field(default_factory=TopicLimits)
    """Each topic's `max.message.bytes`, read from the broker at start (`streams.kafka.limits`)."""


def internal_topic_names(settings: Settings) -> list[str]:
    """Topics the worker reads or writes besides Faust's own changelogs."""
    t = settings.topics
    return [
        t.raw, t.deadletter, valid_topic_name(settings), t.normalized, tagged_topic_name(settings), t.scored, t.signals, t.alerts,
        t.latest,
    ]


def topic_configs(settings: Settings) -> dict[str, dict[str, str]]:
    """Topic configs the worker creates its topics with (DESIGN.md "Topic configs"): every topic
    `min.insync.replicas` from the settings and a `max.message.bytes` that fits the largest
    record the worker produces; the raw input a retention (`topics.raw_retention_s`);
    `signals.latest` compacted (one record per ticker survives). A topic that exists keeps its
    own configs."""
    common = changelog_configs(settings)
    configs = {name: dict(common) for name in internal_topic_names(settings)}
    configs[settings.topics.raw]["retention.ms"] = str(round(settings.topics.raw_retention_s * 1000))
    configs[settings.topics.latest]["cleanup.policy"] = "compact"
    return configs


def changelog_topic_configs(app: faust.App, settings: Settings) -> dict[str, dict[str, str]]:
    """The app's table changelogs and the configs the worker creates them with before Faust
    starts: compacted, plus `changelog_configs`. Created here, not left to Faust: a producer's
    metadata request for a changelog (`wait_for_changelog_metadata`) can auto-create it with the
    broker's defaults (delete policy, no configs) before Faust declares it."""
    configs = {**changelog_configs(settings), "cleanup.policy": "compact"}
    return {table.changelog_topic.get_topic_name(): dict(configs) for table in app.tables.values()}


def read_topic_names(app: faust.App) -> list[str]:
    """The topics this app's agents read and its tables' changelogs: the topics whose partition
    count must be `topics.partitions` (a key's partition there is the partition of its state)."""
    names: list[str] = []
    for agent in app.agents.values():
        channel = agent.channel
        if isinstance(channel, faust.TopicT):
            names.extend(channel.topics)
    names.extend(table.changelog_topic.get_topic_name() for table in app.tables.values())
    return list(dict.fromkeys(names))


def valid_topic_name(settings: Settings) -> str:
    """The worker-private topic between ingest and dedupe: validated stories keyed by id."""
    return f"{settings.app_id}.news.valid"


def tagged_topic_name(settings: Settings) -> str:
    """The worker-private topic between score and novelty: ScoredNews without novelty, by ticker."""
    return f"{settings.app_id}.news.tagged"


def create_app(settings: Settings, metrics: Metrics, limits: TopicLimits | None = None) -> faust.App:
    """Build the Faust app with the agents of `settings.stages`. `limits`: the topics'
    `max.message.bytes` (`streams.kafka.limits.read_topic_limits`); None: 4 MiB everywhere."""
    http_host = settings.http.advertised_host or settings.http.addr
    http_port = settings.http.port or _free_port(settings.http.addr)
    app = faust.App(
        settings.app_id,
        broker=settings.broker,
        broker_credentials=faust_credentials(settings.security),
        datadir=str(settings.data_dir),
        store=store_url(settings.state.store),
        processing_guarantee="at_least_once",  # see streams.kafka.commit
        topic_partitions=settings.topics.partitions,
        topic_replication_factor=settings.topics.replication_factor,  # Faust's changelogs and its own topics
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_max_request_size=MAX_MESSAGE_BYTES,
        producer_max_batch_size=PRODUCER_BATCH_BYTES,
        consumer_max_fetch_size=MAX_MESSAGE_BYTES,
        web_enabled=settings.http.enabled,  # the HTTP queries (streams.serve.http)
        web_bind=settings.http.addr,
        web_port=http_port,
        web_host=http_host,
        canonical_url=f"http://{http_host}:{http_port}",  # how the other workers reach this one
        web_router_enabled=False,
        web_tables_enabled=False,
        web_graph_enabled=False,
        web_stats_enabled=False,
        web_metrics_enabled=False,
        Monitor=OffsetsMonitor,
        # A SIGKILLed worker holds its partitions until its session times out: keep that short
        # so a restarted or surviving worker takes over in seconds, not Kafka's default 45 s.
        broker_session_timeout=10.0,
        broker_heartbeat_interval=2.0,
    )
    app.transport = RewindingTransport(app.conf.broker_consumer, app)  # before any topic exists
    topics = _topics(app, settings, limits or TopicLimits())
    if "ingest" in settings.stages:
        add_ingest(app, settings, metrics, topics)
    if "score" in settings.stages:
        add_score(app, settings, metrics, topics)
    if "state" in settings.stages:
        add_novelty(app, settings, metrics, topics)
        add_state(app, settings, metrics, topics)
    if settings.http.enabled:
        from streams.serve.http import add_queries  # imports the state agent's table accessor

        add_queries(app, settings)
    _add_monitoring(app, metrics)
    return app


def _free_port(addr: str) -> int:
    with socket.socket() as sock:
        sock.bind((addr, 0))
        return int(sock.getsockname()[1])


def _topics(app: faust.App, settings: Settings, limits: TopicLimits) -> StageTopics:
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
    return StageTopics(
        raw=topic(t.raw),
        deadletter=topic(t.deadletter),
        valid=topic(valid_topic_name(settings)),
        normalized=topic(t.normalized),
        tagged=topic(tagged_topic_name(settings)),
        scored=topic(t.scored),
        signals=topic(t.signals),
        alerts=topic(t.alerts),
        latest=topic(t.latest),
        limits=limits,
    )


def _add_monitoring(app: faust.App, metrics: Metrics) -> None:
    app.sensors.add(RebalanceSensor(metrics))
    reported: dict[str, Any] = {"previous": None}

    async def report_lag() -> None:
        reported["previous"] = update_from_faust(metrics, app, reported["previous"])

    app.timer(interval=5.0)(report_lag)
