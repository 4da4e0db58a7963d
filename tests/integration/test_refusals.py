"""Issue #22 on the real broker: one commit protocol for every stage, records sized for their
topics, and any unexpected error ends the worker with 75 (streams/kafka/commit.py).

- Each stage whose output topic refuses a record (its `max.message.bytes` lowered while the
  worker runs, below every record) exits 75 before its offsets are committed; once the topic
  takes the records again, a restarted worker redoes the batch: none lost.
- A dead letter larger than the dead-letter topic takes is cut to fit and flagged.
- A story whose normalised form news.valid cannot take is dead-lettered `too_large`.
- A state value that does not decode (an unexpected exception in the state agent) exits 75, and
  the batch is redone once the value is gone.
- A poisoned ScoredNews (finite score, weight 1e308) is dead-lettered; the ticker's state stays
  usable, also after a restart.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import orjson
import pytest
from aiokafka.partitioner import murmur2
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic

from schemas import DeadLetter, NormalizedNews, ScoredNews, TickerSignal, decode, dumps
from streams.cli.tail import iter_messages
from streams.kafka.commit import EXIT_UNDELIVERED
from streams.kafka.state_agent import STATE_TABLE
from streams.stages.state import TickerState, to_dict
from support.kafka import produce
from support.stories import news_messages, scored_stories
from support.worker import WorkerProcess, wait_until

TAKES_ALL = "1048588"  # Kafka's default max.message.bytes


def _set_max_bytes(admin: KafkaAdminClient, topic: str, value: str) -> None:
    """Set `topic`'s max.message.bytes and wait until the broker reports it."""
    admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs={"max.message.bytes": value})])

    def applied() -> bool:
        resource = ConfigResource(ConfigResourceType.TOPIC, topic, configs=["max.message.bytes"])
        found = admin.describe_configs([resource], config_filter="all")["topic"][topic]
        return bool(found["max.message.bytes"]["value"] == value)

    assert wait_until(applied, 30)
    time.sleep(1.0)  # the log takes the new config from the broker's metadata


def _assert_exits_75(worker: WorkerProcess, marker: str) -> None:
    assert wait_until(lambda: not worker.alive(), 90), worker.log_tail()
    assert worker.proc is not None and worker.proc.returncode == EXIT_UNDELIVERED, worker.log_tail()
    assert marker in worker.log_tail(200)


def _read(bootstrap: str, topic: str, count: int | None, timeout: float) -> list[bytes]:
    return list(iter_messages(bootstrap, topic, True, count, timeout=timeout))


def _keyed(stories: list[ScoredNews]) -> list[tuple[bytes, bytes]]:
    return [(story.ticker.encode(), dumps(story)) for story in stories]


# (stages, output topic refused, input topic key, what the output carries)
STAGE_CASES = {
    "ingest": ("ingest", "valid", "raw"),
    "dedupe": ("ingest", "normalized", "raw"),
    "score": ("ingest,score", "tagged", "raw"),
    "novelty": ("state", "scored", "tagged"),
}


