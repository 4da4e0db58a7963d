"""A topic's records in a time range, found by timestamp (Kafka's ListOffsets by time): what
`tickertone replay --from-topic` re-publishes and what `GET /alerts?since=T` reads.

Times are record timestamps (the producer's create time unless the topic says otherwise):
for tickertone's outputs the moment they were written, for `news.raw` the moment a feed sent
the story.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

__all__ = ["parse_when", "records_between"]

_AGO = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd])$")
_UNIT_S = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_when(text: str, now: datetime | None = None) -> datetime:
    """A time as the command line and the HTTP API take it: RFC 3339 with an offset or `Z`
    (`2026-03-02T14:30:00Z`), a UTC date (`2026-03-02`), epoch seconds (`1772461800`), or a span
    before now (`90s`, `15m`, `2h`, `7d`). ValueError otherwise (a naive date-time included:
    which zone it meant is unknown)."""
    text = text.strip()
    ago = _AGO.match(text)
    if ago:
        return (now or datetime.now(UTC)) - timedelta(seconds=float(ago.group(1)) * _UNIT_S[ago.group(2)])
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return datetime.fromtimestamp(float(text), tz=UTC)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a time: use RFC 3339 (2026-03-02T14:30:00Z), a date, epoch seconds or 2h") from None
    if when.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset: add Z or +HH:MM")
    return when


def records_between(
    bootstrap: str,
    topic: str,
    since: datetime,
    until: datetime | None = None,
    consumer_config: dict[str, Any] | None = None,
    timeout: float = 30.0,
) -> Iterator[ConsumerRecord]:
    """Every record of `topic` with `since <= timestamp < until` (`until` None: up to the end
    offsets as of the call), partition by partition in offset order. No consumer group, nothing
    committed. Each partition starts at the first offset whose timestamp is at or after `since`
    (`offsets_for_times`) and stops at its end offset or the first record at or after `until`."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, isolation_level="read_committed", **(consumer_config or {})
    )
    try:
        parts = _partitions(consumer, topic, timeout)
        since_ms = int(since.timestamp() * 1000)
        until_ms = None if until is None else int(until.timestamp() * 1000)
        starts = consumer.offsets_for_times({tp: since_ms for tp in parts})
        ends = consumer.end_offsets(parts)
        for tp in parts:
            found = starts.get(tp)
            if found is None or found.offset >= ends[tp]:
                continue  # no record at or after `since`
            yield from _read_partition(consumer, tp, found.offset, ends[tp], until_ms, timeout)
    finally:
        consumer.close()


def _read_partition(
    consumer: KafkaConsumer, tp: TopicPartition, start: int, end: int, until_ms: int | None, timeout: float
) -> Iterator[ConsumerRecord]:
    consumer.assign([tp])
    consumer.seek(tp, start)
    deadline = time.monotonic() + timeout
    while consumer.position(tp) < end:
        batch = consumer.poll(timeout_ms=200).get(tp, [])
        if batch:
            deadline = time.monotonic() + timeout
        elif time.monotonic() > deadline:
            raise TimeoutError(f"{tp.topic}[{tp.partition}] stalled before offset {end}")
        for record in batch:
            if record.offset >= end or (until_ms is not None and record.timestamp >= until_ms):
                return
            yield record


def _partitions(consumer: KafkaConsumer, topic: str, timeout: float) -> list[TopicPartition]:
    deadline = time.monotonic() + timeout
    while not (parts := consumer.partitions_for_topic(topic)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"topic {topic!r} does not exist on the broker")
        time.sleep(0.2)
    return [TopicPartition(topic, p) for p in sorted(parts)]
