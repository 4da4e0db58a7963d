"""Typed records for every message, each mirroring its `<name>.schema.json`.

`to_dict()` gives the JSON-ready form (times as RFC 3339 strings, UTC written as `Z`, dates as
`YYYY-MM-DD`) that the schema file describes; `from_dict(d)` reads it back. `from_dict` trusts
its input to have the schema's shape (raw input goes through `schemas.validate_news`); only its
time strings are checked, raising `InvalidMessage` with `naive_time` or `bad_time`.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from enum import StrEnum
from typing import Any

from schemas.errors import InvalidMessage, Reason

__all__ = [
    "SCHEMA_VERSION",
    "Phase",
    "Severity",
    "Direction",
    "parse_time",
    "format_time",
    "NewsItem",
    "TickerStamp",
    "NormalizedNews",
    "ScoredNews",
    "TickerSignal",
    "Alert",
    "DeadLetter",
]

SCHEMA_VERSION = 1


class Phase(StrEnum):
    """Where a time falls in the exchange's day (see `streams.exchange_time.stamp`)."""

    PRE_MARKET = "pre_market"
    REGULAR = "regular"
    AFTER_HOURS = "after_hours"
    CLOSED = "closed"


class Severity(StrEnum):
    """Alert severity."""

    WARNING = "warning"
    CRITICAL = "critical"


class Direction(StrEnum):
    """Which way the news went: negative alerts always, positive ones only when enabled."""

    NEGATIVE = "negative"
    POSITIVE = "positive"


# RFC 3339 date-time; the offset group is optional here only so that a missing offset can be
# told apart (naive_time) from a string that is no date-time at all (bad_time). [0-9], not \d:
# \d also matches other scripts' digits.
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})?"
)


def parse_time(value: str, name: str) -> datetime:
    """An aware datetime from an RFC 3339 string; `name` says which field, for the error."""
    match = _RFC3339.fullmatch(value)
    if match is None:
        raise InvalidMessage(Reason.BAD_TIME, f"{name}: {value!r} is not an RFC 3339 date-time")
    if match.group(1) is None:
        raise InvalidMessage(Reason.NAIVE_TIME, f"{name}: {value!r} has no UTC offset (add Z or +HH:MM)")
    try:
        # fromisoformat takes "Z" but not "z"; upper() only touches the separator and the zone.
        parsed = datetime.fromisoformat(value.upper())
        # Year-1 or year-9999 times with an offset cannot be moved to UTC: reject them here.
        parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError) as error:
        raise InvalidMessage(Reason.BAD_TIME, f"{name}: {value!r}: {error}") from None
    return parsed


