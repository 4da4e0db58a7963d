"""`tickertone worker`: every agent of the configured stages in one Faust worker.

Start order: refuse untested Faust/mode/aiokafka versions (`streams.kafka.compat.versions`);
create the data directory (with its parents) and say where it is; serve the metrics; create
missing topics; read their `max.message.bytes` (`streams.kafka.limits`); build the app; run
until SIGTERM or SIGINT. An agent that meets an error it does not handle, or a record Kafka
refuses, ends the worker with exit code 75 (`streams.kafka.commit`).
"""

from __future__ import annotations

import logging

import faust

from schemas import Severity
from streams.kafka.admin import ensure_topics
from streams.kafka.app import create_app, internal_topic_names, topic_configs
from streams.kafka.clients import bootstrap_servers, kafka_python_config
from streams.kafka.compat.versions import require_tested_versions
from streams.kafka.limits import read_topic_limits
from streams.metrics import Metrics, serve
from streams.settings import Settings
from streams.stages.story import EventType

__all__ = ["run_worker"]

log = logging.getLogger(__name__)


def run_worker(settings: Settings, loglevel: str = "INFO") -> int:
    """Run the worker (module docstring); returns its exit code. Raises `CompatError` on an
    untested library version."""
    require_tested_versions(settings.allow_untested_faust)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    log.info("worker state in %s", settings.data_dir)
    metrics = Metrics(
        alert_severities=[severity.value for severity in Severity],
        alert_event_types=[event_type.value for event_type in EventType],
    )
    serve(metrics, settings.metrics.port, settings.metrics.addr)
    log.info("metrics on http://%s:%d/metrics", settings.metrics.addr, settings.metrics.port)
    ensure_topics(
        bootstrap_servers(settings.broker),
        internal_topic_names(settings),
        settings.topics.partitions,
        topic_configs(settings),
        **kafka_python_config(settings.security),
    )
    limits = read_topic_limits(
        bootstrap_servers(settings.broker), internal_topic_names(settings), **kafka_python_config(settings.security)
    )
    log.info("topics' max.message.bytes: %s", dict(limits.max_message_bytes))
    app = create_app(settings, metrics, limits)
    if settings.http.enabled:
        log.info("queries on %s (served once the worker is ready)", str(app.conf.canonical_url).rstrip("/") + "/health")
    metrics.up.set(1)
    worker = faust.Worker(app, loglevel=loglevel, quiet=True)
    try:
        worker.execute_from_commandline()
    except SystemExit as done:
        return int(done.code or 0)
    finally:
        metrics.up.set(0)
