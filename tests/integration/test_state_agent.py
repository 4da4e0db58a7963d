"""The state agent on the real broker equals the pure reference, and survives SIGKILLs.

ScoredNews go straight into the scored topic (a worker with only the state stage), so these
tests need no model. Per-ticker order is kept by Kafka (same key, same partition), so the
reference applies the same stories in the same order per ticker.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

from aiokafka.partitioner import murmur2
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from rocksdict import AccessType, Rdict

from schemas import Alert, DeadLetter, ScoredNews, TickerSignal, decode, dumps
from streams.cli.tail import iter_messages
from streams.kafka.commit import EXIT_UNDELIVERED
from streams.settings import Settings, StateSettings
from streams.stages.state.fold import state_event
from support.checks import assert_close, assert_state_exact
from support.kafka import produce
from support.reference import reference_signals
from support.stories import scored_stories
from support.worker import WorkerProcess, wait_until


def _keyed(stories: list[ScoredNews]) -> list[tuple[bytes, bytes]]:
    return [(story.ticker.encode(), dumps(story)) for story in stories]


def test_signals_equal_the_reference(kafka_bootstrap: str, unique_prefix: str, tmp_path: Path) -> None:
    stories = scored_stories(1500, seed=1)
    redelivered = stories[100:160]  # a feed sending some stories again: no signal, no double count
    garbage = [b"not json", b'{"id": "x", "ticker": "T00"}', dumps(stories[5]).replace(b'"score":', b'"score":1e999,"x":')]
    with WorkerProcess(kafka_bootstrap, unique_prefix, tmp_path, stages="state") as worker:
        worker.wait_ready()
        produce(kafka_bootstrap, worker.topic("scored"), _keyed(stories + redelivered))
        produce(kafka_bootstrap, worker.topic("scored"), [(b"T00", value) for value in garbage])
        out = list(iter_messages(kafka_bootstrap, worker.topic("signals"), True, len(stories) + 1, timeout=30))
        alerts = list(iter_messages(kafka_bootstrap, worker.topic("alerts"), True, None, timeout=5))
        letters = list(iter_messages(kafka_bootstrap, worker.topic("deadletter"), True, len(garbage) + 1, timeout=10))
        assert worker.alive(), worker.log_tail()

    # Unusable messages on the internal topic are dead-lettered; the agent keeps going.
    assert sorted(decode(DeadLetter, v).original_bytes() for v in letters) == sorted(garbage)

    signals = [decode(TickerSignal, value) for value in out]
    # A batch is folded in (published_at, id) order, so the reference follows the order the
    # signals came out in (per ticker, the order of its topic partition).
    by_key = {(s.ticker, s.id): s for s in stories}
    processed = [by_key[(signal.ticker, signal.news_id)] for signal in signals]
    reference = reference_signals([state_event(s) for s in processed], StateSettings())
    assert len(signals) == len(reference) == len(stories)
    want = {(event.ticker, event.news_id): values for event, values in reference}
    for signal in signals:
        assert_close(signal, want[(signal.ticker, signal.news_id)])
    decoded_alerts = [decode(Alert, value) for value in alerts]
    assert decoded_alerts, "a month of stories with scores down to -1.5 must raise negative alerts"
    assert all(a.direction == "negative" for a in decoded_alerts)
    by_id = {s.id: s for s in stories}
    for alert in decoded_alerts:  # the story that raised it is bad news for that very ticker
        trigger = by_id[alert.news_ids[0]]
        assert trigger.ticker == alert.ticker and trigger.score <= 0


def _signals_through_kills(worker: WorkerProcess, stories: list[ScoredNews], kills: int, seed: int) -> list[TickerSignal]:
    """Feed `stories` to a ready worker while SIGKILLing and restarting it `kills` times; the
    signals it wrote, once it has neither crashed an agent nor skipped an offset."""
    feeder = threading.Thread(target=produce, args=(worker.bootstrap, worker.topic("scored"), _keyed(stories), 500.0))
    feeder.start()
    try:
        worker.kill_repeatedly(kills, seed=seed)
        feeder.join()
        out = list(iter_messages(worker.bootstrap, worker.topic("signals"), True, None, timeout=30))
        assert worker.alive(), worker.log_tail()
        assert not worker.agent_crashes(), worker.agent_crashes()[:3]  # Faust restarts past the batch
        assert not worker.skipped_offsets(), worker.skipped_offsets()[:3]  # streams/kafka/compat/consumer.py
    finally:
        feeder.join()
        worker.stop()
    return [decode(TickerSignal, value) for value in out]


def _assert_each_story_once(stories: list[ScoredNews], signals: list[TickerSignal]) -> None:
    assert {s.news_id for s in signals} == {s.id for s in stories}  # none lost
    assert_state_exact(stories, signals, Counter(s.ticker for s in stories))  # none counted twice


def test_killed_worker_resumes_to_the_reference_state(kafka_bootstrap: str, unique_prefix: str, tmp_path: Path) -> None:
    stories = scored_stories(4000, seed=2)
    worker = WorkerProcess(kafka_bootstrap, unique_prefix, tmp_path, stages="state").start().wait_ready()
    _assert_each_story_once(stories, _signals_through_kills(worker, stories, kills=3, seed=5))


def test_signals_kafka_refuses_end_the_worker_and_are_redone(kafka_bootstrap: str, unique_prefix: str, tmp_path: Path) -> None:
    """aiokafka's flush does not raise when Kafka refuses a batch; going on would record the
    stories as seen and commit them without their signals. The worker exits instead, and once
    the topic takes the signals a restarted worker redoes the batch: none lost, none twice."""
    stories = scored_stories(300, seed=3)
    worker = WorkerProcess(kafka_bootstrap, unique_prefix, tmp_path, stages="state")
    signals_topic = worker.topic("signals")
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        # Every signal is larger than this: the broker answers MESSAGE_TOO_LARGE, not retriable.
        admin.create_topics([NewTopic(signals_topic, 4, 1, topic_configs={"max.message.bytes": "200"})])
        worker.start().wait_ready()
        produce(kafka_bootstrap, worker.topic("scored"), _keyed(stories))
        assert wait_until(lambda: not worker.alive(), 60), worker.log_tail()
        assert worker.proc is not None and worker.proc.returncode == EXIT_UNDELIVERED, worker.log_tail()
        assert "Kafka did not take" in worker.log_tail()

        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, signals_topic, configs={"max.message.bytes": "1048588"})])
        worker.start().wait_ready()
        out = list(iter_messages(kafka_bootstrap, signals_topic, True, len(stories) + 1, timeout=30))
        assert worker.alive(), worker.log_tail()
    finally:
        worker.stop()
        admin.close()

    signals = [decode(TickerSignal, value) for value in out]
    assert sorted(s.news_id for s in signals) == sorted(s.id for s in stories)  # each story once
    assert_state_exact(stories, signals, Counter(s.ticker for s in stories))


def test_rocksdb_store_files_keys_by_partition_and_resumes_to_the_reference(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    """The RocksDB store (streams/kafka/compat/stores.py) through a SIGKILL: every story once, the state
    exact, and each ticker's state in the database of its own partition."""
    stories = scored_stories(2000, seed=6)
    worker = WorkerProcess(kafka_bootstrap, unique_prefix, tmp_path, stages="state", TICKERTONE_STATE__STORE="rocksdb://")
    _assert_each_story_once(stories, _signals_through_kills(worker.start().wait_ready(), stories, kills=1, seed=7))
    partitions = Settings().topics.partitions
    filed: list[tuple[bytes, int]] = []  # a list, not a dict: a key filed twice must show
    for path in (tmp_path / "state").rglob("ticker-state-v3-*.db"):
        db = Rdict(str(path), access_type=AccessType.read_only())
        partition = int(path.name.removesuffix(".db").rsplit("-", 1)[1])
        filed += [(key, partition) for key in db.keys() if not key.startswith(b"__faust")]
        db.close()
    assert sorted(key for key, _ in filed) == sorted({s.ticker.encode() for s in stories})  # each once
    assert all(partition == (murmur2(key) & 0x7FFFFFFF) % partitions for key, partition in filed)
