"""Batched sends on the real broker: every record once, in order per key, on the partition
Kafka's default partitioner gives its key, whatever the batch limit."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from aiokafka import AIOKafkaProducer

from streams.kafka.admin import ensure_topics
from streams.kafka.batches import Outgoing, send_batches
from support.kafka import TopicReader, produce

BATCH_BYTES = 4096


async def _send(bootstrap: str, records: list[Outgoing]) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", max_batch_size=BATCH_BYTES)
    await producer.start()
    try:
        futures = await send_batches(producer, records)
        await producer.flush()
        assert all(future.done() and future.exception() is None for future in futures)
        return len(futures)
    finally:
        await producer.stop()


def test_batches_keep_every_record_its_key_partition_and_its_order(kafka_bootstrap: str, unique_prefix: str) -> None:
    topics = {f"{unique_prefix}-four": 4, f"{unique_prefix}-three": 3}
    for name, partitions in topics.items():
        ensure_topics(kafka_bootstrap, [name], partitions=partitions)
    records: list[Outgoing] = []
    for i in range(3000):
        topic = list(topics)[i % 2]
        key = None if i % 100 == 7 else f"T{i % 37:04d}".encode()
        records.append((topic, key, f"{i:05d}".encode() * (1 + i % 40)))  # 5 B to 200 B
    records.append((list(topics)[0], b"BIG", b"x" * (3 * BATCH_BYTES)))  # alone over the limit

    batches = asyncio.run(_send(kafka_bootstrap, records))

    keys = sorted({key for _, key, _ in records if key is not None})
    for topic, partitions in topics.items():
        # Where kafka-python's producer (not the code under test) puts each key, on a twin topic.
        twin = f"{topic}-twin"
        ensure_topics(kafka_bootstrap, [twin], partitions=partitions)
        twins = produce(kafka_bootstrap, twin, [(k, b"") for k in keys])
        expected = {key: sent.partition for key, sent in zip(keys, twins, strict=True)}
        sent = [(key, value) for name, key, value in records if name == topic]
        with TopicReader(kafka_bootstrap, topic, lambda r: (r.partition, r.key, r.value)) as reader:
            got = reader.read()
        assert sorted((key or b"", value) for _, key, value in got) == sorted((key or b"", value) for key, value in sent)
        per_key: dict[bytes, list[bytes]] = defaultdict(list)
        for partition, key, value in got:
            if key is not None:
                assert partition == expected[key]
                per_key[key].append(value)
        for key, values in per_key.items():
            assert values == [value for k, value in sent if k == key]
    total_partitions = sum(topics.values())
    assert batches > total_partitions  # the 4 KiB limit split partitions' records over several batches
