"""The connector loop: poll each feed, publish its new stories, record them, back off on errors.

Per poll of a feed: a conditional GET (`fetch`); a 304 ends the poll. Otherwise the body is
parsed, the stories not in the feed's `SentLog` become NewsItems (`items`) and are sent to the
topic keyed by id (acks=all, every send acknowledged), and only then are their ids and the
feed's new ETag / Last-Modified recorded. An error (network, an error status, a body that is
not a feed) records nothing and puts the feed on backoff: it is polled again after
`interval * 2**(errors - 1)` seconds (at most `max_backoff_s`, at least the server's
Retry-After), and every success resets it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kafka import KafkaProducer

from streams.connect.fetch import FetchError, fetch
from streams.connect.items import FeedStory, news_item
from streams.connect.sent_log import SentLog
from streams.connect.tickers import TickerFinder
from streams.settings import ConnectSettings

__all__ = ["Feed", "PollResult", "backoff_delay", "poll", "run"]

log = logging.getLogger(__name__)

Parser = Callable[[bytes], tuple[str, list[FeedStory]]]


@dataclass
class Feed:
    """One feed: where, how to read it, its sent log, and its error count."""

    url: str
    kind: str  # "rss" or "http": the id prefix
    parse: Parser
    sent: SentLog
    source: str | None = None
    errors: int = 0
    due: float = 0.0


@dataclass
class PollResult:
    """What one poll of one feed did."""

    sent: int = 0
    already_sent: int = 0
    not_modified: bool = False
    error: str | None = None
    ids: list[str] = field(default_factory=list)


def backoff_delay(errors: int, interval: float, max_backoff: float, retry_after: float | None = None) -> float:
    """Seconds until the next poll after `errors` errors in a row (0: the plain interval)."""
    delay = interval if errors == 0 else min(max_backoff, interval * 2 ** (errors - 1))
    return max(delay, retry_after or 0.0)


def poll(feed: Feed, producer: KafkaProducer, topic: str, finder: TickerFinder, cfg: ConnectSettings) -> PollResult:
    """Poll `feed` once (module docstring). Errors are returned, not raised, except Kafka's."""
    result = PollResult()
    try:
        fetched = fetch(feed.url, feed.sent.validators(), cfg.timeout_s, cfg.user_agent)
        if fetched.body is None:
            result.not_modified = True
            _succeeded(feed, cfg)
            return result
        title, stories = feed.parse(fetched.body)
    except (FetchError, ValueError) as error:
        result.error = str(error)
        feed.errors += 1
        retry_after = error.retry_after if isinstance(error, FetchError) else None
        delay = backoff_delay(feed.errors, cfg.interval_s, cfg.max_backoff_s, retry_after)
        feed.due = time.monotonic() + delay
        log.warning("feed %s: %s (error %d in a row; next try in %.0f s)", feed.url, error, feed.errors, delay)
        return result
    received = datetime.now(UTC)
    source = feed.source or title or urlsplit(feed.url).hostname or feed.url
    futures: list[Any] = []
    for story in stories:
        item_id, value = news_item(story, feed.kind, source, finder, received)
        if item_id in feed.sent or item_id in result.ids:
            result.already_sent += 1
            continue
        futures.append(producer.send(topic, key=item_id.encode("utf-8"), value=value))
        result.ids.append(item_id)
    producer.flush()
    for future in futures:
        future.get(timeout=60)  # raises when Kafka refused one: nothing recorded, the next run resends
    feed.sent.record(result.ids, fetched.validators)
    result.sent = len(result.ids)
    _succeeded(feed, cfg)
    log.info("feed %s: %d sent, %d sent before", feed.url, result.sent, result.already_sent)
    return result


def _succeeded(feed: Feed, cfg: ConnectSettings) -> None:
    feed.errors = 0
    feed.due = time.monotonic() + cfg.interval_s


def run(
    feeds: Sequence[Feed],
    producer: KafkaProducer,
    topic: str,
    finder: TickerFinder,
    cfg: ConnectSettings,
    once: bool = False,
    stop: threading.Event | None = None,
) -> list[PollResult]:
    """Poll every feed when due until `stop` is set (`once`: each feed once). Returns the
    results of the last round (for `once`, one per feed)."""
    stop = stop or threading.Event()
    last: list[PollResult] = []
    while not stop.is_set():
        now = time.monotonic()
        due = [feed for feed in feeds if feed.due <= now]
        last = [poll(feed, producer, topic, finder, cfg) for feed in due] if due else last
        if once:
            return last
        stop.wait(max(0.0, min(feed.due for feed in feeds) - time.monotonic()))
    return last


def state_directory(cfg: ConnectSettings, kind: str) -> Path:
    """Where the sent logs of one kind of connector live."""
    return cfg.data_dir / kind
