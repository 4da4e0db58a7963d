"""Records on internal topics that a stage cannot use (a foreign writer, a bug upstream): they
are decoded apart from the rest, counted, and dead-lettered with their origin; they never stop
an agent. Every dead letter is cut to fit the dead-letter topic (`letter_budget`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

import faust

from schemas import decode, dumps
from schemas.codec import JsonRecord
from schemas.errors import InvalidMessage
from streams.kafka.batches import Outgoing
from streams.kafka.events import origin_of
from streams.kafka.limits import TopicLimits
from streams.metrics import Metrics
from streams.stages.ingest import dead_letter

__all__ = ["dead_letters", "decode_all", "letter_budget"]

log = logging.getLogger(__name__)

R = TypeVar("R", bound=JsonRecord)


def decode_all(
    cls: type[R], events: Sequence[faust.EventT[bytes]]
) -> tuple[list[R], list[tuple[faust.EventT[bytes], InvalidMessage]]]:
    """Decode every event's value as `cls`; the ones that fail come back with their error."""
    records: list[R] = []
    rejected: list[tuple[faust.EventT[bytes], InvalidMessage]] = []
    for event in events:
        try:
            records.append(decode(cls, event.value))
        except InvalidMessage as error:
            rejected.append((event, error))
    return records, rejected


def letter_budget(limits: TopicLimits, topic: str, key: bytes | None) -> tuple[bytes | None, int]:
    """The Kafka key of a dead letter for a record keyed `key` on `topic`, and the most bytes its
    JSON may then take. The letter is keyed like its record, unless that key would take more than
    a quarter of what the topic allows (the letter carries the key anyway, cut if need be)."""
    room = limits.record_bytes(topic)
    if key is not None and len(key) > room // 4:
        key = None
    return key, room - len(key or b"")


def dead_letters(
    topic: str,
    rejected: list[tuple[faust.EventT[bytes], InvalidMessage]],
    now: datetime,
    metrics: Metrics,
    limits: TopicLimits | None = None,
) -> list[Outgoing]:
    """The dead letters for `rejected`, to publish on `topic`, each cut to fit it; each is logged
    and counted."""
    letters: list[Outgoing] = []
    for event, error in rejected:
        origin = origin_of(event)
        log.warning("dead-lettering %s[%d]@%d: %s", origin.topic, origin.partition, origin.offset, error)
        metrics.invalid.labels(error.reason.value).inc()
        key, room = letter_budget(limits or TopicLimits(), topic, origin.key)
        letters.append((topic, key, dumps(dead_letter(error, event.value, origin, now, room))))
    return letters
