"""Records tickertone writes: ScoredNews (news.scored), TickerSignal (signals.ticker), Alert
(alerts.negative) and DeadLetter (news.deadletter). Conventions as in `schemas.news`."""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from schemas.records import SCHEMA_VERSION, Direction, Phase, Severity, format_time, optional_float, parse_time

__all__ = [
    "SCORED_VERSION",
    "SCORED_LIMIT",
    "SCORED_TIMES",
    "ALERT_VERSION",
    "SIGNAL_VERSION",
    "Alert",
    "AlertDriver",
    "DeadLetter",
    "ScoredNews",
    "TickerSignal",
]

SCORED_VERSION = 2
SIGNAL_VERSION = 2
ALERT_VERSION = 3
OTHER_EVENT = "other"

SCORED_LIMIT = 1e12
"""The largest |score|, weight and |score x weight| a decoded ScoredNews may carry. Real ones
are below 10 (a score in [-1.5, 0.5] times a source weight); this bound keeps every decayed and
session sum of the state finite for any number of stories a ticker can see (a record with weight
1e308 is finite, but two of them overflow a sum to inf, and a state holding inf is written as
`null` and never decodes again)."""

SCORED_TIMES = (datetime(1970, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
"""The range a decoded ScoredNews' `published_at_utc` and `ingested_at` must fall in."""


@dataclass(frozen=True)
class ScoredNews:
    """One story's score for one of its tickers (news.scored), with its lead event, relevance
    and novelty (DESIGN.md "ScoredNews").

    `score` is the event-aware score and `model_score` the classifier's own (None: the same).
    `weight` is the effective weight on news.scored; on the worker's `news.tagged` topic, before
    the novelty stage, it is the source weight and `novelty` and `chain_id` are None. A version 1
    record reads as a story with no event, relevance 1, novelty 1 and its own chain.
    """

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
    model_score: float | None = None
    event_type: str = OTHER_EVENT
    event_direction: int = 0
    event_magnitude: float | None = None
    event_actor: str | None = None
    relevance: float = 1.0
    novelty: float | None = None
    chain_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCORED_VERSION,
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
            "model_score": self.score if self.model_score is None else self.model_score,
            "event_type": self.event_type,
            "event_direction": self.event_direction,
            "event_magnitude": self.event_magnitude,
            "event_actor": self.event_actor,
            "relevance": self.relevance,
            "novelty": self.novelty,
            "chain_id": self.chain_id,
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
            model_score=optional_float(d.get("model_score")),
            event_type=str(d.get("event_type", OTHER_EVENT)),
            event_direction=int(d.get("event_direction", 0)),
            event_magnitude=optional_float(d.get("event_magnitude")),
            event_actor=d.get("event_actor"),
            relevance=float(d.get("relevance", 1.0)),
            novelty=optional_float(d["novelty"]) if "novelty" in d else 1.0,
            chain_id=d["chain_id"] if "chain_id" in d else d["id"],
        ).in_range()

    def in_range(self) -> ScoredNews:
        """Self, when its numbers and times are ones the state can fold (`SCORED_LIMIT`,
        `SCORED_TIMES`); ValueError otherwise (`decode` turns it into a `schema` dead letter)."""
        numbers = {
            "score": self.score, "confidence": self.confidence, "weight": self.weight, "relevance": self.relevance,
            "novelty": self.novelty, "model_score": self.model_score, "event_magnitude": self.event_magnitude,
        }
        for name, value in numbers.items():
            if value is not None and not math.isfinite(value):
                raise ValueError(f"{name} is not finite ({value})")
        product = abs(self.score) * self.weight
        if not 0.0 <= self.weight <= SCORED_LIMIT or abs(self.score) > SCORED_LIMIT or not product <= SCORED_LIMIT:
            raise ValueError(
                f"score {self.score} and weight {self.weight} (product {product}) are out of range "
                f"(weight in [0, {SCORED_LIMIT:g}], |score| and |score x weight| at most {SCORED_LIMIT:g})"
            )
        earliest, latest = SCORED_TIMES
        for name, time in (("published_at_utc", self.published_at_utc), ("ingested_at", self.ingested_at)):
            if not earliest <= time < latest:
                raise ValueError(f"{name} {time.isoformat()} is outside [{earliest.year}, {latest.year})")
        return self


@dataclass(frozen=True)
class TickerSignal:
    """A ticker's state after one scored story (signals.ticker)."""

    ticker: str
    as_of: datetime  # state time: the newest story's time after this one (event time)
    emitted_at: datetime  # wall clock
    session: date
    phase: Phase
    score_fast: float
    score_slow: float
    exposure: float
    buzz: float
    zscore: float | None  # None until the baseline has enough sessions
    linear_window_score: float
    n_events: int
    news_id: str
    model: str
    event_type: str = OTHER_EVENT  # of the story `news_id`
    relevance: float = 1.0
    novelty: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SIGNAL_VERSION,
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
            "event_type": self.event_type,
            "relevance": self.relevance,
            "novelty": self.novelty,
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
            zscore=optional_float(d["zscore"]),
            linear_window_score=float(d["linear_window_score"]),
            n_events=int(d["n_events"]),
            news_id=d["news_id"],
            model=d["model"],
            event_type=str(d.get("event_type", OTHER_EVENT)),
            relevance=float(d.get("relevance", 1.0)),
            novelty=float(d.get("novelty", 1.0)),
        )


