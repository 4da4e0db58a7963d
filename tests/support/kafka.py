"""Kafka helpers for tests: produce with delivery reports, read a topic to its end, and a
consumer group's lag."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError
from kafka.producer.future import RecordMetadata

from streams.kafka.app import MAX_MESSAGE_BYTES
from streams.kafka.lag import partition_lags

__all__ = ["produce", "TopicReader", "LagProbe"]

T = TypeVar("T")


def produce(
    bootstrap: str, topic: str, messages: Iterable[tuple[bytes | None, bytes | None]], rate: float | None = None
) -> list[RecordMetadata]:
    """Send `(key, value)` pairs (value None: a tombstone) at up to `rate` per second, wait for
    every acknowledgement and return each message's partition and offset, in order.

    kafka-python's producer is idempotent by default: its retries across a broker restart never
    write a message twice, so every offset returned here is the only copy of that message.
    """
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, max_request_size=MAX_MESSAGE_BYTES
    )
    started = time.monotonic()
    try:
        futures = []
        for i, (key, value) in enumerate(messages):
            if rate:
                delay = started + i / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            futures.append(producer.send(topic, key=key, value=value))
        producer.flush()
        return [future.get(timeout=120) for future in futures]
    finally:
        producer.close()


def _partitions(consumer: KafkaConsumer, topic: str, timeout: float = 30.0) -> list[TopicPartition]:
    deadline = time.monotonic() + timeout
    while not (parts := consumer.partitions_for_topic(topic)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"topic {topic!r} does not exist on the broker")
        time.sleep(0.2)
        consumer.topics()  # refresh the metadata
    return [TopicPartition(topic, p) for p in sorted(parts)]


class TopicReader(Generic[T]):
    """Reads a whole topic from the beginning and keeps `transform(record)` of each record, in
    offset order per partition. `read()` catches up with the topic's current end; call it again
    to pick up what came since."""

    def __init__(self, bootstrap: str, topic: str, transform: Callable[[ConsumerRecord], T]) -> None:
        self.transform = transform
        self.items: list[T] = []
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False, max_partition_fetch_bytes=MAX_MESSAGE_BYTES
        )
        self._parts = _partitions(self._consumer, topic)
        self._consumer.assign(self._parts)
        self._consumer.seek_to_beginning(*self._parts)

    def read(self, timeout: float = 60.0) -> list[T]:
        """Everything up to the end offsets as of now (all items read so far)."""
        ends = self._consumer.end_offsets(self._parts)
        deadline = time.monotonic() + timeout
        while any(self._consumer.position(tp) < end for tp, end in ends.items()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {self._parts[0].topic} to its end in {timeout} s")
            for records in self._consumer.poll(timeout_ms=200).values():
                self.items.extend(self.transform(record) for record in records)
        return self.items

    def close(self) -> None:
        self._consumer.close()

    def __enter__(self) -> TopicReader[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LagProbe:
    """A consumer group's lag on some topics: end offsets minus committed offsets, a partition
    never committed counting from 0 (what `kafka-consumer-groups.sh --describe` shows)."""

    def __init__(self, bootstrap: str, group: str, topics: Iterable[str]) -> None:
        self.group = group
        self._admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        self._consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self._parts = [tp for topic in topics for tp in _partitions(self._consumer, topic)]

    def lag(self) -> int | None:
        """The total lag, None while the broker cannot tell (its group coordinator still loading)."""
        try:
            committed: dict[Any, Any] = self._admin.list_group_offsets({self.group: self._parts})[self.group]
        except KafkaError as error:
            if error.retriable:
                return None
            raise
        ends = self._consumer.end_offsets(self._parts)
        done = {tp: max(committed[tp].offset, 0) if tp in committed else 0 for tp in ends}  # -1: none yet
        return sum(partition_lags(ends, done).values())

    def close(self) -> None:
        self._admin.close()
        self._consumer.close()

    def __enter__(self) -> LagProbe:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
