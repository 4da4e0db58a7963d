"""Scale-out: full-pipeline workers (ingest, score, state) of one consumer group on an embedded
broker; events/s with one worker vs two, and the pause in the output that a rebalance costs.

Throughput: N raw stories (the bundled sample, then copies under new ids) are in `news.raw`
before any worker starts; each run is a fresh group (own app id and output topics) of 1 or 2
workers started together, timed from its first to its last signal's Kafka timestamp (start-up,
the model load and the first group join do not count; a second worker joining late does, as the
rebalance it causes). Events/s counts (story, ticker) signals, distinct: the state's events.

Rebalance pause: one worker consumes a steady stream (a fraction of its measured throughput);
then a second worker of the group starts (join) and, once ready and settled, is stopped with
SIGTERM (leave). The pause is the longest gap between consecutive signal timestamps in the
window of each event (join: from the second worker's start to 20 s after it is ready; leave:
20 s from the SIGTERM), next to the longest gap in a quiet window before the join.

    python benchmarks/bench_scaleout.py [--stories 3000] [--rate-fraction 0.4] [--partitions 4]

The workers share this machine's cores: on a small machine two workers do not have twice the
CPU, so the ratio shows what the rebalance and the second process cost, not real scale-out.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import orjson
from bench_state import _free_port, topic_partitions
from kafka import KafkaConsumer, KafkaProducer

from streams.broker import EmbeddedBroker
from streams.cli.replay import read_records
from streams.kafka.admin import ensure_topics

SAMPLE = Path(__file__).resolve().parent.parent / "streams" / "sample" / "benzinga_headlines.csv"
TOPIC_KEYS = ("RAW", "DEADLETTER", "NORMALIZED", "SCORED", "SIGNALS", "ALERTS", "LATEST")
STAGES = "ingest,score,state"


def stories(n: int, tag: str) -> list[tuple[bytes, bytes, int]]:
    """n distinct raw stories `(key, value, tickers)`: the sample's, then copies under new ids
    (`tag` keeps ids of different streams apart, so no dedupe table drops them)."""
    base: dict[str, dict] = {}
    for record in read_records(SAMPLE):
        story = orjson.loads(record.value)
        base.setdefault(story["id"], story)
    order = random.Random(0).sample(list(base.values()), len(base))
    out = []
    for i in range(n):
        story = dict(order[i % len(order)])
        story["id"] = f"{story['id']}-{tag}-{i}"
        out.append((story["id"].encode(), orjson.dumps(story), len(story["tickers"])))
    return out


@dataclass
class Worker:
    """One `tickertone worker` child process; its log says when it is ready."""

    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "streams", "worker"], env=self.env,
                                         stdout=out, stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, timeout: float = 240.0) -> float:
        """Block until the worker logs Faust's "Ready"; returns the wall time it did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None and self.proc.poll() is None, self.log.read_text()[-3000:]
            if "[^Worker]: Ready" in self.log.read_text(errors="replace"):
                return time.time()
            time.sleep(0.2)
        raise TimeoutError(f"worker not ready:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(120)


def group_env(bootstrap: str, prefix: str, raw: str, partitions: int) -> dict[str, str]:
    """Environment of a worker of group `prefix`: its own output topics, the shared raw topic."""
    return {
        **os.environ,
        **{f"TICKERTONE_TOPICS__{key}": f"{prefix}{key.lower()}" for key in TOPIC_KEYS},
        "TICKERTONE_TOPICS__RAW": raw, "TICKERTONE_TOPICS__PARTITIONS": str(partitions),
        "TICKERTONE_BROKER": f"kafka://{bootstrap}", "TICKERTONE_APP_ID": f"{prefix}app",
        "TICKERTONE_STAGES": STAGES, "TICKERTONE_METRICS__PORT": "0", "TICKERTONE_HTTP__PORT": "0",
    }


def produce(bootstrap: str, topic: str, messages: list[tuple[bytes, bytes, int]], rate: float | None = None,
            stop: threading.Event | None = None, sent: list[int] | None = None) -> None:
    """Send the stories (at up to `rate` per second, until `stop` is set) and wait for every
    acknowledgement; `sent` gets the number of signals the sent stories make."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20)
    started = time.monotonic()
    signals = 0
    for i, (key, value, tickers) in enumerate(messages):
        if stop is not None and stop.is_set():
            break
        if rate:
            time.sleep(max(0.0, started + i / rate - time.monotonic()))
        producer.send(topic, key=key, value=value)
        signals += tickers
    producer.flush()
    producer.close()
    if sent is not None:
        sent.append(signals)


def signal_stamps(bootstrap: str, topic: str, expected: int, timeout: float) -> list[tuple[int, int]]:
    """(timestamp ms, partition) of the first copy of each distinct (story, ticker) signal in
    `topic`, once all `expected` are there."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    deadline = time.monotonic() + timeout
    parts = topic_partitions(consumer, topic, deadline)
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    seen: dict[tuple[str, str], tuple[int, int]] = {}
    while len(seen) < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{topic}: {len(seen)} of {expected} signals after {timeout:.0f} s")
        for records in consumer.poll(timeout_ms=500).values():
            for r in records:
                signal = orjson.loads(r.value)
                seen.setdefault((signal["news_id"], signal["ticker"]), (r.timestamp, r.partition))
    consumer.close()
    return sorted(seen.values())


def throughput(bootstrap: str, raw: str, batch: list[tuple[bytes, bytes, int]], n_workers: int,
               partitions: int, work: Path) -> float:
    """Signals/s of a fresh group of `n_workers` over the pre-filled raw topic."""
    prefix = f"tp{n_workers}-{int(time.time())}-"
    env = group_env(bootstrap, prefix, raw, partitions)
    workers = [Worker({**env, "TICKERTONE_DATA_DIR": str(work / prefix / f"w{i}")}, work / prefix / f"w{i}.log")
               for i in range(n_workers)]
    try:
        for worker in workers:
            worker.start()
        stamps = [t for t, _ in signal_stamps(bootstrap, f"{prefix}signals", sum(n for *_, n in batch), timeout=1800)]
    finally:
        for worker in workers:
            worker.stop()
    return len(stamps) / ((stamps[-1] - stamps[0]) / 1000.0)


def longest_gap(stamps: list[tuple[int, int]], start_ms: float, end_ms: float) -> tuple[float, float]:
    """(longest gap between consecutive signals overall, longest within one partition), in
    seconds, over the signals stamped in [start_ms, end_ms]."""
    inside = [(t, p) for t, p in stamps if start_ms <= t <= end_ms]
    overall = max((b - a for (a, _), (b, _) in zip(inside, inside[1:], strict=False)), default=0)
    per_partition = 0
    for partition in {p for _, p in inside}:
        times = [t for t, p in inside if p == partition]
        per_partition = max([per_partition] + [b - a for a, b in zip(times, times[1:], strict=False)])
    return overall / 1000.0, per_partition / 1000.0


def rebalance_pauses(bootstrap: str, partitions: int, rate: float, work: Path) -> dict[str, tuple[float, float]]:
    """Longest output gaps (overall, per partition) in a quiet window, around a join and a leave."""
    prefix = f"rb-{int(time.time())}-"
    raw = f"{prefix}raw"
    ensure_topics(bootstrap, [raw], partitions)
    env = group_env(bootstrap, prefix, raw, partitions)
    first = Worker({**env, "TICKERTONE_DATA_DIR": str(work / prefix / "w0")}, work / prefix / "w0.log")
    second = Worker({**env, "TICKERTONE_DATA_DIR": str(work / prefix / "w1")}, work / prefix / "w1.log")
    quiet_s, settle_s = 20.0, 20.0
    stream = stories(int(rate * 900), "rb")  # more than enough: the sender stops after the leave
    stop, sent = threading.Event(), []
    sender = threading.Thread(target=produce, args=(bootstrap, raw, stream, rate, stop, sent))
    try:
        first.start().wait_ready()
        began = time.time()
        sender.start()
        time.sleep(quiet_s)
        joined = time.time()
        second.start()
        ready = second.wait_ready()
        time.sleep(settle_s)
        left = time.time()
        second.stop()
        time.sleep(settle_s + 2)
        stop.set()
        sender.join()
        stamps = signal_stamps(bootstrap, f"{prefix}signals", sent[0], timeout=900)
    finally:
        stop.set()
        second.stop()
        first.stop()
    ms = 1000.0
    return {
        "quiet (one worker, no rebalance)": longest_gap(stamps, (began + 5) * ms, joined * ms),
        f"join (start to ready +{settle_s:.0f} s)": longest_gap(stamps, joined * ms, (ready + settle_s) * ms),
        f"leave (SIGTERM +{settle_s:.0f} s)": longest_gap(stamps, left * ms, (left + settle_s) * ms),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=3_000)
    parser.add_argument("--rate-fraction", type=float, default=0.4,
                        help="steady stream for the pause, as a fraction of one worker's events/s")
    parser.add_argument("--partitions", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        broker = EmbeddedBroker(work / "kafka", port=_free_port())
        bootstrap = broker.start()
        try:
            raw = f"bench-raw-{int(time.time())}"
            ensure_topics(bootstrap, [raw], args.partitions)
            batch = stories(args.stories, "tp")
            produce(bootstrap, raw, batch)
            one = throughput(bootstrap, raw, batch, 1, args.partitions, work)
            two = throughput(bootstrap, raw, batch, 2, args.partitions, work)
            signals_per_story = sum(n for *_, n in batch) / len(batch)
            rate = args.rate_fraction * one / signals_per_story  # stories/s
            pauses = rebalance_pauses(bootstrap, args.partitions, rate, work)
        finally:
            broker.stop()
    print(f"{args.stories:,} stories ({sum(n for *_, n in batch):,} signals), {args.partitions} partitions, "
          f"stages {STAGES}, {os.cpu_count()} CPUs")
    print("| workers | events/s |\n|---|---:|")
    print(f"| 1 | {one:,.0f} |\n| 2 | {two:,.0f} |")
    print(f"ratio 2/1: {two / one:.2f}")
    print(f"\nsteady stream {rate:.0f} stories/s; longest gap between signals:")
    print("| window | overall | one partition |\n|---|---:|---:|")
    for name, (overall, partition) in pauses.items():
        print(f"| {name} | {overall:.2f} s | {partition:.2f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
