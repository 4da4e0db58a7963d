"""streams.kafka.lag: consumer lag from end and committed offsets, published without stale series."""

from __future__ import annotations

from types import SimpleNamespace
from typing import NamedTuple

import pytest

from streams.kafka.lag import (
    OffsetsMonitor,
    RebalanceSensor,
    faust_offsets,
    partition_lags,
    set_lag_series,
    update_from_faust,
)
from streams.kafka.lag import TopicPartition as TP
from streams.metrics import Metrics


class FaustTP(NamedTuple):  # the shape of faust.types.TopicPartition / kafka.TopicPartition
    topic: str
    partition: int


RAW0, RAW1, SCORED0 = FaustTP("news.raw", 0), FaustTP("news.raw", 1), FaustTP("news.scored", 0)


@pytest.mark.parametrize(
    ("ends", "committed", "expected"),
    [
        ({RAW0: 100}, {RAW0: 40}, {TP("news.raw", 0): 60}),
        ({RAW0: 100}, {RAW0: 100}, {TP("news.raw", 0): 0}),  # caught up
        ({RAW0: 100}, {RAW0: 120}, {TP("news.raw", 0): 0}),  # stale end offset: never negative
        ({RAW0: None}, {RAW0: 5}, {}),  # end unknown (not fetched yet): no value
        ({RAW0: 100}, {}, {}),  # nothing committed yet: no value, not a made-up 0
        ({RAW0: 100}, {RAW0: None}, {}),
        ({RAW0: 10, SCORED0: 7}, {RAW0: 3, SCORED0: 0, RAW1: 1}, {TP("news.raw", 0): 7, TP("news.scored", 0): 7}),
    ],
)
def test_partition_lags(ends: dict, committed: dict, expected: dict) -> None:
    assert partition_lags(ends, committed) == expected


def _lag(m: Metrics, topic: str, partition: int) -> float | None:
    return m.registry.get_sample_value("tickertone_consumer_lag", {"topic": topic, "partition": str(partition)})


def test_publish_sets_gauges_and_drops_revoked_partitions() -> None:
    m = Metrics()
    seen = set_lag_series(m, {TP("news.raw", 0): 5, TP("news.raw", 1): 9})
    assert _lag(m, "news.raw", 0) == 5 and _lag(m, "news.raw", 1) == 9
    # After a rebalance this worker only owns partition 1: partition 0's series goes away.
    seen = set_lag_series(m, {TP("news.raw", 1): 2}, seen)
    assert _lag(m, "news.raw", 0) is None and _lag(m, "news.raw", 1) == 2
    assert seen == {TP("news.raw", 1)}
    set_lag_series(m, {}, seen | {TP("never", 3)})  # removing a never-published series is harmless
    assert _lag(m, "news.raw", 1) is None


class FakeConsumer:
    def __init__(self, ends: dict) -> None:
        self.ends = ends

    def assignment(self) -> set:
        return set(self.ends)

    def highwater(self, tp: FaustTP) -> int | None:
        value = self.ends[tp]
        if isinstance(value, Exception):
            raise value
        return value


def test_update_from_faust_reads_assignment_highwater_and_monitor_commits() -> None:
    app = SimpleNamespace(
        consumer=FakeConsumer({RAW0: 50, RAW1: KeyError("unknown"), SCORED0: None}),
        monitor=SimpleNamespace(tp_committed_offsets={RAW0: 20, RAW1: 1, FaustTP("other", 0): 3}),
    )
    ends, committed = faust_offsets(app)
    assert ends == {RAW0: 50, RAW1: None, SCORED0: None}
    assert committed[RAW0] == 20
    m = Metrics()
    seen = update_from_faust(m, app)
    assert seen == {TP("news.raw", 0)}
    assert _lag(m, "news.raw", 0) == 30
    assert _lag(m, "news.raw", 1) is None and _lag(m, "other", 0) is None


def test_rebalance_sensor_counts_rebalances() -> None:
    m = Metrics()
    sensor = RebalanceSensor(m)
    for _ in range(3):
        state = sensor.on_rebalance_start(SimpleNamespace())
        assert "time_start" in state  # Faust's own bookkeeping is kept
    assert m.registry.get_sample_value("tickertone_rebalances_total") == 3


def test_rebalance_sensor_is_called_by_a_faust_app() -> None:
    faust = pytest.importorskip("faust")
    m = Metrics()
    app = faust.App("tickertone-test-sensor", broker="kafka://127.0.0.1:1")  # never connects
    app.sensors.add(RebalanceSensor(m))
    app.on_rebalance_start()  # what Faust's consumer calls when the group starts rebalancing
    assert m.registry.get_sample_value("tickertone_rebalances_total") == 1


def test_offsets_monitor_keeps_commits_and_skips_per_message_statistics() -> None:
    monitor = OffsetsMonitor()
    message = SimpleNamespace(time_in=None)
    monitor.on_message_in(RAW0, 7, message)
    monitor.on_message_out(RAW0, 7, message)
    assert monitor.messages_received_total == 0 and message.time_in is None
    monitor.on_tp_commit({RAW0: 8})
    assert monitor.tp_committed_offsets[RAW0] == 8
    assert faust_offsets(SimpleNamespace(consumer=FakeConsumer({RAW0: 10}), monitor=monitor))[1] == {RAW0: 8}
