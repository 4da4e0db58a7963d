"""Valid input for tests: raw stories from the bundled sample (and as many distinct copies as
asked for), and scored stories for the state stage."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from functools import cache

import orjson

from schemas import ScoredNews
from streams.cli.replay import read_records
from streams.stages.exchange_time import stamp
from support.paths import SAMPLE

__all__ = ["SAMPLE", "sample_stories", "news_messages", "tickers_by_id", "scored_stories"]


SCORED_TICKERS = [f"T{i:02d}" for i in range(24)]
SCORED_START = datetime(2024, 3, 4, 13, 0, tzinfo=UTC)


@cache
def sample_stories() -> tuple[dict, ...]:
    """The bundled sample's stories (NewsItem dicts), each id once, in file order."""
    stories: dict[str, dict] = {}
    for record in read_records(SAMPLE / "benzinga_headlines.csv"):
        story = orjson.loads(record.value)
        stories.setdefault(story["id"], story)
    return tuple(stories.values())


def news_messages(n: int) -> list[tuple[bytes, bytes]]:
    """`(key, value)` of n distinct valid stories for news.raw, keyed by id: the sample's
    stories in a fixed shuffled order (the file is sorted by ticker), then copies of them under
    new ids. Every fifth names a second ticker, so that one story fans out to two states."""
    base = random.Random(0).sample(sample_stories(), len(sample_stories()))
    tickers = sorted({ticker for story in base for ticker in story["tickers"]})
    messages = []
    for i in range(n):
        copy, at = divmod(i, len(base))
        story = dict(base[at])
        if copy:
            story["id"] = f"{story['id']}-{copy}"
        if i % 5 == 0:
            story["tickers"] = list(dict.fromkeys([*story["tickers"], tickers[i // 5 % len(tickers)]]))
        messages.append((story["id"].encode(), orjson.dumps(story)))
    return messages


def tickers_by_id(messages: list[tuple[bytes, bytes]]) -> dict[str, list[str]]:
    """The tickers of each distinct story in `messages`."""
    return {story["id"]: story["tickers"] for story in (orjson.loads(value) for _, value in messages)}


def scored_stories(n: int, seed: int, mean_gap_s: float = 600.0) -> list[ScoredNews]:
    """n scored stories `mean_gap_s` apart on average (the default: ~4 weeks for 4,000); one
    in ten arrives late (published before its predecessor)."""
    rng = random.Random(seed)
    out = []
    t = SCORED_START
    for i in range(n):
        t += timedelta(seconds=rng.expovariate(1 / mean_gap_s))
        published = t - timedelta(seconds=rng.uniform(0, 7200)) if rng.random() < 0.1 else t
        when = stamp(published, "XNYS")
        out.append(
            ScoredNews(
                id=f"s{seed}-{i}",
                ticker=rng.choice(SCORED_TICKERS),
                published_at_utc=published,
                session=when.session,
                phase=when.phase,
                score=rng.choice([rng.uniform(-1.5, 0.5), rng.uniform(-0.1, 0.1)]),
                confidence=rng.random(),
                n_sentences=1,
                weight=1.0,
                headline=f"headline {i}",
                source="test",
                model="reference-test",
                ingested_at=datetime.now(UTC),
            )
        )
    return out
