"""The commit protocol of a stateful batch: nothing is recorded before its outputs are in Kafka.

`publish_then_record(producer, outputs, record)` runs, in this order:

1. Send `outputs` (signals, alerts, normalized stories, dead letters) as record batches
   (`streams.kafka.batches`).
2. Flush and check every batch's future: if Kafka refused any record (a non-retriable error,
   or `producer_request_timeout` of retries), exit the process with `EXIT_UNDELIVERED` (75).
3. Run `record()`: the table writes, which return their changelog records.
4. Send the changelog records, flush, and check them as in step 2.
5. Return. Faust acks the batch's events; their offsets are committed on its next commit.

Why this order: at-least-once delivery reprocesses a batch whose offsets were not committed.
Had a table write reached its changelog before the outputs reached their topic, the redone
stories would look already seen and be lost; outputs first can only repeat a batch (same ids,
which the next stage drops), never lose one. Why exit rather than raise: aiokafka's flush does
not raise for a refused batch, and Faust acks a `take_events` batch even when the agent raises,
so going on or raising would commit the batch's offsets without its outputs. Exiting without a
shutdown is what a SIGKILL does, which the recovery tests show loses nothing: the restarted
worker (a supervisor's job) redoes the batch from the last commit.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from aiokafka.errors import KafkaError
from faust.types import ProducerT

from streams.kafka.batches import Outgoing, send_batches
from streams.kafka.compat.producer import aiokafka_producer

__all__ = ["EXIT_UNDELIVERED", "publish_then_record"]

log = logging.getLogger(__name__)

EXIT_UNDELIVERED = 75
"""EX_TEMPFAIL (sysexits.h): the batch is intact in Kafka; a restart redoes it."""


async def publish_then_record(
    producer: ProducerT, outputs: Iterable[Outgoing], record: Callable[[], Iterable[Outgoing] | None]
) -> None:
    """Steps 1-5 of the module docstring. `producer` is Faust's: its flush also drains the
    changelog records Faust sends itself for a table written the usual way (the dedupe table)."""
    sender = aiokafka_producer(producer)
    try:
        sent = await send_batches(sender, outputs)
        await producer.flush()
        _exit_unless_delivered(sent)
        sent = await send_batches(sender, record() or ())
        await producer.flush()
    except KafkaError as error:  # refused before it was queued (e.g. no metadata for a topic in time)
        _exit_undelivered(1, error)
    _exit_unless_delivered(sent)


def _exit_unless_delivered(sent: list[asyncio.Future[Any]]) -> None:
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