@pytest.mark.parametrize("stage", list(STAGE_CASES))
def test_a_stage_whose_output_kafka_refuses_exits_75_and_the_batch_is_redone(
    stage: str, kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    """Before #22, ingest and score sent with Faust's `topic.send`: a refused record was logged
    and its offset committed, the story lost. (The state stage: test_state_agent.py.)"""
    stages, refused, source = STAGE_CASES[stage]
    worker = WorkerProcess(kafka_bootstrap, unique_prefix, tmp_path, stages=stages)
    topic = {"valid": f"{worker.group}.news.valid", "tagged": worker.tagged_topic}.get(refused) or worker.topic(refused)
    if source == "raw":
        messages = news_messages(60)
        expected = Counter(key.decode() for key, _ in messages)
    else:
        stories = scored_stories(60, seed=9)
        messages = _keyed(stories)
        expected = Counter(story.id for story in stories)
    input_topic = worker.tagged_topic if source == "tagged" else worker.topic(source)
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        worker.start().wait_ready(timeout=180)
        # Lowered after the worker read its topics' limits: every record is now refused.
        _set_max_bytes(admin, topic, "200")
        produce(kafka_bootstrap, input_topic, messages)
        _assert_exits_75(worker, "Kafka did not take")

        _set_max_bytes(admin, topic, TAKES_ALL)
        worker.start().wait_ready(timeout=180)
        out = _read(kafka_bootstrap, topic, None, timeout=45)
        assert worker.alive(), worker.log_tail()
    finally:
        worker.stop()
        admin.close()

    if refused in ("valid", "normalized"):
        got = Counter(decode(NormalizedNews, value).id for value in out)
    else:
        got = Counter(decode(ScoredNews, value).id for value in out)
    assert set(got) == set(expected), set(expected) - set(got)  # none lost
    if refused == "normalized":  # dedupe records a story only once it is in Kafka: each once
        assert got == expected


def test_dead_letters_fit_their_topic_and_too_large_stories_are_dead_lettered(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    """A dead-letter topic of 100 kB and a news.valid of 60 kB (a 1 MiB cluster, scaled down): a
    1 MB message of control characters (a ~1.3 MB dead letter) is cut to fit and flagged, a
    valid 80 kB story is dead-lettered too_large; nothing is lost, the worker never stops."""
    good = news_messages(30)
    garbage = b"\x01" * 990_000  # not JSON; its letter is base64: about 1.3 MB
    story = orjson.loads(good[0][1]) | {"id": "big-story", "body": "word " * 16_000}  # 80 kB, valid
    big = orjson.dumps(story)
    worker = WorkerProcess(kafka_bootstrap, unique_prefix, tmp_path, stages="ingest")
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        admin.create_topics([
            NewTopic(worker.topic("deadletter"), 4, 1, topic_configs={"max.message.bytes": "100000"}),
            NewTopic(f"{worker.group}.news.valid", 4, 1, topic_configs={"max.message.bytes": "60000"}),
        ])
        worker.start().wait_ready()
        produce(kafka_bootstrap, worker.topic("raw"), [*good[:15], (b"garbage", garbage), (b"big-story", big), *good[15:]])
        normalized = _read(kafka_bootstrap, worker.topic("normalized"), len(good) + 1, timeout=30)
        letters = _read(kafka_bootstrap, worker.topic("deadletter"), 3, timeout=15)
        assert worker.alive(), worker.log_tail()
    finally:
        worker.stop()
        admin.close()

    assert sorted(decode(NormalizedNews, v).id for v in normalized) == sorted(k.decode() for k, _ in good)
    dead = {d.key: d for d in (decode(DeadLetter, v) for v in letters)}
    assert sorted(dead) == ["big-story", "garbage"]
    assert all(len(v) <= 100_000 for v in letters)
    cut = dead["garbage"]
    assert cut.reason == "not_json" and garbage.startswith(cut.original_bytes()) and len(cut.original_bytes()) > 50_000
    assert f"of {len(garbage)} bytes to fit the dead-letter topic" in cut.message
    too_large = dead["big-story"]
    assert too_large.reason == "too_large" and "normalised story takes" in too_large.message
    assert too_large.original_bytes() == big  # 80 kB fits the letter whole


def _changelog(worker: WorkerProcess) -> str:
    return f"{worker.group}-{STATE_TABLE}-changelog"


def test_an_unexpected_error_in_an_agent_exits_75_and_the_batch_is_redone(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    """A real trigger: the state table holds a value for T00 that does not decode (a foreign
    writer on the changelog, a bug of an earlier release). The state agent raises on the first
    batch that touches T00; Faust would ack that batch and restart the agent past it, losing
    every story in it. The worker exits 75 instead, and once the bad value is replaced, the
    restarted worker redoes the batch: every story's signal, none lost."""
    stories = scored_stories(200, seed=12)
    assert any(story.ticker == "T00" for story in stories)
    worker = WorkerProcess(kafka_bootstrap, unique_prefix, tmp_path, stages="state")
    changelog = _changelog(worker)
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    partition = (murmur2(b"T00") & 0x7FFFFFFF) % 4
    try:
        admin.create_topics([NewTopic(changelog, 4, 1, topic_configs={"cleanup.policy": "compact"})])
        sent = produce(kafka_bootstrap, changelog, [(b"T00", b"{not a state")])
        assert sent[0].partition == partition
        worker.start().wait_ready()
        produce(kafka_bootstrap, worker.topic("scored"), _keyed(stories))
        _assert_exits_75(worker, "unexpected error in")

        # The bad value replaced by an empty state (a tombstone would not do: Faust's memory store
        # keeps a value that a tombstone follows in the same recovery batch).
        produce(kafka_bootstrap, changelog, [(b"T00", orjson.dumps(to_dict(TickerState())))])
        worker.start().wait_ready()
        out = _read(kafka_bootstrap, worker.topic("signals"), None, timeout=30)
        assert worker.alive(), worker.log_tail()
    finally:
        worker.stop()
        admin.close()

    signals = [decode(TickerSignal, value) for value in out]
    assert {s.news_id for s in signals} == {s.id for s in stories}  # the refused batch was redone


def test_a_poisoned_scored_news_is_dead_lettered_and_the_state_stays_usable(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    """Two ScoredNews with a finite score and weight 1e308: each finite, but their sum overflows
    the ticker's decayed sums to inf, which the state's JSON writes as null; after a restart
    every batch touching the ticker would fail. They are refused at decode instead."""
    stories = scored_stories(120, seed=13)
    base = next(story for story in stories if story.ticker == "T00")
    poisoned = []
    for i in range(2):
        record = orjson.loads(dumps(base)) | {"id": f"poison-{i}", "score": -1.5, "weight": 1e308}
        poisoned.append((b"T00", orjson.dumps(record)))
    later = scored_stories(240, seed=13)[120:]  # the same tickers, later
    worker = WorkerProcess(kafka_bootstrap, unique_prefix, tmp_path, stages="state")
    try:
        worker.start().wait_ready()
        produce(kafka_bootstrap, worker.topic("scored"), _keyed(stories[:60]) + poisoned + _keyed(stories[60:]))
        first = _read(kafka_bootstrap, worker.topic("signals"), len(stories) + 1, timeout=30)
        letters = _read(kafka_bootstrap, worker.topic("deadletter"), len(poisoned) + 1, timeout=10)
        worker.stop()
        worker.start().wait_ready()  # the state comes back from its changelog
        produce(kafka_bootstrap, worker.topic("scored"), _keyed(later))
        out = _read(kafka_bootstrap, worker.topic("signals"), len(stories) + len(later) + 1, timeout=30)
        assert worker.alive(), worker.log_tail()
        assert not worker.agent_crashes(), worker.agent_crashes()[:3]
    finally:
        worker.stop()

    dead = [decode(DeadLetter, value) for value in letters]
    assert sorted(d.original_bytes() for d in dead) == sorted(value for _, value in poisoned)
    assert all(d.reason == "schema" and "out of range" in d.message for d in dead)
    assert len(first) == len(stories)
    signals = [decode(TickerSignal, value) for value in out]
    assert {s.news_id for s in signals} == {s.id for s in stories + later}
    t00 = [s for s in signals if s.ticker == "T00"]
    assert t00 and all(abs(s.score_fast) <= 1.5 and abs(s.exposure) < 1e6 for s in t00)