def format_time(value: datetime) -> str:
    """RFC 3339 for an aware datetime, UTC written as `Z`."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _optional_time(value: str | None, name: str) -> datetime | None:
    return None if value is None else parse_time(value, name)


def _optional_float(value: float | None) -> float | None:
    return None if value is None else float(value)


_NEWS_FIELDS = frozenset(
    {"schema_version", "id", "published_at", "headline", "tickers", "body", "source", "language", "url", "received_at"}
)


@dataclass(frozen=True)
class NewsItem:
    """A validated raw story. `extra` holds the unknown fields, passed on unchanged."""

    id: str
    published_at: datetime  # aware, with the offset it was published with
    headline: str
    tickers: tuple[str, ...]  # upper-cased, duplicates dropped, order kept
    body: str | None = None
    source: str | None = None
    language: str | None = None
    url: str | None = None
    received_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """The input shape again: unknown fields at the top level, absent optionals left out."""
        d: dict[str, Any] = dict(self.extra)
        d.update(
            schema_version=SCHEMA_VERSION,
            id=self.id,
            published_at=format_time(self.published_at),
            headline=self.headline,
            tickers=list(self.tickers),
        )
        for name, value in (("body", self.body), ("source", self.source), ("language", self.language), ("url", self.url)):
            if value is not None:
                d[name] = value
        if self.received_at is not None:
            d["received_at"] = format_time(self.received_at)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> NewsItem:
        """Read a schema-valid NewsItem dict; every field not in the schema goes to `extra`."""
        return cls(
            id=d["id"],
            published_at=parse_time(d["published_at"], "published_at"),
            headline=d["headline"],
            tickers=tuple(dict.fromkeys(map(str.upper, d["tickers"]))),
            body=d.get("body"),
            source=d.get("source"),
            language=d.get("language"),
            url=d.get("url"),
            received_at=_optional_time(d.get("received_at"), "received_at"),
            extra={key: value for key, value in d.items() if key not in _NEWS_FIELDS},
        )


@dataclass(frozen=True)
class TickerStamp:
    """Exchange time of a story for one of its tickers."""

    ticker: str
    exchange: str  # MIC
    session: date  # first session at which the story can be acted on
    phase: Phase
    local_time: datetime  # published_at in the exchange's time zone

    def to_dict(self) -> dict[str, Any]:
        return {
            "ticker": self.ticker,
            "exchange": self.exchange,
            "session": self.session.isoformat(),
            "phase": str(self.phase),
            "local_time": format_time(self.local_time),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TickerStamp:
        return cls(
            ticker=d["ticker"],
            exchange=d["exchange"],
            session=date.fromisoformat(d["session"]),
            phase=Phase(d["phase"]),
            local_time=parse_time(d["local_time"], "local_time"),
        )


@dataclass(frozen=True)
class NormalizedNews:
    """A NewsItem stamped with exchange time, one stamp per ticker (news.normalized).

    `received_at` is the feed's own `received_at` when it sent one, else when the worker read
    the story; `ingested_at` is always when the worker read it (processing latency starts there).
    Decoded `local_time`s carry a fixed offset, not the exchange's zone.
    """

    id: str
    published_at: datetime
    published_at_utc: datetime
    headline: str
    tickers: tuple[str, ...]
    received_at: datetime
    stamps: tuple[TickerStamp, ...]  # same order as tickers
    ingested_at: datetime
    body: str | None = None
    source: str | None = None
    language: str | None = None
    url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "id": self.id,
            "published_at": format_time(self.published_at),
            "published_at_utc": format_time(self.published_at_utc),
            "headline": self.headline,
            "tickers": list(self.tickers),
            "body": self.body,
            "source": self.source,
            "language": self.language,
            "url": self.url,
            "received_at": format_time(self.received_at),
            "ingested_at": format_time(self.ingested_at),
            "stamps": [s.to_dict() for s in self.stamps],
            "extra": self.extra,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> NormalizedNews:
        return cls(
            id=d["id"],
            published_at=parse_time(d["published_at"], "published_at"),
            published_at_utc=parse_time(d["published_at_utc"], "published_at_utc"),
            headline=d["headline"],
            tickers=tuple(d["tickers"]),
            received_at=parse_time(d["received_at"], "received_at"),
            stamps=tuple(TickerStamp.from_dict(s) for s in d["stamps"]),
            ingested_at=parse_time(d["ingested_at"], "ingested_at"),
            body=d["body"],
            source=d["source"],
            language=d["language"],
            url=d["url"],
            extra=d["extra"],
        )


@dataclass(frozen=True)
class ScoredNews:
    """One story's score for one of its tickers (news.scored)."""

    id: str
    ticker: str
    published_at_utc: datetime
    session: date
    phase: Phase
    score: float
    confidence: float
    n_sentences: int
    weight: float
    headline: str
    source: str | None
    model: str
    ingested_at: datetime  # when the worker read the story (processing latency starts here)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "id": self.id,
            "ticker": self.ticker,
            "published_at_utc": format_time(self.published_at_utc),
            "session": self.session.isoformat(),
            "phase": str(self.phase),
            "score": self.score,
            "confidence": self.confidence,
            "n_sentences": self.n_sentences,
            "weight": self.weight,
            "headline": self.headline,
            "source": self.source,
            "model": self.model,
            "ingested_at": format_time(self.ingested_at),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ScoredNews:
        return cls(
            id=d["id"],
            ticker=d["ticker"],
            published_at_utc=parse_time(d["published_at_utc"], "published_at_utc"),
            session=date.fromisoformat(d["session"]),
            phase=Phase(d["phase"]),
            score=float(d["score"]),
            confidence=float(d["confidence"]),
            n_sentences=int(d["n_sentences"]),
            weight=float(d["weight"]),
            headline=d["headline"],
            source=d["source"],
            model=d["model"],
            ingested_at=parse_time(d["ingested_at"], "ingested_at"),
        )


