"""The state agent on the real broker equals the pure reference, and survives SIGKILLs.

ScoredNews go straight into the scored topic (a worker with only the state stage), so these
tests need no model. Per-ticker order is kept by Kafka (same key, same partition), so the
reference applies the same stories in the same order per ticker.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from kafka import KafkaProducer

from schemas import Alert, DeadLetter, ScoredNews, TickerSignal, decode, dumps
from streams.config import StateSettings
from streams.exchange_time import stamp
from streams.signals import state_event
from streams.state import SignalValues, reference_final, reference_signals
from streams.tail import iter_messages
from support.worker import WorkerProcess

TICKERS = [f"T{i:02d}" for i in range(24)]
START = datetime(2024, 3, 4, 13, 0, tzinfo=timezone.utc)


def _stories(n: int, seed: int) -> list[ScoredNews]:
    """n scored stories over ~4 weeks; one in ten arrives late (published before its predecessor)."""
    rng = random.Random(seed)
    out = []
    t = START
    for i in range(n):
        t += timedelta(seconds=rng.expovariate(1 / 600))
        published = t - timedelta(seconds=rng.uniform(0, 7200)) if rng.random() < 0.1 else t
        when = stamp(published, "XNYS")
        out.append(
            ScoredNews(
                id=f"s{seed}-{i}",
                ticker=rng.choice(TICKERS),
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
                ingested_at=datetime.now(timezone.utc),
            )
        )
    return out


def _produce(bootstrap: str, topic: str, stories: list[ScoredNews], rate: float | None = None) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    started = time.monotonic()
    for i, story in enumerate(stories):
        if rate:
            delay = started + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        producer.send(topic, key=story.ticker.encode(), value=dumps(story))
    producer.flush()
    producer.close()


def _produce_raw(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for value in values:
        producer.send(topic, key=b"T00", value=value)
    producer.flush()
    producer.close()


def _assert_close(got: TickerSignal, want: SignalValues) -> None:
    for name in ("score_fast", "score_slow", "exposure", "buzz", "zscore", "linear_window_score"):
        g, w = getattr(got, name), getattr(want, name)
        assert abs(g - w) <= 1e-9 * max(1.0, abs(w)), (got.ticker, got.news_id, name, g, w)
    assert got.n_events == want.n_events


def test_signals_equal_the_reference(kafka_bootstrap: str, unique_prefix: str, tmp_path: Path) -> None:
    stories = _stories(1500, seed=1)
    redelivered = stories[100:160]  # a feed sending some stories again: no signal, no double count
    garbage = [b"not json", b'{"id": "x", "ticker": "T00"}', dumps(stories[5]).replace(b'"score":', b'"score":1e999,"x":')]
    with WorkerProcess(kafka_bootstrap, unique_prefix, tmp_path, stages="state") as worker:
        worker.wait_ready()
        _produce(kafka_bootstrap, worker.topic("scored"), stories + redelivered)
        _produce_raw(kafka_bootstrap, worker.topic("scored"), garbage)
        out = list(iter_messages(kafka_bootstrap, worker.topic("signals"), True, len(stories) + 1, timeout=30))
        alerts = list(iter_messages(kafka_bootstrap, worker.topic("alerts"), True, None, timeout=5))
        letters = list(iter_messages(kafka_bootstrap, worker.topic("deadletter"), True, len(garbage) + 1, timeout=10))
        assert worker.alive(), worker.log_tail()

    # Unusable messages on the internal topic are dead-lettered; the agent keeps going.
    assert sorted(decode(DeadLetter, v).original_bytes() for v in letters) == sorted(garbage)

    signals = [decode(TickerSignal, value) for value in out]
    reference = reference_signals([state_event(s) for s in stories], StateSettings())
    assert len(signals) == len(reference) == len(stories)
    want = {(event.ticker, event.news_id): values for event, values in reference}
    for signal in signals:
        _assert_close(signal, want[(signal.ticker, signal.news_id)])
    decoded_alerts = [decode(Alert, value) for value in alerts]
    assert decoded_alerts, "a month of stories with scores down to -1.5 must raise negative alerts"
    assert all(a.direction == "negative" for a in decoded_alerts)
    by_id = {s.id: s for s in stories}
    for alert in decoded_alerts:  # the story that raised it is bad news for that very ticker
        trigger = by_id[alert.news_ids[0]]
        assert trigger.ticker == alert.ticker and trigger.score <= 0


def test_killed_worker_resumes_to_the_reference_state(kafka_bootstrap: str, unique_prefix: str, tmp_path: Path) -> None:
    stories = _stories(4000, seed=2)
    worker = WorkerProcess(kafka_bootstrap, unique_prefix, tmp_path, stages="state").start().wait_ready()
    feeder = threading.Thread(target=_produce, args=(kafka_bootstrap, worker.topic("scored"), stories, 500.0))
    feeder.start()
    try:
        worker.kill_repeatedly(3, seed=5)
        feeder.join()
        out = list(iter_messages(kafka_bootstrap, worker.topic("signals"), True, None, timeout=30))
        assert worker.alive(), worker.log_tail()
    finally:
        feeder.join()
        worker.stop()

    signals = [decode(TickerSignal, value) for value in out]
    assert {s.news_id for s in signals} == {s.id for s in stories}  # none lost
    last: dict[str, TickerSignal] = {}
    for signal in signals:  # topic order per ticker = processing order
        last[signal.ticker] = signal
    final = reference_final([state_event(s) for s in stories], StateSettings())
    assert last.keys() == final.keys()
    for ticker, values in final.items():
        _assert_close(last[ticker], values)  # n_events equal: no story counted twice
