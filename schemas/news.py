"""Input-side records: NewsItem (news.raw), TickerStamp and NormalizedNews (news.normalized).

`to_dict()` gives the JSON-ready form its schema file describes; `from_dict(d)` reads it back,
trusting `d` to have the schema's shape (raw input goes through `schemas.validate_news`) and
checking only its time strings (`InvalidMessage`: `naive_time`, `bad_time`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from schemas.records import SCHEMA_VERSION, Phase, format_time, optional_time, parse_time

__all__ = ["NewsItem", "NormalizedNews", "TickerStamp"]


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
            received_at=optional_time(d.get("received_at"), "received_at"),
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
