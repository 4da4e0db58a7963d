"""Outgoing records as one record batch per topic partition, on the partition Kafka's default
partitioner gives each key (murmur2, as Java and aiokafka do; unkeyed: a random partition).

aiokafka's per-record `send` costs a future, an accumulator append and a `RecordMetadata` per
record; `send_batch` with one `BatchBuilder` per partition costs one of each per partition.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterable
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import murmur2

__all__ = ["Outgoing", "key_partition", "send_batches"]

Outgoing = tuple[str, bytes | None, bytes]
"""One record to send: (topic, key, value)."""


RECORD_FRAMING = 32
"""The most bytes a v2 record adds to its key and value (varint length, attributes, timestamp
and offset deltas, key and value lengths, header count)."""


def key_partition(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner gives `key` among `partitions`."""
    return (int(murmur2(key)) & 0x7FFFFFFF) % partitions


async def send_batches(
    producer: AIOKafkaProducer, records: Iterable[Outgoing], batch_bytes: Callable[[str], int] | None = None
) -> list[asyncio.Future[Any]]:
    """Queue `records` on `producer` as one batch per topic partition, in order within each, and
    return the batches' futures. A batch over the producer's `max_batch_size` is split, and so is
    one that would grow past `batch_bytes(topic)` (the topic's `max.message.bytes`,
    `streams.kafka.limits.TopicLimits.batch_bytes`; None: no limit but the producer's)."""
    partitions: dict[str, list[int]] = {}
    by_partition: dict[tuple[str, int], list[tuple[bytes | None, bytes]]] = {}
    for topic, key, value in records:
        known = partitions.get(topic)
        if known is None:
            known = partitions[topic] = sorted(await producer.partitions_for(topic))
        partition = known[key_partition(key, len(known))] if key is not None else random.choice(known)
        by_partition.setdefault((topic, partition), []).append((key, value))
    futures = []
    for (topic, partition), items in by_partition.items():
        limit = batch_bytes(topic) if batch_bytes is not None else None
        batch = producer.create_batch()
        for key, value in items:
            # A full batch refuses the record (None); an empty batch takes any record whatever its size.
            over = (
                limit is not None and batch.record_count() > 0
                and batch.size() + len(key or b"") + len(value) + RECORD_FRAMING > limit
            )
            if over:
                futures.append(await producer.send_batch(batch, topic, partition=partition))
                batch = producer.create_batch()
            if batch.append(key=key, value=value, timestamp=None) is None:
                futures.append(await producer.send_batch(batch, topic, partition=partition))
                batch = producer.create_batch()
                batch.append(key=key, value=value, timestamp=None)
        futures.append(await producer.send_batch(batch, topic, partition=partition))
    return futures
