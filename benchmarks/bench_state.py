"""State stage throughput: the Faust state agent vs a plain aiokafka loop, same math, one run.

Both read the same pre-filled topic of N ScoredNews (each with its own consumer group) and
write one TickerSignal per story through `streams.stages.state.fold.fold_batch`. Throughput is taken from
the output records' Kafka timestamps: N / (last - first), so start-up and group joins do not
count. The Faust run is the real worker (`tickertone worker`, stages=state: changelogged table,
outputs-before-state flushes); the plain loop keeps its state in a dict (no changelog, no
recovery): it is the ceiling, not an equal. The second plain row adds the Faust agent's
changelog writes (each touched ticker's state once per batch, after the signals are acknowledged,
before the commit), no restore: what a state consumer without Faust would pay. The last row is an
empty agent in an app with the worker's consumer and monitor (`faust_floor.py`: same
`take_events` batches, no work), timed inside the agent: what the worker's per-message machinery
alone allows here.

    python benchmarks/bench_state.py [--events 50000] [--tickers 200] [--bootstrap HOST:PORT]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from schemas import Phase, ScoredNews, dumps
from streams.broker import EmbeddedBroker
from streams.kafka.admin import ensure_topics
from streams.settings import AlertSettings, StateSettings
from streams.stages.state import TickerState, to_dict
from streams.stages.state.fold import fold_batch


def scored_stories(n: int, tickers: int, seed: int = 1) -> list[ScoredNews]:
    """n ScoredNews over `tickers` symbols, one every ~30 s of event time, some late."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 2, 14, 30, tzinfo=UTC)
    now = datetime.now(UTC)
    out = []
    for i in range(n):
        published = start + timedelta(seconds=30 * i - (rng.uniform(0, 3600) if rng.random() < 0.1 else 0))
        out.append(
            ScoredNews(
                id=f"bench-{i}", ticker=f"T{rng.randrange(tickers):04d}", published_at_utc=published,
                session=published.date(), phase=Phase.REGULAR, score=rng.uniform(-1.5, 0.5),
                confidence=rng.random(), n_sentences=1, weight=1.0, headline=f"headline {i}",
                source="bench", model="bench", ingested_at=now,
            )
        )
    return out


def fill(bootstrap: str, topic: str, stories: list[ScoredNews]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20, batch_size=512 * 1024)
    for story in stories:
        producer.send(topic, key=story.ticker.encode(), value=dumps(story))
    producer.flush()
    producer.close()


def topic_partitions(consumer: KafkaConsumer, topic: str, deadline: float) -> list[TopicPartition]:
    """The partitions of `topic`, once the broker knows it (TimeoutError past `deadline`, a
    `time.monotonic()` value)."""
    while not consumer.partitions_for_topic(topic):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no topic {topic}")
        time.sleep(0.5)
        consumer.topics()  # refreshes the consumer's metadata
    return [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]


