"""Scale-out: two or three full-pipeline workers (ingest, score, state) in one consumer group
share the partitions while good and bad stories stream in; at random moments one of them, chosen
at random, is SIGKILLed and restarted at once, and the others keep running (each kill and each
restart is a rebalance). Afterwards, as for one worker (`test_chaos.py`): every valid story is
in the final per-ticker state exactly once (equal to the pure reference), every bad one has a
dead letter (once, after de-duplication), the group has consumed everything; and for every
worker: it runs, no agent crashed, its consumer never skipped an offset, and in the end the
partitions of the state table are spread over all of them (each owns some, together all)."""

from __future__ import annotations

import json
import random
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from streams.broker import EmbeddedBroker
from support.kafka import produce
from support.pipeline import STATE_MEMORY, Mix
from support.sizes import ci_and_long
from support.worker import WorkerProcess, wait_until

# Every topic gets this many partitions: divisible by 2 and 3, so each worker owns some of each
# topic (with the default 4, a third worker would own whole topics' worth of nothing).
PARTITIONS = 6

@dataclass(frozen=True)
class ScaleOut:
    good: int
    bad: int
    kills: int
    pause_s: tuple[float, float]  # random wait before each kill


def _owned_partitions(worker: WorkerProcess) -> list[int] | None:
    """The state-table partitions `worker` says it owns (GET /health), None if it cannot answer."""
    try:
        with urllib.request.urlopen(f"{worker.url}/health", timeout=10) as reply:
            body: dict[str, Any] = json.loads(reply.read())
    except OSError:
        return None
    return [int(p) for p in body["partitions"]]


def _spread(workers: list[WorkerProcess]) -> bool:
    """Each worker owns some partitions, and together they own each one exactly once."""
    owned = [_owned_partitions(w) for w in workers]
    if any(not parts for parts in owned):
        return False
    return sorted(p for parts in owned if parts for p in parts) == list(range(PARTITIONS))


@pytest.mark.parametrize("n_workers", [2, 3])
@ci_and_long(
    ScaleOut(good=1_500, bad=150, kills=3, pause_s=(2.0, 8.0)),
    ScaleOut(good=10_000, bad=1_000, kills=8, pause_s=(5.0, 20.0)),
    ci_timeout_s=900,
    long_timeout_s=2400,
)
def test_workers_of_one_group_killed_in_turn_lose_nothing_and_count_nothing_twice(
    size: ScaleOut,
    n_workers: int,
    own_broker: EmbeddedBroker,
    unique_prefix: str,
    tmp_path: Path,
    record_property: pytest.RecordProperty,
) -> None:
    rng = random.Random(23 + n_workers)
    mix = Mix(size.good, size.bad, seed=23)
    chunks = mix.chunks(size.kills + 1)
    workers = []
    for i in range(n_workers):  # same prefix: one app id (= group), one set of topics
        data_dir = tmp_path / f"w{i}"  # each its own state and worker.log
        data_dir.mkdir()
        workers.append(
            WorkerProcess(
                own_broker.bootstrap, unique_prefix, data_dir, stages="ingest,score,state",
                TICKERTONE_TOPICS__PARTITIONS=str(PARTITIONS), **STATE_MEMORY,
            )
        )
    started = time.monotonic()
    killed: list[int] = []
    try:
        for worker in workers:  # all join before the first story: the group starts shared
            worker.start()
        for worker in workers:
            worker.wait_ready(timeout=180)
        raw = workers[0].topic("raw")
        mix.record(produce(own_broker.bootstrap, raw, next(chunks)))
        for chunk in chunks:
            time.sleep(rng.uniform(*size.pause_s))
            victim = rng.randrange(n_workers)  # at any moment: mid-batch, recovering, rebalancing
            workers[victim].kill()
            workers[victim].start()
            killed.append(victim)
            mix.record(produce(own_broker.bootstrap, raw, chunk))
        assert len(killed) == size.kills
        for worker in workers:
            worker.wait_ready(timeout=180)
        repeats = mix.verify(workers, timeout=180 + size.good / 10)
        for worker in workers:
            assert worker.alive(), f"{worker.log_path}:\n{worker.log_tail()}"
            assert not worker.agent_crashes(), worker.agent_crashes()[:3]
            assert not worker.skipped_offsets(), worker.skipped_offsets()[:3]
        # The group really was shared: every worker ends up owning part of the state.
        assert wait_until(lambda: _spread(workers), 120, interval=2.0), [_owned_partitions(w) for w in workers]
    finally:
        for worker in workers:
            worker.stop()

    record_property("workers", n_workers)
    record_property("stories", size.good)
    record_property("bad_messages", len(mix.bad_at))
    record_property("kills", len(killed))
    record_property("killed_workers", killed)
    for name, count in repeats.items():
        record_property(name, count)
    record_property("wall_s", round(time.monotonic() - started))
