"""The commit protocol of every agent's batch: nothing is recorded before its outputs are in Kafka.

`publish_then_record(producer, outputs, record, limits)` runs, in this order:

1. Send `outputs` (valid and normalized stories, tagged and scored records, signals, alerts,
   dead letters) as record batches (`streams.kafka.batches`), none larger than its topic's
   `max.message.bytes` (`limits`, read from the broker at start: `streams.kafka.limits`).
2. Flush and check every batch's future: if Kafka refused any record (a non-retriable error,
   or `producer_request_timeout` of retries), exit the process with `EXIT_UNDELIVERED` (75).
3. Run `record()`: the table writes, which return their changelog records (stateless stages,
   ingest and score, record nothing).
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

`exits_on_error` wraps every agent (and the dedupe purge timer): an exception nobody handled (a
bug, a CUDA out-of-memory, a RocksDB disk error, a table value that does not decode) ends the
process with the same code, for the same reason: Faust would log it, ack the batch, and restart
the agent past it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, NoReturn, ParamSpec

from aiokafka.errors import KafkaError
from faust.types import ProducerT

from streams.kafka.batches import Outgoing, send_batches
from streams.kafka.compat.producer import aiokafka_producer
from streams.kafka.limits import TopicLimits

__all__ = ["EXIT_UNDELIVERED", "exits_on_error", "publish_then_record"]

P = ParamSpec("P")

log = logging.getLogger(__name__)

EXIT_UNDELIVERED = 75
"""EX_TEMPFAIL (sysexits.h): the batch is intact in Kafka; a restart redoes it."""


async def publish_then_record(
    producer: ProducerT,
    outputs: Iterable[Outgoing],
    record: Callable[[], Iterable[Outgoing] | None] | None = None,
    limits: TopicLimits | None = None,
) -> None:
    """Steps 1-5 of the module docstring. `producer` is Faust's: its flush also drains the
    changelog records Faust sends itself for a table written the usual way (the dedupe table).
    `record` None: nothing to record (a stateless stage). `limits` None: no topic limit but the
    producer's."""
    sender = aiokafka_producer(producer)
    batch_bytes = limits.batch_bytes if limits is not None else None
    try:
        sent = await send_batches(sender, outputs, batch_bytes)
        await producer.flush()
        _exit_unless_delivered(sent)
        if record is None:
            return
        sent = await send_batches(sender, record() or ())
        await producer.flush()
    except KafkaError as error:  # refused before it was queued (e.g. no metadata for a topic in time)
        _exit_undelivered(1, error)
    _exit_unless_delivered(sent)


def exits_on_error(agent: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
    """`agent` (an agent's or a timer's coroutine function), ending the process with
    `EXIT_UNDELIVERED` on any exception it does not handle itself (module docstring).
    Cancellation (a shutdown) is not an `Exception` and goes through."""

    @functools.wraps(agent)
    async def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            await agent(*args, **kwargs)
        except Exception as error:
            log.critical(
                "unexpected error in %s; exiting with %d without recording its batch or committing its "
                "offsets: restarted, the worker redoes the batch",
                getattr(agent, "__qualname__", agent), EXIT_UNDELIVERED, exc_info=error,
            )
            logging.shutdown()
            os._exit(EXIT_UNDELIVERED)

    return run


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
