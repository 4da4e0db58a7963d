"""Ingest stage, pure: raw message bytes -> a stamped story, or a dead letter.

No Kafka here; the agent in `streams.kafka.ingest_agent` calls `ingest()` per message and sends the result.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson

from schemas import DeadLetter, NormalizedNews, validate_news
from schemas.errors import InvalidMessage, Reason
from streams.stages.exchange_time import ExchangeMap, stamp_story

__all__ = ["Origin", "MAX_ORIGINAL_BYTES", "ingest", "dead_letter"]

log = logging.getLogger(__name__)

# The most original bytes a dead letter keeps (only a too_large message can have more). As
# base64 (4/3) with the envelope it stays well inside the 4 MiB that the worker's producer and
# the topics accept (streams.kafka.app.MAX_MESSAGE_BYTES): a dead letter that could not be published
# would crash the agent and lose the message.
MAX_ORIGINAL_BYTES = 2 * 1024 * 1024


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


def dead_letter(error: InvalidMessage, value: bytes | None, origin: Origin, failed_at: datetime) -> DeadLetter:
    """The dead letter for `value`: reason, message, original bytes and where it came from.

    A value over `MAX_ORIGINAL_BYTES` keeps only its first `MAX_ORIGINAL_BYTES` bytes, and the
    message says so.
    """
    message = error.message
    if value is not None and len(value) > MAX_ORIGINAL_BYTES:
        message += f" (original truncated to its first {MAX_ORIGINAL_BYTES} of {len(value)} bytes)"
        value = value[:MAX_ORIGINAL_BYTES]
    original, encoding = _text_or_base64(value)
    key, key_encoding = _text_or_base64(origin.key)
    return DeadLetter(
        reason=error.reason.value,
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
) -> NormalizedNews | DeadLetter:
    """Validate and stamp one raw message.

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
        return stamp_story(item, exchange_map, received_at=now)
    except InvalidMessage as error:
        return dead_letter(error, value, origin, now)
    except Exception as error:
        log.exception("unexpected error on %s[%d]@%d", origin.topic, origin.partition, origin.offset)
        return dead_letter(InvalidMessage(Reason.INTERNAL, f"{type(error).__name__}: {error}"), value, origin, now)
