"""Fuzz: malformed and hostile messages (hypothesis-generated, and real stories spoiled: broken
UTF-8, huge fields, deep JSON, wrong types, NaN/Infinity, far or naive times, control characters,
bodies of 1-4 MB) all reach the dead-letter topic with their reason; the worker stays up, no
agent crashes, and its memory stays under a bound."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from kafka.consumer.fetcher import ConsumerRecord

from schemas import DeadLetter, decode
from support.checks import assert_dead_lettered, dedupe_dead_letters
from support.hostile import Bad, assert_rejected_in_process, hostile_inputs, mutations
from support.kafka import TopicReader, produce
from support.memory import PeakRss
from support.sizes import ci_and_long
from support.worker import WorkerProcess, wait_until


@dataclass(frozen=True)
class Fuzz:
    generated: int  # hypothesis examples
    mutated: int  # spoiled sample stories
    # An ingest worker idles at ~140 MiB; dead-lettering a 4 MB message holds a few copies of it
    # (fetch buffer, decoded value, base64, JSON). Anything near the bound means a leak.
    rss_bound_mib: int = 400


def _generated(n: int) -> list[Bad]:
    """n hypothesis examples (the same ones every run), each checked in-process first: a
    failure there shrinks to a minimal input before any broker is involved."""
    found: list[Bad] = []

    @settings(max_examples=n, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(hostile_inputs())
    def check(bad: Bad) -> None:
        assert_rejected_in_process(bad)
        found.append(bad)

    check()
    return found


def _dead_letter(record: ConsumerRecord) -> DeadLetter:
    return decode(DeadLetter, record.value)


@ci_and_long(
    Fuzz(generated=1_000, mutated=2_000),
    Fuzz(generated=10_000, mutated=10_000),
    ci_timeout_s=600,
    long_timeout_s=2400,
)
def test_hostile_input_is_dead_lettered_and_the_worker_lives(
    size: Fuzz, kafka_bootstrap: str, unique_prefix: str, tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    spoiled = mutations(size.mutated, seed=3)
    for bad in spoiled:
        assert_rejected_in_process(bad)
    inputs = spoiled + _generated(size.generated)

    with WorkerProcess(kafka_bootstrap, unique_prefix, tmp_path, stages="ingest") as worker:
        pid = worker.wait_ready().pid()
        with PeakRss(worker.pid) as rss:
            sent = produce(kafka_bootstrap, worker.topic("raw"), [(bad.key, bad.value) for bad in inputs])
            expected = {(m.topic, m.partition, m.offset): bad for m, bad in zip(sent, inputs, strict=True)}
            with TopicReader(kafka_bootstrap, worker.topic("deadletter"), _dead_letter) as reader:

                def done() -> bool:  # every input dead-lettered, or an agent crashed (which loses its input)
                    return len(dedupe_dead_letters(reader.read())[0]) >= len(expected) or bool(worker.agent_crashes())

                wait_until(done, 300, 2.0)
                letters, repeats = dedupe_dead_letters(reader.read())
        assert worker.pid() == pid and not worker.agent_crashes(), worker.agent_crashes()[:3] or worker.log_tail()
        with TopicReader(kafka_bootstrap, worker.topic("normalized"), lambda r: r.value) as reader:
            accepted = reader.read()

    reasons = assert_dead_lettered(letters, expected)
    assert accepted == []
    assert rss.peak_mib < size.rss_bound_mib
    record_property("inputs", len(inputs))
    record_property("megabyte_inputs", sum(bad.breaker == "megabytes" for bad in inputs))
    record_property("reasons", dict(sorted(reasons.items())))
    record_property("dead_letter_repeats", repeats)
    record_property("peak_rss_mib", round(rss.peak_mib))
