"""RSS 2.0 / Atom / RDF feeds, read with feedparser: each entry a `FeedStory`.

An entry's key is its guid/id, else its link, else its title and time. Its time is the entry's
published time, else its updated time (feedparser gives both in UTC). Tickers named by the
entry's categories as `$AAPL` or `NASDAQ:AAPL` are not trusted as tickers: the text is read like
every other entry's (`streams.connect.tickers`). A body is the summary or content with its HTML
tags removed.
"""

from __future__ import annotations

import calendar
import html
import re
from datetime import UTC, datetime
from typing import Any

import feedparser

from streams.connect.items import FeedStory

__all__ = ["FeedParseError", "parse_feed"]

_TAG = re.compile(r"<[^>]+>")


class FeedParseError(ValueError):
    """The body is not a feed feedparser can read (no entries and a parse error)."""


def parse_feed(body: bytes, url: str = "") -> tuple[str, list[FeedStory]]:
    """`(feed title, stories)`. A feed with a recoverable error (feedparser's `bozo`) but
    entries is read; one with no entries and an error raises FeedParseError."""
    parsed: Any = feedparser.parse(body, response_headers={"content-location": url} if url else None)
    if parsed.bozo and not parsed.entries:
        raise FeedParseError(f"{url or 'feed'}: not a feed: {parsed.get('bozo_exception')}")
    if not parsed.entries and not parsed.get("version"):
        raise FeedParseError(f"{url or 'feed'}: not an RSS or Atom feed")
    title = str(parsed.feed.get("title") or url)
    stories = []
    for entry in parsed.entries:
        headline = _text(entry.get("title"))
        if not headline:
            continue  # nothing to score; a NewsItem needs a headline
        when = _time(entry.get("published_parsed") or entry.get("updated_parsed"))
        link = entry.get("link")
        key = entry.get("id") or link or f"{headline}\x1f{when.isoformat() if when else ''}"
        content = entry.get("content")
        text = _text(content[0].get("value") if content else entry.get("summary"))
        stories.append(FeedStory(key=str(key), headline=headline, published_at=when, body=text or None, url=link))
    return title, stories


def _text(value: object) -> str:
    if not value:
        return ""
    return " ".join(html.unescape(_TAG.sub(" ", str(value))).split())


def _time(parsed: Any) -> datetime | None:
    if parsed is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