def output_rate(bootstrap: str, topic: str, n: int, timeout: float) -> float:
    """Records/s of `topic` once it holds n records, from their first and last timestamps."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    deadline = time.monotonic() + timeout
    parts = topic_partitions(consumer, topic, deadline)
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    stamps: list[int] = []
    while len(stamps) < n:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{topic}: {len(stamps)} of {n} records after {timeout:.0f} s")
        for records in consumer.poll(timeout_ms=500).values():
            stamps.extend(r.timestamp for r in records)
    consumer.close()
    return n / ((max(stamps) - min(stamps)) / 1000.0)


def run_faust(bootstrap: str, source: str, n: int, work: Path) -> float:
    sink = source + "-faust-signals"
    env = {
        **os.environ, "TICKERTONE_BROKER": f"kafka://{bootstrap}", "TICKERTONE_STAGES": "state",
        "TICKERTONE_TOPICS__SCORED": source, "TICKERTONE_TOPICS__SIGNALS": sink,
        "TICKERTONE_TOPICS__ALERTS": source + "-faust-alerts", "TICKERTONE_APP_ID": source + "-faust",
        "TICKERTONE_DATA_DIR": str(work / "faust"), "TICKERTONE_METRICS__PORT": "0",
    }
    with (work / "faust.log").open("wb") as log:
        worker = subprocess.Popen([sys.executable, "-m", "streams", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            return output_rate(bootstrap, sink, n, timeout=600)
        finally:
            worker.terminate()
            worker.wait(60)


def run_faust_floor(bootstrap: str, source: str, n: int) -> float:
    script = Path(__file__).with_name("faust_floor.py")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(script.parent.parent), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, str(script), bootstrap, source, str(n)], env=env,
                          capture_output=True, text=True, timeout=600)
    rate = re.search(r"RATE (\d+)", done.stdout + done.stderr)  # Faust routes print() to its log
    if rate is None:
        raise RuntimeError(f"faust_floor.py gave no rate:\n{done.stdout}\n{done.stderr}")
    return float(rate.group(1))


async def _plain(bootstrap: str, source: str, sink: str, n: int, changelog: str | None) -> None:
    """The plain loop; with `changelog`, it also writes each touched ticker's state there once
    per batch (to_dict + orjson, the source's partition), after the signals are acknowledged
    and before the offsets are committed: the Faust agent's write order, without a restore."""
    consumer = AIOKafkaConsumer(
        source, bootstrap_servers=bootstrap, group_id=sink,
        auto_offset_reset="earliest", enable_auto_commit=False, max_poll_records=1000,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks="all")
    await consumer.start()
    await producer.start()
    states: dict[bytes, TickerState] = {}
    state_cfg, alert_cfg = StateSettings(), AlertSettings()
    done = 0
    try:
        while done < n:
            batches = await consumer.getmany(timeout_ms=200, max_records=1000)
            touched: list[tuple[int, dict[bytes, TickerState]]] = []
            for tp, records in batches.items():
                out = fold_batch((r.value for r in records), lambda k: states.get(k, TickerState()),
                                 state_cfg, alert_cfg, datetime.now(UTC))
                states.update(out.states)
                touched.append((tp.partition, out.states))
                for key, value in out.signals:
                    await producer.send(sink, key=key, value=value)
                done += len(records)
            await producer.flush()
            if changelog:
                for partition, written in touched:
                    for key, state in written.items():
                        await producer.send(changelog, key=key, value=orjson.dumps(to_dict(state)), partition=partition)
                await producer.flush()
            await consumer.commit()
    finally:
        await consumer.stop()
        await producer.stop()


def run_plain(bootstrap: str, source: str, n: int, changelog: bool) -> float:
    sink = source + ("-plain-changelog-signals" if changelog else "-plain-signals")
    log = sink + "-state-changelog" if changelog else None
    ensure_topics(bootstrap, [sink] + ([log] if log else []))
    asyncio.run(_plain(bootstrap, source, sink, n, log))
    return output_rate(bootstrap, sink, n, timeout=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--tickers", type=int, default=200)
    parser.add_argument("--bootstrap", help="an existing broker (default: start an embedded one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        broker = None if args.bootstrap else EmbeddedBroker(work / "kafka", port=_free_port())
        bootstrap = args.bootstrap or broker.start()
        try:
            source = f"bench-scored-{int(time.time())}"
            ensure_topics(bootstrap, [source])
            fill(bootstrap, source, scored_stories(args.events, args.tickers))
            plain = run_plain(bootstrap, source, args.events, changelog=False)
            plain_log = run_plain(bootstrap, source, args.events, changelog=True)
            faust = run_faust(bootstrap, source, args.events, work)
            floor = run_faust_floor(bootstrap, source, args.events)
        finally:
            if broker:
                broker.stop()
    print(f"| engine | events/s |\n|---|---:|\n| plain aiokafka loop (no changelog) | {plain:,.0f} |")
    print(f"| plain aiokafka loop + changelog writes | {plain_log:,.0f} |")
    print(f"| Faust state agent (tickertone worker) | {faust:,.0f} |")
    print(f"| empty Faust agent (worker's consumer, take_events, no work) | {floor:,.0f} |")
    print(f"ratio Faust/plain: {faust / plain:.2f}; Faust state agent / empty Faust agent: {faust / floor:.2f}; "
          f"plain with changelog / plain: {plain_log / plain:.2f}")
    return 0


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    sys.exit(main())
