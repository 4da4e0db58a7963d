"""Resident memory of a state-stage worker as the tickers it holds grow to 10,000.

A real worker (`tickertone worker`, stages=state, memory store) reads ScoredNews from an
embedded broker in `--steps` phases; phase k brings `--tickers / steps` new tickers with
`--stories` stories each (every story of a ticker in one session, ids like a feed's UUIDs).
After each phase, once every signal is out, the worker's VmRSS is read from /proc. The slope
(bytes per ticker) and the largest state record (what the table holds per ticker) are printed.

    .venv/bin/python benchmarks/bench_worker_rss.py [--tickers 10000] [--stories 20] [--steps 4]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_state import _free_port, fill
from kafka import KafkaConsumer, TopicPartition

from schemas import Phase, ScoredNews
from streams.broker import EmbeddedBroker
from streams.kafka.admin import ensure_topics


def stories(first_ticker: int, tickers: int, per_ticker: int) -> list[ScoredNews]:
    start, now = datetime(2026, 3, 2, 14, 30, tzinfo=UTC), datetime.now(UTC)
    out = []
    for j in range(per_ticker):
        for t in range(first_ticker, first_ticker + tickers):
            published = start + timedelta(seconds=60 * j)
            out.append(ScoredNews(
                id=str(uuid.uuid4()), ticker=f"T{t:05d}", published_at_utc=published, session=published.date(),
                phase=Phase.REGULAR, score=((t * 7 + j) % 11 - 5) / 5, confidence=0.9, n_sentences=1, weight=1.0,
                headline=f"Company T{t:05d} story {j} with a headline of a typical length for a wire", source="bench",
                model="bench", ingested_at=now,
            ))
    return out


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def wait_for(consumer: KafkaConsumer, topic: str, total: int, timeout: float) -> None:
    """Block until `topic` holds `total` records (end offsets summed)."""
    deadline = time.monotonic() + timeout
    while True:
        parts = consumer.partitions_for_topic(topic) or set()
        ends = consumer.end_offsets([TopicPartition(topic, p) for p in parts]) if parts else {}
        if sum(ends.values()) >= total:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{topic}: {sum(ends.values())} of {total} records")
        time.sleep(1.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tickers", type=int, default=10_000)
    parser.add_argument("--stories", type=int, default=20)
    parser.add_argument("--steps", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        broker = EmbeddedBroker(work / "kafka", port=_free_port())
        bootstrap = broker.start()
        source = f"rss-scored-{int(time.time())}"
        sink = source + "-signals"
        ensure_topics(bootstrap, [source])
        env = {
            **os.environ, "TICKERTONE_BROKER": f"kafka://{bootstrap}", "TICKERTONE_STAGES": "state",
            "TICKERTONE_TOPICS__SCORED": source, "TICKERTONE_TOPICS__SIGNALS": sink,
            "TICKERTONE_TOPICS__ALERTS": source + "-alerts", "TICKERTONE_TOPICS__LATEST": source + "-latest",
            "TICKERTONE_APP_ID": source + "-app", "TICKERTONE_DATA_DIR": str(work / "state"),
            "TICKERTONE_METRICS__PORT": "0", "TICKERTONE_HTTP__PORT": "0",
        }
        log = (work / "worker.log").open("wb")
        worker = subprocess.Popen([sys.executable, "-m", "streams", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
        consumer = KafkaConsumer(bootstrap_servers=bootstrap)
        rows = []
        try:
            while "Ready" not in (work / "worker.log").read_text(errors="replace"):
                if worker.poll() is not None:
                    raise RuntimeError((work / "worker.log").read_text(errors="replace")[-3000:])
                time.sleep(0.5)
            time.sleep(2.0)
            rows.append((0, rss_mib(worker.pid)))
            step = args.tickers // args.steps
            sent = 0
            for k in range(args.steps):
                batch = stories(k * step, step, args.stories)
                fill(bootstrap, source, batch)
                sent += len(batch)
                wait_for(consumer, sink, sent, timeout=900)
                time.sleep(2.0)  # the batch's table writes follow its signals
                rows.append(((k + 1) * step, rss_mib(worker.pid)))
        finally:
            consumer.close()
            worker.terminate()
            worker.wait(60)
            broker.stop()
    print(f"state-stage worker, {args.stories} stories per ticker")
    print("| tickers held | worker RSS |\n|---:|---:|")
    for tickers, rss in rows:
        print(f"| {tickers:,} | {rss:,.0f} MiB |")
    slope = (rows[-1][1] - rows[1][1]) * 2**20 / (rows[-1][0] - rows[1][0])
    print(f"slope: {slope / 1024:.1f} KiB per ticker")
    return 0


if __name__ == "__main__":
    sys.exit(main())
