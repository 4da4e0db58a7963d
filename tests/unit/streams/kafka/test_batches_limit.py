"""`send_batches` never builds a record batch larger than its topic takes (`batch_bytes`), so a
topic below the producer's batch size (1 MiB) still takes every record that fits it alone."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from aiokafka import AIOKafkaProducer
from aiokafka.producer.message_accumulator import BatchBuilder

from streams.kafka.batches import send_batches
from streams.kafka.limits import RECORD_OVERHEAD, TopicLimits


class FakeProducer:
    """What `send_batches` uses of AIOKafkaProducer; keeps each batch's bytes."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int, int]] = []  # (topic, records, bytes)

    async def partitions_for(self, topic: str) -> set[int]:
        return {0, 1}

    def create_batch(self) -> BatchBuilder:
        return BatchBuilder(1024 * 1024, 0)

    async def send_batch(self, batch: BatchBuilder, topic: str, *, partition: int) -> asyncio.Future[Any]:
        self.sent.append((topic, batch.record_count(), len(batch._build())))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


def test_batches_stay_within_their_topics_limit() -> None:
    limits = TopicLimits({"small": 5_000})
    value = b"v" * 1_000
    records = [("small", f"k{i}".encode(), value) for i in range(40)] + [("big", b"k", value)] * 40
    producer = FakeProducer()

    async def run() -> None:
        await send_batches(cast(AIOKafkaProducer, producer), records, limits.batch_bytes)

    asyncio.run(run())
    small = [(n, size) for topic, n, size in producer.sent if topic == "small"]
    assert sum(n for n, _ in small) == 40 and all(size <= 5_000 for _, size in small)
    assert max(n for n, _ in small) >= 4  # still batched, not one record a request
    big = [n for topic, n, _ in producer.sent if topic == "big"]
    assert big == [40]  # one key, one partition, one batch: no limit but the producer's
    assert limits.fits("small", b"k0", value) and 1_000 + RECORD_OVERHEAD < 5_000
