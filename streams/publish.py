"""Agents' outputs to Kafka: one record batch per partition, outputs before table writes, and an
exit, not a loss, when Kafka refuses a record.

The state and dedupe agents send through aiokafka's producer (the one Faust owns) rather than
Faust's `topic.send`, which wraps every message in futures and a buffer. They hand it one
`BatchBuilder` per topic partition (`send_batch`) instead of one `send` per record: aiokafka's
`send` costs a future, an accumulator append and a `RecordMetadata` per record, ~19% of the
state worker's loop (BENCHMARKS.md). Keyed records go to the partition Kafka's default
partitioner picks (murmur2 of the key, as Java and aiokafka do); unkeyed ones to a random one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from aiokafka.partitioner import murmur2
from faust.types import ProducerT

__all__ = ["EXIT_UNDELIVERED", "Record", "key_partition", "publish_then_record", "send_batches"]

log = logging.getLogger(__name__)

Record = tuple[str, bytes | None, bytes]  # topic, key, value

# EX_TEMPFAIL (sysexits.h): the batch is intact in Kafka; a restart redoes it.
EXIT_UNDELIVERED = 75


def key_partition(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner gives `key` among `partitions`."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


async def send_batches(producer: AIOKafkaProducer, records: Iterable[Record]) -> list[asyncio.Future[Any]]:
    """Queue `records` on `producer` as one batch per topic partition, in order within each, and
    return the batches' futures (a batch over the producer's `max_batch_size` is split)."""
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
        batch = producer.create_batch()
        for key, value in items:
            if batch.append(key=key, value=value, timestamp=None) is None:  # full: a batch takes its first record whatever its size
                futures.append(await producer.send_batch(batch, topic, partition=partition))
                batch = producer.create_batch()
                batch.append(key=key, value=value, timestamp=None)
        futures.append(await producer.send_batch(batch, topic, partition=partition))
    return futures


async def publish_then_record(
    producer: ProducerT, outputs: Iterable[Record], record: Callable[[], Iterable[Record] | None]
) -> None:
    """Send `outputs`, wait until Kafka has them, then run `record` (the table writes), send the
    changelog records it returns, if any, and wait until Kafka has those too.

    Why this order: with at-least-once delivery a worker killed mid-batch reprocesses the batch.
    Had the table write reached the changelog before the outputs reached their topic, the
    reprocessed stories would look already seen and be lost. Outputs first can only repeat a
    batch (same ids, which the next stage drops), never lose one; the second flush keeps that
    repeat window to the instant between the two flushes. A record Kafka did not take ends the
    process (`_exit_unless_delivered`).

    `producer` is Faust's: its flush also drains the changelog records that Faust itself sends
    for a table written the usual way (the dedupe agent's).
    """
    aiokafka_producer = producer._ensure_producer()  # Faust has no public handle on it
    try:
        sent = await send_batches(aiokafka_producer, outputs)
        await producer.flush()
        _exit_unless_delivered(sent)
        sent = await send_batches(aiokafka_producer, record() or ())
        await producer.flush()
    except KafkaError as error:  # refused before it was queued (e.g. no metadata for a topic in time)
        _exit_undelivered(1, error)
    _exit_unless_delivered(sent)


def _exit_unless_delivered(sent: list[asyncio.Future[Any]]) -> None:
    """Exit the process at once if Kafka did not take every batch of `sent` (after a flush).

    aiokafka's flush does not raise: a batch it gives up on (a non-retriable error, or
    `producer_request_timeout` of retries) only fails its future. Going on would record the
    batch and let its offsets be committed, losing its stories; raising would not help, since
    Faust acks a `take_events` batch even when the agent fails. Exiting without a shutdown is
    what a SIGKILL does, which the recovery tests show loses nothing: the restarted worker (a
    supervisor's job, as after any crash) redoes the batch from the last commit.
    """
    failed = [future for future in sent if not future.done() or future.exception() is not None]
    if failed:
        _exit_undelivered(len(failed), failed[0].exception() if failed[0].done() else "not sent")


def _exit_undelivered(count: int, error: object) -> NoReturn:
    log.critical(
        "Kafka did not take %d record batch(es) of an agent's batch (%s); exiting with %d without "
        "recording it or committing its offsets: restarted, the worker redoes the batch",
        count, error, EXIT_UNDELIVERED,
    )
    logging.shutdown()
    os._exit(EXIT_UNDELIVERED)
