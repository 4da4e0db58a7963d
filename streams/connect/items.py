"""A feed's story -> NewsItem JSON (schemas/news_item.schema.json), with a stable id.

The id is `<kind>-` + the first 32 hex digits of SHA-256 over the story's own id (an RSS guid,
an Atom id, the API's id field), else its link, else its headline and time: the same story
gets the same id on every poll and after a restart, whichever worker de-duplicates it.
Tickers: the feed's own when it names any, else those its text names (`TickerFinder`); none
leaves the list empty, which the ingest stage dead-letters with reason `no_tickers`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson

from schemas import format_time
from streams.connect.tickers import MAX_TICKERS, TickerFinder

__all__ = ["FeedStory", "news_item", "stable_id"]

_MAX_HEADLINE = 1000
_MAX_BODY = 100_000


@dataclass(frozen=True)
class FeedStory:
    """One story as a source read it, before it becomes a NewsItem."""

    key: str  # the source's own id, link, or headline + time
    headline: str
    published_at: datetime | None
    body: str | None = None
    url: str | None = None
    tickers: tuple[str, ...] = field(default=())


def stable_id(kind: str, key: str) -> str:
    """`kind-<32 hex>` from the story's own key: the same story, the same id."""
    return f"{kind}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}"


def news_item(story: FeedStory, kind: str, source: str, finder: TickerFinder, received_at: datetime) -> tuple[str, bytes]:
    """`(id, NewsItem JSON)` of `story`. A story without a time is published when received."""
    tickers = [t.strip().upper() for t in story.tickers if t.strip()][:MAX_TICKERS]
    if not tickers:
        tickers = finder.find(story.headline, story.body)
    item_id = stable_id(kind, story.key)
    item: dict[str, object] = {
        "id": item_id,
        "published_at": format_time((story.published_at or received_at).astimezone(UTC)),
        "headline": " ".join(story.headline.split())[:_MAX_HEADLINE],
        "tickers": tickers,
        "source": source,
        "received_at": format_time(received_at),
        "schema_version": 1,
    }
    if story.body:
        item["body"] = story.body[:_MAX_BODY]
    if story.url:
        item["url"] = story.url[:2048]
    return item_id, orjson.dumps(item)
