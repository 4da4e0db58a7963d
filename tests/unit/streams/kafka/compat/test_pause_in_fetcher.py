"""A partition Faust pauses is paused in aiokafka's fetcher too (RewindingConsumer, invariant 5):
otherwise aiokafka fetches a paused table changelog, and the record nobody reads blocks every
fetch to its broker for the prefetch backoff. Checked on a real aiokafka consumer's assignment
(no broker needed), with the call made on the loop that stands for the consumer thread's."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition
from faust.transport import consumer as faust_consumer
from faust.types import TP

from streams.kafka.compat.consumer import RewindingConsumer

CHANGELOG = "app-ticker-state-v3-changelog"
ASSIGNED = [TopicPartition(CHANGELOG, 0), TopicPartition(CHANGELOG, 1), TopicPartition("news.raw", 0)]


def _stand_in(consumer: AIOKafkaConsumer | None, loop: asyncio.AbstractEventLoop | None) -> Any:
    """A RewindingConsumer whose consumer thread holds `consumer` and runs `loop`."""
    rewinding = object.__new__(RewindingConsumer)
    rewinding._thread = SimpleNamespace(_consumer=consumer, thread_loop=loop)  # type: ignore[assignment]
    return rewinding


def test_pause_and_resume_reach_the_fetcher_for_assigned_partitions_only() -> None:
    async def scenario() -> tuple[set[TopicPartition], set[TopicPartition], set[TopicPartition]]:
        consumer = AIOKafkaConsumer(bootstrap_servers="127.0.0.1:1")
        consumer.assign(ASSIGNED)
        rewinding = _stand_in(consumer, asyncio.get_running_loop())
        try:
            rewinding._in_fetcher("pause", {TP(CHANGELOG, 0), TP(CHANGELOG, 1), TP("not-assigned", 0)})
            queued = set(consumer.paused())  # applied on the consumer thread's loop, not inline
            await asyncio.sleep(0)
            paused = set(consumer.paused())
            rewinding._in_fetcher("resume", {TP(CHANGELOG, 1)})
            await asyncio.sleep(0)
            return queued, paused, set(consumer.paused())
        finally:
            await consumer.stop()

    queued, paused, after_resume = asyncio.run(scenario())
    assert queued == set()
    assert paused == {TopicPartition(CHANGELOG, 0), TopicPartition(CHANGELOG, 1)}
    assert after_resume == {TopicPartition(CHANGELOG, 0)}


def test_faust_bookkeeping_and_the_fetcher_both_see_the_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    faust_calls: list[tuple[str, set[TP]]] = []
    monkeypatch.setattr(faust_consumer.Consumer, "pause_partitions", lambda self, tps: faust_calls.append(("pause", set(tps))))
    monkeypatch.setattr(faust_consumer.Consumer, "resume_partitions", lambda self, tps: faust_calls.append(("resume", set(tps))))

    async def scenario() -> tuple[set[TopicPartition], set[TopicPartition]]:
        consumer = AIOKafkaConsumer(bootstrap_servers="127.0.0.1:1")
        consumer.assign(ASSIGNED)
        rewinding = _stand_in(consumer, asyncio.get_running_loop())
        try:
            rewinding.pause_partitions(iter([TP(CHANGELOG, 0), TP("news.raw", 0)]))  # any iterable, read once
            await asyncio.sleep(0)
            paused = set(consumer.paused())
            rewinding.resume_partitions([TP("news.raw", 0)])
            await asyncio.sleep(0)
            return paused, set(consumer.paused())
        finally:
            await consumer.stop()

    paused, after_resume = asyncio.run(scenario())
    assert faust_calls == [("pause", {TP(CHANGELOG, 0), TP("news.raw", 0)}), ("resume", {TP("news.raw", 0)})]
    assert paused == {TopicPartition(CHANGELOG, 0), TopicPartition("news.raw", 0)}
    assert after_resume == {TopicPartition(CHANGELOG, 0)}


def test_a_thread_not_started_or_ended_is_left_alone() -> None:
    """Faust pauses everything on its way down, also after the consumer thread's loop closed."""

    async def scenario() -> set[TopicPartition]:
        closed = asyncio.new_event_loop()
        closed.close()
        consumer = AIOKafkaConsumer(bootstrap_servers="127.0.0.1:1")
        consumer.assign(ASSIGNED)
        try:
            _stand_in(None, None)._in_fetcher("pause", {TP(CHANGELOG, 0)})
            _stand_in(consumer, closed)._in_fetcher("pause", {TP(CHANGELOG, 0)})  # would raise "Event loop is closed"
            await asyncio.sleep(0)
            return set(consumer.paused())
        finally:
            await consumer.stop()

    assert asyncio.run(scenario()) == set()
