"""Every Prometheus metric tickertone exports, in one place.

Names follow prometheus/client_python conventions: fixed `tickertone_` namespace, counters end
in `_total`, base units (`_seconds`), small fixed label sets. The ticker is never a label on a
per-event series; the only place a ticker appears is `tickertone_top_mover_info`, which holds
at most `TOP_MOVERS` series per worker at any time (see `TopMovers`).

Metrics live on a `Metrics` object bound to its own registry, so tests use a fresh one and two
workers in one process do not collide. The exported names are the contract with
deploy/prometheus/alerts.yml and deploy/grafana/dashboards/tickertone.json
(tests/unit/deploy/test_dashboard.py checks the dashboard against them).
"""

from __future__ import annotations

import heapq
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from threading import Thread
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, start_http_server
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector

from schemas.errors import Reason

__all__ = ["HEARTBEAT_S", "LoopHeartbeat", "Metrics", "TopMovers", "TOP_MOVERS", "NAMESPACE", "serve"]

NAMESPACE = "tickertone"
TOP_MOVERS = 10
HEARTBEAT_S = 1.0
"""How often the worker's event loop beats (`LoopHeartbeat.beat`, `streams.kafka.worker.start_heartbeat`)."""

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
# Feeds can deliver minutes to days late (replays, weekend backfills): buckets up to a week.
_FEED_DELAY_BUCKETS = (0.1, 0.5, 1, 5, 30, 60, 300, 3600, 86400, 7 * 86400)


class TopMovers(Collector):
    """The `TOP_MOVERS` tickers with the largest |fast score| this worker has seen, as two
    bounded series families:

    - `tickertone_top_mover_score{rank="1".."10"}`: the fast score at that rank;
    - `tickertone_top_mover_info{rank, ticker}` (value 1): which ticker holds that rank.

    Join them in PromQL on `rank` (and `instance` when several workers run):
    `tickertone_top_mover_score * on(instance, rank) group_left(ticker) tickertone_top_mover_info`.

    `observe()` is O(1); the ranking is computed at scrape time. The per-ticker map is an LRU
    bounded by `max_tickers`, so memory stays bounded however many tickers the feed carries.
    The map is a view for metrics only, not state: it is lost on restart and refills as signals
    flow. Thread-safe (scrapes run on the HTTP server's threads).
    """

    def __init__(self, size: int = TOP_MOVERS, max_tickers: int = 10_000) -> None:
        if size < 1 or max_tickers < size:
            raise ValueError(f"need 1 <= size <= max_tickers, got size={size} max_tickers={max_tickers}")
        self.size = size
        self.max_tickers = max_tickers
        self._scores: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def observe(self, ticker: str, score: float) -> None:
        """Record the latest fast score of `ticker` (replaces its previous one)."""
        with self._lock:
            self._scores[ticker] = float(score)
            self._scores.move_to_end(ticker)
            while len(self._scores) > self.max_tickers:
                self._scores.popitem(last=False)

    def ranked(self) -> list[tuple[str, float]]:
        """The current top movers, largest |score| first; ties broken by ticker for stable output."""
        with self._lock:
            items = list(self._scores.items())
        return heapq.nsmallest(self.size, items, key=lambda kv: (-abs(kv[1]), kv[0]))

    def collect(self) -> Iterable[Metric]:
        score = GaugeMetricFamily(
            f"{NAMESPACE}_top_mover_score",
            "Fast score of the ticker at each top-mover rank (by |score|).",
            labels=["rank"],
        )
        info = InfoMetricFamily(
            f"{NAMESPACE}_top_mover", "Ticker holding each top-mover rank.", labels=["rank"]
        )
        for rank, (ticker, value) in enumerate(self.ranked(), start=1):
            score.add_metric([str(rank)], value)
            info.add_metric([str(rank)], {"ticker": ticker})
        yield score
        yield info

    def describe(self) -> Iterator[Metric]:
        # Describing lets the registry detect name clashes at registration time.
        yield GaugeMetricFamily(f"{NAMESPACE}_top_mover_score", "", labels=["rank"])
        yield InfoMetricFamily(f"{NAMESPACE}_top_mover", "", labels=["rank"])


