"""`tickertone replay`: publish a news file to the raw topic, as a feed would.

CSV rows (columns as in the bundled sample: published_utc, ticker, headline, source, ...) become
NewsItem JSON. JSONL lines are sent verbatim, byte for byte: validating them is the worker's
job, so a malformed line reaches the dead-letter topic with a reason instead of being dropped here.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from kafka import KafkaProducer

from schemas import SCHEMA_VERSION

__all__ = ["ReplayMessage", "story_id", "read_records", "replay"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplayMessage:
    """One message to publish: Kafka key and value bytes."""

    key: bytes | None
    value: bytes


def story_id(source: str, published_at: str, headline: str, ticker: str) -> str:
    """Stable id for a story that has none: the same row always maps to the same id."""
    digest = hashlib.sha256("\x1f".join((source, published_at, headline, ticker)).encode("utf-8"))
    return digest.hexdigest()[:32]


def _csv_records(path: Path, by_time: bool) -> Iterator[ReplayMessage]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows: Iterable[dict[str, str]] = csv.DictReader(handle)
        if by_time:  # loads the file: fine for replays, which a feed would send in time order
            # (published_at, id): the state stage's own order, so ties never depend on the file.
            rows = sorted(rows, key=lambda row: (datetime.fromisoformat(_published_at(row)), _row_id(row, path)))
        for row in rows:
            published_at = _published_at(row)
            ticker = row["ticker"]
            source = row.get("source") or path.stem
            headline = row["headline"]
            item_id = _row_id(row, path)
            item: dict[str, object] = {
                "id": item_id,
                "published_at": published_at,
                "headline": headline,
                "tickers": [t for t in ticker.replace(";", ",").split(",") if t],
                "source": source,
                "schema_version": SCHEMA_VERSION,
            }
            if row.get("body"):
                item["body"] = row["body"]
            yield ReplayMessage(key=item_id.encode("utf-8"), value=orjson.dumps(item))


def _row_id(row: dict[str, str], path: Path) -> str:
    """The row's `id`, else the stable id of its source, time, headline and ticker."""
    return row.get("id") or story_id(row.get("source") or path.stem, _published_at(row), row["headline"], row["ticker"])


def _published_at(row: dict[str, str]) -> str:
    return row.get("published_at") or row["published_utc"]


def _jsonl_records(path: Path) -> Iterator[ReplayMessage]:
    with path.open("rb") as handle:
        for line in handle:
            line = line.rstrip(b"\r\n")
            if line.strip():
                yield ReplayMessage(key=None, value=line)


def read_records(path: Path, by_time: bool = False) -> Iterator[ReplayMessage]:
    """Records of a `.csv` or `.jsonl`/`.ndjson` file, in file order (CSV: by publication time
    when `by_time`)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_records(path, by_time)
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return _jsonl_records(path)
    raise ValueError(f"{path}: unknown format {suffix!r}; expected .csv or .jsonl")


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(buf.count(b"\n") for buf in iter(lambda: handle.read(1 << 20), b""))


def replay(
    path: Path,
    bootstrap: str,
    topic: str,
    rate: float | None = None,
    progress: bool = True,
    by_time: bool = False,
    producer_config: dict[str, object] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Publish every record of `path` to `topic`; return how many were sent.

    `rate` caps messages per second (None = as fast as the broker takes them). Waits for every
    send to be acknowledged (acks=all) before returning, so a returned count is a delivered count.
    `stop`, once set, ends the replay early (what was sent is still acknowledged and counted).
    """
    from tqdm import tqdm

    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=20,
        batch_size=256 * 1024,
        max_request_size=2 * 1024 * 1024,
        **(producer_config or {}),
    )
    total = _count_lines(path)
    sent = 0
    started = time.monotonic()
    futures: list[Any] = []
    try:
        with tqdm(total=total, unit="msg", disable=not progress or total < 1000, file=None) as bar:
            for record in read_records(path, by_time):
                if stop is not None and stop.is_set():
                    break
                if rate:
                    delay = started + sent / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                futures.append(producer.send(topic, key=record.key, value=record.value))
                sent += 1
                bar.update()
                if len(futures) >= 10_000:
                    _wait(futures)
            _wait(futures)
        producer.flush()
    finally:
        producer.close()
    log.info("replayed %d records from %s to %s", sent, path, topic)
    return sent


def _wait(futures: list[Any]) -> None:
    for future in futures:
        future.get(timeout=60)
    futures.clear()
