"""`tickertone worker`: run every agent of the app in one Faust worker."""

from __future__ import annotations

import logging

import faust

from streams.app import create_app, internal_topic_names
from streams.broker import ensure_topics
from streams.config import Settings
from schemas import Severity
from streams.metrics import Metrics, serve

__all__ = ["run_worker", "bootstrap_servers"]

log = logging.getLogger(__name__)


def bootstrap_servers(broker_url: str) -> str:
    """`kafka://a:9092;kafka://b:9092` (Faust's form) -> `a:9092,b:9092` (Kafka clients' form)."""
    hosts = []
    for part in broker_url.replace(",", ";").split(";"):
        part = part.strip()
        if part:
            hosts.append(part.split("://", 1)[-1])
    return ",".join(hosts)


def run_worker(settings: Settings, loglevel: str = "INFO") -> int:
    """Serve metrics, make sure the topics exist, then run the worker until SIGTERM/SIGINT."""
    metrics = Metrics(alert_severities=[severity.value for severity in Severity])
    serve(metrics, settings.metrics.port, settings.metrics.addr)
    log.info("metrics on http://%s:%d/metrics", settings.metrics.addr, settings.metrics.port)
    ensure_topics(
        bootstrap_servers(settings.broker),
        internal_topic_names(settings),
        settings.topics.partitions,
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
