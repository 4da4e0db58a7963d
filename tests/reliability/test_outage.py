"""Outage: the broker stops mid-stream while a feed keeps sending good and bad stories to a
full-pipeline worker. The same worker process, untouched, carries on once the broker is back:
every story ends up in the final state exactly once and every bad one in the dead letters."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from schemas import TickerSignal, decode
from streams.broker import EmbeddedBroker
from support.kafka import TopicReader, produce
from support.pipeline import STATE_MEMORY, Mix
from support.sizes import ci_and_long
from support.worker import WorkerProcess


@dataclass(frozen=True)
class Outage:
    good: int
    bad: int
    rate: float  # messages per second from the feed, which keeps sending through the outage
    down_after_s: float
    down_s: float


@ci_and_long(
    Outage(good=600, bad=100, rate=40.0, down_after_s=5.0, down_s=10.0),
    Outage(good=3_000, bad=300, rate=40.0, down_after_s=20.0, down_s=30.0),
    ci_timeout_s=600,
    long_timeout_s=1800,
)
def test_worker_rides_out_a_broker_outage_without_loss(
    size: Outage, own_broker: EmbeddedBroker, unique_prefix: str, tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    mix = Mix(size.good, size.bad, seed=23)
    bootstrap = own_broker.bootstrap
    worker = WorkerProcess(bootstrap, unique_prefix, tmp_path, stages="ingest,score,state", **STATE_MEMORY)
    with worker, ThreadPoolExecutor(1) as feed:
        pid = worker.wait_ready(timeout=120).pid()
        sending = feed.submit(produce, bootstrap, worker.topic("raw"), mix.messages, size.rate)
        time.sleep(size.down_after_s)
        own_broker.stop()
        time.sleep(size.down_s)
        own_broker.start()
        back = datetime.now(UTC)
        mix.record(sending.result())
        repeats = mix.verify(worker, timeout=120 + size.good / 10)
        assert worker.pid() == pid and not worker.agent_crashes(), worker.agent_crashes()[:3] or worker.log_tail()
        assert not worker.skipped_offsets(), worker.skipped_offsets()[:3]
        with TopicReader(bootstrap, worker.topic("signals"), lambda r: decode(TickerSignal, r.value)) as reader:
            resumed = min(signal.emitted_at for signal in reader.read() if signal.emitted_at > back)

    record_property("stories", size.good)
    record_property("bad_messages", len(mix.bad_at))
    record_property("broker_down_s", size.down_s)
    record_property("first_signal_after_restart_s", round((resumed - back).total_seconds(), 1))
    for name, count in repeats.items():
        record_property(name, count)
