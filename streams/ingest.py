"""Ingest stage, pure: raw message bytes -> a stamped story, or a dead letter.

No Kafka here; the agent in `streams.app` calls `ingest()` per message and sends the result.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from schemas import DeadLetter, NormalizedNews, validate_news
from schemas.errors import InvalidMessage, Reason
from streams.exchange_time import ExchangeMap, stamp_story

__all__ = ["Origin", "ingest", "dead_letter"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Origin:
    """Where a raw message came from."""

    topic: str
    partition: int
    offset: int
    key: bytes | None


def _text_or_base64(data: bytes | None) -> tuple[str | None, str]:
    if data is None:
        return None, "utf-8"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), "base64"


def dead_letter(error: InvalidMessage, value: bytes | None, origin: Origin, failed_at: datetime) -> DeadLetter:
    """The dead letter for `value`: reason, message, original bytes and where it came from."""
    original, encoding = _text_or_base64(value)
    key, key_encoding = _text_or_base64(origin.key)
    return DeadLetter(
        reason=error.reason.value,
        message=error.message,
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
) -> NormalizedNews | DeadLetter:
    """Validate and stamp one raw message.

    Never raises on input: anything that cannot be processed comes back as a DeadLetter. An
    unexpected exception (a bug met by some input) is logged with its traceback and dead-lettered
    as `internal_error`, so one odd message can never stop the worker.
    """
    now = now or datetime.now(timezone.utc)
    try:
        if value is None:
            raise InvalidMessage(Reason.NOT_JSON, "message has no value (tombstone)")
        item = validate_news(value, max_bytes=max_bytes)
        return stamp_story(item, exchange_map, received_at=now)
    except InvalidMessage as error:
        return dead_letter(error, value, origin, now)
    except Exception as error:  # noqa: BLE001 - the worker must survive any input
        log.exception("unexpected error on %s[%d]@%d", origin.topic, origin.partition, origin.offset)
        return dead_letter(InvalidMessage(Reason.INTERNAL, f"{type(error).__name__}: {error}"), value, origin, now)
