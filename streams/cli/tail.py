"""`tickertone tail`: print a topic's messages as JSON lines."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any, TextIO

from kafka import KafkaConsumer

__all__ = ["tail", "iter_messages"]


def iter_messages(
    bootstrap: str,
    topic: str,
    from_beginning: bool = False,
    max_messages: int | None = None,
    timeout: float | None = None,
    consumer_config: dict[str, object] | None = None,
) -> Iterator[bytes]:
    """Yield message values of `topic` (all partitions, no consumer group).

    Stops after `max_messages`, or once `timeout` seconds pass without a new message.
    Reads committed data only, so aborted transactional writes never show.
    """
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        isolation_level="read_committed",
        **(consumer_config or {}),
    )
    try:
        partitions = _wait_for_partitions(consumer, topic, timeout)
        consumer.assign(partitions)
        if from_beginning:
            consumer.seek_to_beginning(*partitions)
        else:
            consumer.seek_to_end(*partitions)
        seen = 0
        last = time.monotonic()
        while max_messages is None or seen < max_messages:
            batch = consumer.poll(timeout_ms=200)
            if not batch:
                if timeout is not None and time.monotonic() - last > timeout:
                    return
                continue
            last = time.monotonic()
            for records in batch.values():
                for record in records:
                    yield record.value
                    seen += 1
                    if max_messages is not None and seen >= max_messages:
                        return
    finally:
        consumer.close()


def _wait_for_partitions(consumer: KafkaConsumer, topic: str, timeout: float | None) -> list[Any]:
    from kafka import TopicPartition

    deadline = time.monotonic() + (timeout if timeout is not None else 30.0)
    while True:
        parts = consumer.partitions_for_topic(topic)
        if parts:
            return [TopicPartition(topic, p) for p in sorted(parts)]
        if time.monotonic() > deadline:
            raise TimeoutError(f"topic {topic!r} does not exist (yet) on the broker")
        time.sleep(0.2)


def tail(
    bootstrap: str,
    topic: str,
    from_beginning: bool = False,
    max_messages: int | None = None,
    timeout: float | None = None,
    out: TextIO = sys.stdout,
    consumer_config: dict[str, object] | None = None,
) -> int:
    """Print each message value on its own line; return how many were printed."""
    count = 0
    for value in iter_messages(bootstrap, topic, from_beginning, max_messages, timeout, consumer_config):
        out.write(value.decode("utf-8", errors="backslashreplace") + "\n")
        out.flush()
        count += 1
    return count
