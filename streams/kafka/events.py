"""What the agents read: batches of Faust events, and where each came from."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import cast

import faust

from streams.stages.ingest import Origin

__all__ = ["event_batches", "origin_of"]


def event_batches(
    stream: faust.StreamT[bytes], max_events: int, within_s: float
) -> AsyncIterator[Sequence[faust.EventT[bytes]]]:
    """Batches of up to `max_events` events, each handed over once full or `within_s` after its
    first event. Faust acks a batch's events when the agent asks for the next batch."""
    # `take_events` is a method of Faust's Stream that its StreamT interface does not declare.
    return cast(faust.Stream[bytes], stream).take_events(max_events, within=within_s)


def origin_of(event: faust.EventT[bytes]) -> Origin:
    """Where `event` was read from."""
    message = event.message
    return Origin(message.topic, message.partition, message.offset, message.key)