@dataclass(frozen=True)
class AlertDriver:
    """One story behind an alert."""

    news_id: str
    headline: str
    published_at: datetime
    score: float
    event_type: str
    relevance: float
    novelty: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "news_id": self.news_id,
            "headline": self.headline,
            "published_at": format_time(self.published_at),
            "score": self.score,
            "event_type": self.event_type,
            "relevance": self.relevance,
            "novelty": self.novelty,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AlertDriver:
        return cls(
            news_id=d["news_id"],
            headline=d["headline"],
            published_at=parse_time(d["published_at"], "published_at"),
            score=float(d["score"]),
            event_type=str(d["event_type"]),
            relevance=float(d["relevance"]),
            novelty=float(d["novelty"]),
        )


@dataclass(frozen=True)
class Alert:
    """Bad news for a ticker (alerts.negative), with the values and stories behind it.

    `direction` is positive only for the opt-in positive alerts. `drivers` are the stories
    behind it, the one that raised it first, then the others of its fast window newest first;
    `headlines` and `news_ids` repeat theirs (for version 2 readers); `event_type`, `relevance`
    and `novelty` are the first story's. `alert_id` is deterministic (ticker, story id, rule): a
    redelivered or replayed alert carries the same one. `as_of` is the state time.
    """

    alert_id: str
    ticker: str
    direction: Direction
    severity: Severity
    reason: str  # which rule fired: "story_score" or "zscore"
    as_of: datetime
    emitted_at: datetime
    score_fast: float
    score_slow: float
    zscore: float | None
    story_score: float | None  # the alerting story's score (None only in records from other writers)
    drivers: tuple[AlertDriver, ...]
    event_type: str = OTHER_EVENT
    relevance: float = 1.0
    novelty: float = 1.0

    @property
    def headlines(self) -> tuple[str, ...]:
        return tuple(driver.headline for driver in self.drivers)

    @property
    def news_ids(self) -> tuple[str, ...]:
        return tuple(driver.news_id for driver in self.drivers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": ALERT_VERSION,
            "alert_id": self.alert_id,
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
            "drivers": [driver.to_dict() for driver in self.drivers],
            "event_type": self.event_type,
            "relevance": self.relevance,
            "novelty": self.novelty,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Alert:
        return cls(
            alert_id=d["alert_id"],
            ticker=d["ticker"],
            direction=Direction(d["direction"]),
            severity=Severity(d["severity"]),
            reason=d["reason"],
            as_of=parse_time(d["as_of"], "as_of"),
            emitted_at=parse_time(d["emitted_at"], "emitted_at"),
            score_fast=float(d["score_fast"]),
            score_slow=float(d["score_slow"]),
            zscore=optional_float(d["zscore"]),
            story_score=optional_float(d["story_score"]),
            drivers=tuple(AlertDriver.from_dict(driver) for driver in d["drivers"]),
            event_type=str(d.get("event_type", OTHER_EVENT)),
            relevance=float(d.get("relevance", 1.0)),
            novelty=float(d.get("novelty", 1.0)),
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
