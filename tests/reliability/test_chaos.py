"""Chaos: good and bad stories stream into a full-pipeline worker (ingest, score, state) that is
SIGKILLed at random moments and whose broker is restarted once. Afterwards every valid story is
in the final per-ticker state exactly once (equal to the pure reference), every bad one has a
dead letter (once, after de-duplication by topic/partition/offset), and no agent crashed."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from streams.broker import EmbeddedBroker
from support.kafka import produce
from support.pipeline import STATE_MEMORY, Mix
from support.sizes import ci_and_long
from support.worker import WorkerProcess


@dataclass(frozen=True)
class Chaos:
    good: int
    bad: int
    kills: int
    pause_s: tuple[float, float]  # random wait before each kill or restart


@ci_and_long(
    Chaos(good=1_000, bad=150, kills=5, pause_s=(1.0, 6.0)),
    Chaos(good=10_000, bad=1_000, kills=8, pause_s=(5.0, 30.0)),
    ci_timeout_s=900,
    long_timeout_s=3600,
)
def test_kills_and_a_broker_restart_lose_nothing_and_count_nothing_twice(
    size: Chaos, own_broker: EmbeddedBroker, unique_prefix: str, tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    rng = random.Random(17)
    mix = Mix(size.good, size.bad, seed=17)
    actions = ["kill"] * size.kills + ["restart broker"]
    rng.shuffle(actions)
    chunks = mix.chunks(len(actions) + 1)
    started = time.monotonic()
    worker = WorkerProcess(own_broker.bootstrap, unique_prefix, tmp_path, stages="ingest,score,state", **STATE_MEMORY)
    worker.start().wait_ready(timeout=120)
    try:
        mix.record(produce(own_broker.bootstrap, worker.topic("raw"), next(chunks)))
        for action, chunk in zip(actions, chunks, strict=True):
            time.sleep(rng.uniform(*size.pause_s))
            if action == "kill":  # at any moment: mid-batch, during recovery, before it is ready
                worker.kill()
                worker.start()
            else:  # a running worker must ride it out; one still starting would exit (no broker)
                worker.wait_ready(timeout=120)
                own_broker.stop()
                own_broker.start()
            mix.record(produce(own_broker.bootstrap, worker.topic("raw"), chunk))
        repeats = mix.verify(worker.wait_ready(timeout=120), timeout=120 + size.good / 10)
        assert worker.alive() and not worker.agent_crashes(), worker.agent_crashes()[:3] or worker.log_tail()
        assert not worker.skipped_offsets(), worker.skipped_offsets()[:3]
    finally:
        worker.stop()

    record_property("stories", size.good)
    record_property("bad_messages", len(mix.bad_at))
    record_property("actions", actions)
    for name, count in repeats.items():
        record_property(name, count)
    record_property("wall_s", round(time.monotonic() - started))
