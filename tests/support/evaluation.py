"""Small news and price files for the evaluation tests, and a scorer that reads its score from
the headline (so a test knows every story's score without a model)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from inference.scorer import StoryScore
from streams.stages.exchange_time import session_closes

TICKERS = ("AAA", "BBB", "CCC", "DDD", "EEE")
FIRST = date(2024, 1, 2)
LAST = date(2024, 3, 28)
NEWS_COLUMNS = ["row_id", "published_utc", "published_raw", "ticker", "headline", "source"]


class StubScorer:
    """Score = the headline's last word as a number (`... +0.250`); confidence 1."""

    model_name = "stub"

    def score_stories(self, stories: Sequence[tuple[str, str | None]]) -> list[StoryScore]:
        return [StoryScore(float(headline.rsplit(" ", 1)[1]), 1.0, 1) for headline, _ in stories]


def headline(ticker: str, n: int, score: float) -> str:
    """A headline the stub scores `score`."""
    return f"{ticker} story {n} {score:+.3f}"


def utc(text: str) -> datetime:
    """`2024-01-16T21:05:00` as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def write_news(path: Path, rows: Iterable[tuple[datetime, str, str]]) -> Path:
    """A news CSV in the bundled sample's columns from `(published_at, ticker, headline)` rows."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(NEWS_COLUMNS)
        for i, (at, ticker, text) in enumerate(rows):
            stamp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            writer.writerow([i, stamp, stamp, ticker, text, "test"])
    return path


def news_rows(seed: int = 7, per_ticker: int = 40) -> list[tuple[datetime, str, str]]:
    """Stories for every ticker at times spread over all phases (pre-market, regular, after
    hours, nights and weekends) from FIRST to about a week before LAST."""
    rng = np.random.default_rng(seed)
    start = datetime.combine(FIRST, datetime.min.time(), tzinfo=UTC)
    span_minutes = int((LAST - FIRST).days - 7) * 24 * 60
    rows = []
    for ticker in TICKERS:
        for n in range(per_ticker):
            at = start + timedelta(minutes=int(rng.integers(0, span_minutes)))
            rows.append((at, ticker, headline(ticker, n, float(rng.uniform(-1.5, 0.5)))))
    return rows


def write_prices(
    directory: Path,
    tickers: Iterable[str] = (*TICKERS, "SPY"),
    seed: int = 11,
    skip: dict[str, set[date]] | None = None,
) -> Path:
    """One `<ticker>.us.txt` per ticker (the bundled format) with a random walk on every XNYS
    session from two months before FIRST to LAST, less the dates in `skip[ticker]`."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    sessions = [day for day, _ in session_closes("XNYS", FIRST - timedelta(days=60), LAST)]
    for ticker in tickers:
        closes = 50.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, len(sessions))))
        missing = (skip or {}).get(ticker, set())
        with (directory / f"{ticker.lower()}.us.txt").open("w", encoding="utf-8") as handle:
            handle.write("Date,Open,High,Low,Close,Volume,stock_id\n")
            for day, close in zip(sessions, closes, strict=True):
                if day not in missing:
                    handle.write(f"{day},{close:.4f},{close:.4f},{close:.4f},{close:.4f},1000,1\n")
    (directory / "SOURCE.md").write_text("test prices\n", encoding="utf-8")
    return directory
