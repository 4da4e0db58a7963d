"""Consumer-group metrics: lag per topic-partition (`tickertone_consumer_lag{topic, partition}`)
and rebalances (`tickertone_rebalances_total`, via `RebalanceSensor`).

Lag is what `kafka-consumer-groups.sh --describe` calls LAG: the partition's end offset
(high watermark; the last stable offset under exactly-once) minus the group's committed offset
(Kafka's "next offset to read"). A partition whose end or committed offset is not known yet
(no fetch or no commit since it was assigned) has no lag value and no series, rather than a
made-up 0.

In the worker, `update_from_faust(metrics, app)` reads Faust's own view (no extra broker
round-trip); call it from a periodic timer, e.g. `@app.timer(5.0)`. Register
`RebalanceSensor(metrics)` with `app.sensors.add(...)` to count rebalances. `OffsetsMonitor`
is the worker's Faust monitor (`faust.App(..., Monitor=OffsetsMonitor)`): the offsets that lag
reads, without the per-message statistics that only Faust's web view shows.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, NamedTuple

from faust import Sensor
from faust.sensors import Monitor

from streams.metrics import Metrics

__all__ = [
    "OffsetsMonitor",
    "RebalanceSensor",
    "TopicPartition",
    "faust_offsets",
    "partition_lags",
    "set_lag_series",
    "update_from_faust",
]

log = logging.getLogger(__name__)


class TopicPartition(NamedTuple):
    """A topic-partition (Faust's and kafka-python's TopicPartition types are NamedTuples of this shape)."""

    topic: str
    partition: int


def partition_lags(
    end_offsets: Mapping[Any, int | None], committed: Mapping[Any, int | None]
) -> dict[TopicPartition, int]:
    """Lag for each partition present in `end_offsets` whose end and committed offsets are known.

    Both mappings are keyed by topic-partition (anything with `.topic` and `.partition`).
    A committed offset past the end (possible for a moment after a truncation or while the
    end offset is stale) gives 0, never a negative lag.
    """
    lags: dict[TopicPartition, int] = {}
    for tp, end in end_offsets.items():
        done = committed.get(tp)
        if end is None or done is None:
            continue
        lags[TopicPartition(tp.topic, int(tp.partition))] = max(int(end) - int(done), 0)
    return lags


def set_lag_series(
    metrics: Metrics, lags: Mapping[TopicPartition, int], previous: set[TopicPartition] | None = None
) -> set[TopicPartition]:
    """Set `consumer_lag` for `lags` and remove series of partitions in `previous` that are no
    longer present (revoked in a rebalance), so a moved partition is not reported by two
    workers. Returns the set to pass as `previous` next time.
    """
    for tp, lag in lags.items():
        metrics.consumer_lag.labels(tp.topic, str(tp.partition)).set(lag)
    current = set(lags)
    for tp in (previous or set()) - current:
        try:
            metrics.consumer_lag.remove(tp.topic, str(tp.partition))
        except KeyError:  # never published (or already removed)
            pass
    return current


def faust_offsets(app: Any) -> tuple[dict[Any, int | None], dict[Any, int | None]]:
    """(end offsets, committed offsets) of the partitions assigned to this Faust worker.

    End offsets come from `app.consumer.highwater(tp)` (None until the partition was fetched);
    committed offsets from the app's monitor (`app.monitor.tp_committed_offsets`, updated on
    every commit, the same data Faust's own web stats show).
    """
    consumer = app.consumer
    ends: dict[Any, int | None] = {}
    for tp in consumer.assignment():
        try:
            ends[tp] = consumer.highwater(tp)
        except Exception:
            ends[tp] = None
    committed = dict(getattr(app.monitor, "tp_committed_offsets", None) or {})
    return ends, committed


def update_from_faust(metrics: Metrics, app: Any, previous: set[TopicPartition] | None = None) -> set[TopicPartition]:
    """Refresh `consumer_lag` from a running Faust app; returns the set for the next call.

    Faust tables' changelog partitions are assigned too; they are reported like any other
    partition (their lag is recovery backlog).
    """
    ends, committed = faust_offsets(app)
    lags = partition_lags(ends, committed)
    log.debug("consumer lag: %s", lags)
    return set_lag_series(metrics, lags, previous)


class RebalanceSensor(Sensor):
    """Counts consumer-group rebalances in `metrics.rebalances` (Faust calls `on_rebalance_start`
    once per rebalance this worker takes part in, including the first assignment)."""

    def __init__(self, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.metrics = metrics

    def on_rebalance_start(self, app: Any) -> dict[str, Any]:
        self.metrics.rebalances.inc()
        state: dict[str, Any] = super().on_rebalance_start(app)
        return state


class OffsetsMonitor(Monitor):
    """Faust's monitor without its per-message, per-event, per-send and per-table-key counters.

    Faust calls those hooks for every record, around every stream event and for every message
    sent: a few microseconds each, for statistics that only Faust's web view (off in the worker)
    shows; the worker reports through Prometheus instead. Offsets, commits and rebalances are
    Faust's as before: `faust_offsets` reads `tp_committed_offsets`.
    """

    def on_message_in(self, tp: Any, offset: int, message: Any) -> None:
        return None

    def on_stream_event_in(self, tp: Any, offset: int, stream: Any, event: Any) -> None:
        return None

    def on_stream_event_out(self, tp: Any, offset: int, stream: Any, event: Any, state: Any = None) -> None:
        return None

    def on_message_out(self, tp: Any, offset: int, message: Any) -> None:
        return None

    def on_send_initiated(self, producer: Any, topic: str, message: Any, keysize: int, valsize: int) -> None:
        return None

    def on_send_completed(self, producer: Any, state: Any, metadata: Any) -> None:
        return None

    def on_table_get(self, table: Any, key: Any) -> None:
        return None

    def on_table_set(self, table: Any, key: Any, value: Any) -> None:
        return None