@dataclass(frozen=True)
class TickerSignal:
    """A ticker's state after one scored story (signals.ticker)."""

    ticker: str
    as_of: datetime  # event time
    emitted_at: datetime  # wall clock
    session: date
    phase: Phase
    score_fast: float
    score_slow: float
    exposure: float
    buzz: float
    zscore: float | None  # None until the baseline has a variance
    linear_window_score: float
    n_events: int
    news_id: str
    model: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "ticker": self.ticker,
            "as_of": format_time(self.as_of),
            "emitted_at": format_time(self.emitted_at),
            "session": self.session.isoformat(),
            "phase": str(self.phase),
            "score_fast": self.score_fast,
            "score_slow": self.score_slow,
            "exposure": self.exposure,
            "buzz": self.buzz,
            "zscore": self.zscore,
            "linear_window_score": self.linear_window_score,
            "n_events": self.n_events,
            "news_id": self.news_id,
            "model": self.model,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TickerSignal:
        return cls(
            ticker=d["ticker"],
            as_of=parse_time(d["as_of"], "as_of"),
            emitted_at=parse_time(d["emitted_at"], "emitted_at"),
            session=date.fromisoformat(d["session"]),
            phase=Phase(d["phase"]),
            score_fast=float(d["score_fast"]),
            score_slow=float(d["score_slow"]),
            exposure=float(d["exposure"]),
            buzz=float(d["buzz"]),
            zscore=_optional_float(d["zscore"]),
            linear_window_score=float(d["linear_window_score"]),
            n_events=int(d["n_events"]),
            news_id=d["news_id"],
            model=d["model"],
        )


@dataclass(frozen=True)
class Alert:
    """Bad news for a ticker (alerts.negative), with the values and headlines behind it.

    `direction` is positive only for the opt-in positive alerts; `headlines` and `news_ids`
    are the driving stories, the one that raised the alert first.
    """

    ticker: str
    direction: Direction
    severity: Severity
    reason: str  # which rule fired: "story_score" or "zscore"
    as_of: datetime
    emitted_at: datetime
    score_fast: float
    score_slow: float
    zscore: float | None
    story_score: float | None  # None when no single story raised it
    headlines: tuple[str, ...]
    news_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "ticker": self.ticker,
            "direction": str(self.direction),
            "severity": str(self.severity),
            "reason": self.reason,
            "as_of": format_time(self.as_of),
            "emitted_at": format_time(self.emitted_at),
            "score_fast": self.score_fast,
            "score_slow": self.score_slow,
            "zscore": self.zscore,
            "story_score": self.story_score,
            "headlines": list(self.headlines),
            "news_ids": list(self.news_ids),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Alert:
        return cls(
            ticker=d["ticker"],
            direction=Direction(d["direction"]),
            severity=Severity(d["severity"]),
            reason=d["reason"],
            as_of=parse_time(d["as_of"], "as_of"),
            emitted_at=parse_time(d["emitted_at"], "emitted_at"),
            score_fast=float(d["score_fast"]),
            score_slow=float(d["score_slow"]),
            zscore=_optional_float(d["zscore"]),
            story_score=_optional_float(d["story_score"]),
            headlines=tuple(d["headlines"]),
            news_ids=tuple(d["news_ids"]),
        )


@dataclass(frozen=True)
class DeadLetter:
    """A raw message that could not be processed (news.deadletter).

    `original` and `key` hold the bytes as text when they are valid UTF-8 (`encoding` /
    `key_encoding` "utf-8"), else as base64 ("base64").
    """

    reason: str  # a schemas.errors.Reason value
    message: str
    original: str  # "" for a tombstone
    encoding: str
    topic: str
    partition: int
    offset: int
    key: str | None
    key_encoding: str
    failed_at: datetime

    def original_bytes(self) -> bytes:
        """The message value exactly as it arrived, for replaying once the producer is fixed."""
        if self.encoding == "base64":
            return base64.b64decode(self.original, validate=True)
        return self.original.encode("utf-8")

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "reason": str(self.reason),
            "message": self.message,
            "original": self.original,
            "encoding": self.encoding,
            "topic": self.topic,
            "partition": self.partition,
            "offset": self.offset,
            "key": self.key,
            "key_encoding": self.key_encoding,
            "failed_at": format_time(self.failed_at),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DeadLetter:
        return cls(
            reason=d["reason"],
            message=d["message"],
            original=d["original"],
            encoding=d["encoding"],
            topic=d["topic"],
            partition=int(d["partition"]),
            offset=int(d["offset"]),
            key=d["key"],
            key_encoding=d["key_encoding"],
            failed_at=parse_time(d["failed_at"], "failed_at"),
        )
