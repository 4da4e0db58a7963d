"""Ingest stage, pure: raw message bytes -> a stamped story, or a dead letter.

No Kafka here; the agent in `streams.kafka.ingest_agent` calls `ingest()` per message of a batch
and publishes the results (with the byte limits it read from its topics).
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson

from schemas import DeadLetter, NormalizedNews, dumps, validate_news
from schemas.errors import InvalidMessage, Reason
from streams.stages.exchange_time import ExchangeMap, stamp_story

__all__ = ["Origin", "MAX_ORIGINAL_BYTES", "ingest", "dead_letter"]

log = logging.getLogger(__name__)

# The most original bytes a dead letter keeps (only a too_large message can have more). As
# base64 (4/3) with the envelope it stays well inside the 4 MiB that the worker's producer and
# the topics accept (streams.kafka.app.MAX_MESSAGE_BYTES): a dead letter that could not be published
# would crash the agent and lose the message.
MAX_ORIGINAL_BYTES = 2 * 1024 * 1024

_TO_FIT = " to fit the dead-letter topic"


@dataclass(frozen=True)
class Origin:
    """Where a raw message came from."""

    topic: str
    partition: int
    offset: int
    key: bytes | None


def _text_or_base64(data: bytes | None) -> tuple[str | None, str]:
    """UTF-8 text, or base64 when the bytes are not UTF-8 or when base64 is the shorter form:
    JSON writes a control character as 6 bytes and a quote as 2, so text of them would grow
    up to six-fold, while base64 never grows past 4/3."""
    if data is None:
        return None, "utf-8"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and len(orjson.dumps(text)) - 2 <= 4 * ((len(data) + 2) // 3):
        return text, "utf-8"
    return base64.b64encode(data).decode("ascii"), "base64"


def dead_letter(
    error: InvalidMessage, value: bytes | None, origin: Origin, failed_at: datetime, max_bytes: int | None = None
) -> DeadLetter:
    """The dead letter for `value`: reason, message, original bytes and where it came from.

    A value over `MAX_ORIGINAL_BYTES` keeps only its first `MAX_ORIGINAL_BYTES` bytes, and the
    message says so. With `max_bytes` (what the dead-letter topic takes, less the record's key),
    the letter's JSON is cut to fit: the original first, then the key, then the message, each
    cut flagged in the message ("original truncated to its first N of M bytes", "key truncated
    ..."). Never lost: a letter is always made, and it fits whenever the envelope alone does.
    """
    message, raw = error.message, value
    if value is not None and len(value) > MAX_ORIGINAL_BYTES:
        message += f" (original truncated to its first {MAX_ORIGINAL_BYTES} of {len(value)} bytes)"
        value = value[:MAX_ORIGINAL_BYTES]
    letter = _letter(error.reason, message, value, origin.key, origin, failed_at)
    if max_bytes is None:
        return letter
    return _cut_to_fit(letter, error.reason, error.message, raw, origin, failed_at, max_bytes)


def _cut_to_fit(
    letter: DeadLetter, reason: Reason, message: str, value: bytes | None, origin: Origin, failed_at: datetime, max_bytes: int
) -> DeadLetter:
    """`letter`, or one with its original, then its key, then its message cut so that its JSON
    takes at most `max_bytes`."""
    full_value = value or b""
    full_key = origin.key
    keep_value, keep_key = min(len(full_value), MAX_ORIGINAL_BYTES), len(full_key or b"")
    keep_message = len(message)
    for _ in range(200):  # each round cuts at least the excess; a handful of rounds suffice
        excess = len(dumps(letter)) - max_bytes
        if excess <= 0:
            return letter
        if keep_value > 0:
            keep_value = _shrink(keep_value, len(orjson.dumps(letter.original)), excess)
        elif keep_key > 0:
            keep_key = _shrink(keep_key, len(orjson.dumps(letter.key)), excess)
        elif keep_message > 0:
            keep_message = max(0, min(keep_message - excess, keep_message - 1))
        else:
            return letter  # the envelope alone does not fit: the topic's limit is below any letter
        cut_value = _cut(full_value, keep_value)
        cut_key = None if full_key is None else _cut(full_key, keep_key)
        notes = message[:keep_message]
        if len(cut_value) < len(full_value):
            notes += f" (original truncated to its first {len(cut_value)} of {len(full_value)} bytes{_TO_FIT})"
        if full_key is not None and cut_key is not None and len(cut_key) < len(full_key):
            notes += f" (key truncated to its first {len(cut_key)} of {len(full_key)} bytes{_TO_FIT})"
        letter = _letter(reason, notes, cut_value if value is not None else None, cut_key, origin, failed_at)
    return letter


def _shrink(keep: int, written: int, excess: int) -> int:
    """How many raw bytes to keep of `keep` that took `written` bytes in the JSON, for it to take
    `excess` fewer: in proportion (base64 writes 4 bytes per 3, escapes up to 6 per byte), and at
    least one byte fewer, so that the rounds end."""
    target = int(keep * max(written - excess, 0) / max(written, 1))
    return max(0, min(target, keep - 1))


def _cut(data: bytes, n: int) -> bytes:
    """The first `n` bytes of `data`, less a UTF-8 character that the cut would split (so text
    stays text rather than turning into the longer base64)."""
    head = data[:n]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return head
    return head.decode("utf-8", "ignore").encode("utf-8")


def _letter(
    reason: Reason, message: str, value: bytes | None, origin_key: bytes | None, origin: Origin, failed_at: datetime
) -> DeadLetter:
    original, encoding = _text_or_base64(value)
    key, key_encoding = _text_or_base64(origin_key)
    return DeadLetter(
        reason=reason.value,
        message=message,
        original=original if original is not None else "",
        encoding=encoding,
        key=key,
        key_encoding=key_encoding,
        topic=origin.topic,
        partition=origin.partition,
        offset=origin.offset,
        failed_at=failed_at,
    )


def ingest(
    value: bytes | None,
    origin: Origin,
    exchange_map: ExchangeMap,
    max_bytes: int,
    now: datetime | None = None,
    future_tolerance_s: float | None = None,
    max_output_bytes: int | None = None,
    max_dead_letter_bytes: int | None = None,
) -> NormalizedNews | DeadLetter:
    """Validate and stamp one raw message.

    `max_output_bytes`: the most bytes the normalised story (its JSON and its id, the record's
    key) may take, what its output topics accept; a larger one is refused `too_large` (its JSON
    can outgrow the raw message: numbers and escapes are written back in their own form, and every
    story gains its stamps). `max_dead_letter_bytes`: passed to `dead_letter` (None: no limit).

    A story published more than `future_tolerance_s` after `now` (when it is read) is refused
    `future_time`: one clock-skewed record would otherwise move its tickers' state time ahead of
    every real story. None skips the check (an offline evaluation reads history at any time).

    Never raises on input: anything that cannot be processed comes back as a DeadLetter. An
    unexpected exception (a bug met by some input) is logged with its traceback and dead-lettered
    as `internal_error`, so one odd message can never stop the worker.
    """
    now = now or datetime.now(UTC)
    try:
        if value is None:
            raise InvalidMessage(Reason.NOT_JSON, "message has no value (tombstone)")
        item = validate_news(value, max_bytes=max_bytes)
        if future_tolerance_s is not None and item.published_at > now + timedelta(seconds=future_tolerance_s):
            raise InvalidMessage(
                Reason.FUTURE_TIME,
                f"published_at {item.published_at.isoformat()} is more than {future_tolerance_s:g} s after "
                f"the story was read ({now.isoformat()})",
            )
        story = stamp_story(item, exchange_map, received_at=now)
        if max_output_bytes is not None:
            size = len(dumps(story)) + len(story.id.encode("utf-8"))
            if size > max_output_bytes:
                raise InvalidMessage(
                    Reason.TOO_LARGE,
                    f"the normalised story takes {size} bytes, over the {max_output_bytes} its output topics take "
                    "(max.message.bytes)",
                )
        return story
    except InvalidMessage as error:
        return dead_letter(error, value, origin, now, max_dead_letter_bytes)
    except Exception as error:
        log.exception("unexpected error on %s[%d]@%d", origin.topic, origin.partition, origin.offset)
        internal = InvalidMessage(Reason.INTERNAL, f"{type(error).__name__}: {error}")
        return dead_letter(internal, value, origin, now, max_dead_letter_bytes)
