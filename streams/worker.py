"""`tickertone worker`: run every agent of the app in one Faust worker."""

from __future__ import annotations

import logging

import faust

from streams.app import create_app, internal_topic_names
from streams.broker import ensure_topics
from streams.config import Settings, bootstrap_servers
from schemas import Severity
from streams.metrics import Metrics, serve

__all__ = ["run_worker"]

log = logging.getLogger(__name__)


def run_worker(settings: Settings, loglevel: str = "INFO") -> int:
    """Serve metrics, make sure the topics exist, then run the worker until SIGTERM/SIGINT."""
    metrics = Metrics(alert_severities=[severity.value for severity in Severity])
    serve(metrics, settings.metrics.port, settings.metrics.addr)
    log.info("metrics on http://%s:%d/metrics", settings.metrics.addr, settings.metrics.port)
    ensure_topics(
        bootstrap_servers(settings.broker),
        internal_topic_names(settings),
        settings.topics.partitions,
        **settings.kafka_client_config(),
    )
    app = create_app(settings, metrics)
    metrics.up.set(1)
    worker = faust.Worker(app, loglevel=loglevel, quiet=True)
    try:
        worker.execute_from_commandline()
    except SystemExit as done:
        return int(done.code or 0)
    finally:
        metrics.up.set(0)
    return 0
