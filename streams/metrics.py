"""Every Prometheus metric tickertone exports, in one place.

Names follow prometheus/client_python conventions: fixed `tickertone_` namespace, counters end
in `_total`, base units (`_seconds`), small fixed label sets (never the ticker as a label).
Metrics live on a `Metrics` object bound to a registry so tests can use a fresh one.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, start_http_server

__all__ = ["Metrics", "serve"]

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
_FEED_DELAY_BUCKETS = (0.1, 0.5, 1, 5, 30, 60, 300, 3600, 86400, 7 * 86400)


class Metrics:
    """The worker's metrics, registered on `registry`."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        ns = "tickertone"
        r = self.registry
        self.received = Counter("received", "Raw stories received.", namespace=ns, registry=r)
        self.invalid = Counter(
            "invalid", "Raw messages sent to the dead-letter topic, by reason.", ["reason"], namespace=ns, registry=r
        )
        self.duplicates = Counter("duplicates", "Stories dropped as already seen (by id).", ["stage"], namespace=ns, registry=r)
        self.normalized = Counter("normalized", "Valid stories stamped and forwarded.", namespace=ns, registry=r)
        self.sentences_scored = Counter("sentences_scored", "Sentences scored by the model.", namespace=ns, registry=r)
        self.scored = Counter("scored", "ScoredNews records written (story x ticker).", namespace=ns, registry=r)
        self.signals = Counter("signals", "TickerSignal records emitted.", namespace=ns, registry=r)
        self.alerts = Counter("alerts", "Alerts emitted, by severity.", ["severity"], namespace=ns, registry=r)
        self.inference_batch_seconds = Histogram(
            "inference_batch_seconds", "Model time per inference batch.", namespace=ns, registry=r, buckets=_LATENCY_BUCKETS
        )
        self.inference_batch_size = Histogram(
            "inference_batch_size", "Sentences per inference batch.", namespace=ns, registry=r, buckets=_BATCH_SIZE_BUCKETS
        )
        self.latency_seconds = Histogram(
            "latency_seconds",
            "Processing latency, story received -> signal emitted.",
            namespace=ns,
            registry=r,
            buckets=_LATENCY_BUCKETS,
        )
        self.feed_delay_seconds = Histogram(
            "feed_delay_seconds",
            "Feed delay, published_at -> received by the worker.",
            namespace=ns,
            registry=r,
            buckets=_FEED_DELAY_BUCKETS,
        )
        self.consumer_lag = Gauge(
            "consumer_lag", "Messages behind the end of each source partition.", ["topic", "partition"], namespace=ns, registry=r
        )
        self.model_info = Info("model", "Model, execution provider and precision in use.", namespace=ns, registry=r)
        self.up = Gauge("worker_up", "1 while the worker is running.", namespace=ns, registry=r)
        self.rebalances = Counter("rebalances", "Consumer-group rebalances seen by the worker.", namespace=ns, registry=r)


def serve(metrics: Metrics, port: int, addr: str = "127.0.0.1") -> None:
    """Expose `metrics` over HTTP on `addr:port` (loopback unless told otherwise)."""
    start_http_server(port, addr=addr, registry=metrics.registry)