class LoopHeartbeat(Collector):
    """`tickertone_event_loop_lag_seconds`: how late the worker's event loop is, computed when
    scraped (on the metrics server's thread, not the loop): the time since the loop last beat,
    less the beat interval, at least 0. A loop that is blocked or hung, or a worker whose agents
    never got going, shows a growing value even though `/metrics` still answers; the container
    health check (`tickertone health`) fails on it. Until the first beat the lag counts from
    when the metrics were created (the worker's start).

    `beat()` is called by the loop every `interval` seconds
    (`streams.kafka.worker.start_heartbeat`); `clock` is `time.monotonic` (tests pass their own).
    """

    def __init__(self, interval: float = HEARTBEAT_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self._clock = clock
        self._last = clock()

    def beat(self) -> None:
        """Record that the event loop ran now."""
        self._last = self._clock()

    def lag(self) -> float:
        """Seconds the loop's next beat is overdue (0 while it beats on time)."""
        return max(0.0, self._clock() - self._last - self.interval)

    def collect(self) -> Iterable[Metric]:
        gauge = GaugeMetricFamily(
            f"{NAMESPACE}_event_loop_lag_seconds",
            "How late the worker's event loop is: time since its last heartbeat beyond the beat interval.",
        )
        gauge.add_metric([], self.lag())
        yield gauge

    def describe(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(f"{NAMESPACE}_event_loop_lag_seconds", "")


class Metrics:
    """The worker's metrics, registered on `registry` (a fresh one when not given).

    Where each is updated (the agents own the calls):
    - ingest: `received`, `invalid.labels(reason)`, `duplicates.labels(stage)`, `normalized`,
      `feed_delay_seconds`;
    - score: `sentences_scored`, `inference_batch_seconds`, `inference_batch_size`; novelty: `scored`,
      `duplicates.labels(stage)`;
    - state: `signals`, `alerts.labels(severity, event_type)`, `latency_seconds`, `top_movers.observe`;
    - worker: `up`, `set_model()`, `rebalances`, `consumer_lag` (see `streams.kafka.lag`),
      `heartbeat.beat()` (the event-loop lag, see `LoopHeartbeat`).
    """

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        *,
        alert_severities: Iterable[str] = (),
        alert_event_types: Iterable[str] = ("other",),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`alert_severities` x `alert_event_types`: the alert label pairs to create at 0 up front
        (the worker passes every `Severity` and `EventType`), so `rate()` sees an alert's first
        increment. `clock`: the heartbeat's monotonic clock (tests pass their own)."""
        self.registry = registry or CollectorRegistry()
        ns = NAMESPACE
        r = self.registry
        self.received = Counter("received", "Raw stories received.", namespace=ns, registry=r)
        self.invalid = Counter(
            "invalid", "Raw messages sent to the dead-letter topic, by reason.", ["reason"], namespace=ns, registry=r
        )
        # Every reason exists from the start at 0, so rate() and the dashboard see it before the
        # first bad message (a series that appears at 1 hides its first increment from rate()).
        for reason in Reason:
            self.invalid.labels(reason.value)
        self.duplicates = Counter("duplicates", "Stories dropped as already seen (by id).", ["stage"], namespace=ns, registry=r)
        self.normalized = Counter("normalized", "Valid stories stamped and forwarded.", namespace=ns, registry=r)
        self.sentences_scored = Counter("sentences_scored", "Sentences scored by the model.", namespace=ns, registry=r)
        self.scored = Counter("scored", "ScoredNews records written (story x ticker).", namespace=ns, registry=r)
        self.signals = Counter("signals", "TickerSignal records emitted.", namespace=ns, registry=r)
        self.alerts = Counter(
            "alerts", "Alerts emitted, by severity and the alerting story's event type.", ["severity", "event_type"],
            namespace=ns, registry=r,
        )
        event_types = tuple(alert_event_types)
        for severity in alert_severities:
            for event_type in event_types:
                self.alerts.labels(str(severity), str(event_type))
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
        self.top_movers = TopMovers()
        r.register(self.top_movers)
        self.heartbeat = LoopHeartbeat(clock=clock)
        r.register(self.heartbeat)

    def set_model(self, model: str, provider: str, precision: str) -> None:
        """Publish `tickertone_model_info{model, provider, precision} 1` (replaces the previous)."""
        self.model_info.info({"model": model, "provider": provider, "precision": precision})


def serve(metrics: Metrics, port: int, addr: str = "127.0.0.1") -> tuple[WSGIServer, Thread]:
    """Expose `metrics` over HTTP on `addr:port` (loopback unless told otherwise).

    Returns the server and its daemon thread; `server.shutdown()` stops it. Port 0 picks a free
    port (`server.server_port`).
    """
    return start_http_server(port, addr=addr, registry=metrics.registry)
