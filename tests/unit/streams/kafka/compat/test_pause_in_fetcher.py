"""A partition Faust pauses is paused in aiokafka's fetcher too (RewindingConsumer, invariant 5):
otherwise aiokafka fetches a paused table changelog, and the record nobody reads blocks every
fetch to its broker for the prefetch backoff. Checked on a real aiokafka consumer's assignment
(no broker needed), with the call made on the loop that stands for the consumer thread's."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from aiokafka import AIOKafkaConsumer
from aiokafka.structs import TopicPartition
from faust.types import TP

from streams.kafka.compat.consumer import RewindingConsumer

CHANGELOG = "app-ticker-state-v3-changelog"


def test_pause_and_resume_reach_the_fetcher_for_assigned_partitions_only() -> None:
    async def scenario() -> tuple[set[TopicPartition], set[TopicPartition], set[TopicPartition]]:
        consumer = AIOKafkaConsumer(bootstrap_servers="127.0.0.1:1")
        consumer.assign([TopicPartition(CHANGELOG, 0), TopicPartition(CHANGELOG, 1), TopicPartition("news.raw", 0)])
        stand_in = SimpleNamespace(_thread=SimpleNamespace(_consumer=consumer, thread_loop=asyncio.get_running_loop()))
        try:
            RewindingConsumer._in_fetcher(stand_in, "pause", {TP(CHANGELOG, 0), TP(CHANGELOG, 1), TP("not-assigned", 0)})
            queued = set(consumer.paused())  # applied on the consumer thread's loop, not inline
            await asyncio.sleep(0)
            paused = set(consumer.paused())
            RewindingConsumer._in_fetcher(stand_in, "resume", {TP(CHANGELOG, 1)})
            await asyncio.sleep(0)
            return queued, paused, set(consumer.paused())
        finally:
            await consumer.stop()

    queued, paused, after_resume = asyncio.run(scenario())
    assert queued == set()
    assert paused == {TopicPartition(CHANGELOG, 0), TopicPartition(CHANGELOG, 1)}
    assert after_resume == {TopicPartition(CHANGELOG, 0)}


def test_before_the_consumer_starts_nothing_is_called() -> None:
    stand_in = SimpleNamespace(_thread=SimpleNamespace(_consumer=None, thread_loop=None))
    RewindingConsumer._in_fetcher(stand_in, "pause", {TP(CHANGELOG, 0)})  # no loop to call: returns
