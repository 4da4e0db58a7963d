"""`tickertone worker`: every agent of the configured stages in one Faust worker.

Start order: refuse untested Faust/mode/aiokafka versions (`streams.kafka.compat.versions`);
create the data directory (with its parents) and say where it is; serve the metrics; create
missing topics (with the configs of `streams.kafka.app.topic_configs`); read their
`max.message.bytes` (`streams.kafka.limits`); build the app; create its tables' missing
changelogs (compacted, same configs); refuse a topic it reads, or a changelog, with another
partition count than `topics.partitions` (`PartitionMismatch`, one line); freeze what exists so
far out of the garbage collector's full passes (`gc.freeze`); run until SIGTERM or SIGINT. An
agent that meets an error it does not handle, or a record Kafka refuses, ends the worker with
exit code 75 (`streams.kafka.commit`).
"""

from __future__ import annotations

import asyncio
import gc
import logging

import faust

from schemas import Severity
from streams.kafka.admin import ensure_topics, require_partitions
from streams.kafka.app import (
    changelog_topic_configs,
    create_app,
    internal_topic_names,
    read_topic_names,
    topic_configs,
)
from streams.kafka.clients import bootstrap_servers, explained_kafka_errors, kafka_python_config
from streams.kafka.compat.versions import require_tested_versions
from streams.kafka.limits import read_topic_limits
from streams.metrics import HEARTBEAT_S, Metrics, serve
from streams.settings import Settings
from streams.stages.story import EventType

__all__ = ["run_worker", "start_heartbeat"]

log = logging.getLogger(__name__)


def run_worker(settings: Settings, loglevel: str = "INFO") -> int:
    """Run the worker (module docstring); returns its exit code. Raises `CompatError` on an
    untested library version, `PartitionMismatch` on a topic with another partition count."""
    require_tested_versions(settings.allow_untested_faust)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    log.info("worker state in %s", settings.data_dir)
    metrics = Metrics(
        alert_severities=[severity.value for severity in Severity],
        alert_event_types=[event_type.value for event_type in EventType],
    )
    serve(metrics, settings.metrics.port, settings.metrics.addr)
    log.info("metrics on http://%s:%d/metrics", settings.metrics.addr, settings.metrics.port)
    # Wrong credentials or an unreachable broker: one line naming the cause, exit 1.
    with explained_kafka_errors(settings.broker, settings.security):
        ensure_topics(
            bootstrap_servers(settings.broker),
            internal_topic_names(settings),
            settings.topics.partitions,
            topic_configs(settings),
            replication_factor=settings.topics.replication_factor,
            **kafka_python_config(settings.security),
        )
        limits = read_topic_limits(
            bootstrap_servers(settings.broker), internal_topic_names(settings), **kafka_python_config(settings.security)
        )
        log.info("topics' max.message.bytes: %s", dict(limits.max_message_bytes))
        app = create_app(settings, metrics, limits)
        changelogs = changelog_topic_configs(app, settings)
        ensure_topics(
            bootstrap_servers(settings.broker),
            changelogs,
            settings.topics.partitions,
            changelogs,
            replication_factor=settings.topics.replication_factor,
            **kafka_python_config(settings.security),
        )
        # `use_partitioner` tables skip Faust's co-partitioning check: a source topic or changelog
        # with another count would put a ticker's records and its state on different partitions.
        require_partitions(
            bootstrap_servers(settings.broker), read_topic_names(app), settings.topics.partitions,
            **kafka_python_config(settings.security),
        )
    if settings.http.enabled:
        log.info("queries on %s (served once the worker is ready)", str(app.conf.canonical_url).rstrip("/") + "/health")
    # What exists now (modules, the app, the exchange calendars) lives as long as the worker:
    # frozen, a full collection no longer walks it, on the event loop, in the middle of a batch.
    gc.collect()
    gc.freeze()
    metrics.up.set(1)
    worker = faust.Worker(app, loglevel=loglevel, quiet=True)
    start_heartbeat(worker.loop, metrics)
    try:
        worker.execute_from_commandline()
    except SystemExit as done:
        return int(done.code or 0)
    finally:
        metrics.up.set(0)


def start_heartbeat(loop: asyncio.AbstractEventLoop, metrics: Metrics, interval: float = HEARTBEAT_S) -> None:
    """Beat `metrics.heartbeat` every `interval` seconds on `loop` from the moment it runs: during
    table recovery too (Faust starts its timers only after recovery, which can take minutes),
    so `tickertone_event_loop_lag_seconds` measures the loop itself."""

    def beat() -> None:
        metrics.heartbeat.beat()
        loop.call_later(interval, beat)

    loop.call_soon_threadsafe(beat)
