"""`tickertone replay --from-topic TOPIC --since TIME [--until TIME]` on the real broker: the
records whose timestamps fall in the range, found by timestamp, re-published byte for byte."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from kafka import KafkaProducer

from streams.cli.main import main
from streams.kafka.admin import ensure_topics
from support.kafka import TopicReader

START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def test_backfill_republishes_a_time_range(kafka_bootstrap: str, unique_prefix: str, capsys: pytest.CaptureFixture[str]) -> None:
    source, target = f"{unique_prefix}archive", f"{unique_prefix}raw"
    ensure_topics(kafka_bootstrap, [source, target], partitions=3)
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    try:  # one record a minute for 60 minutes, spread over the 3 partitions by key
        for i in range(60):
            at = START + timedelta(minutes=i)
            producer.send(source, key=f"k{i}".encode(), value=f'{{"n": {i}}}'.encode(), timestamp_ms=int(at.timestamp() * 1000))
        producer.flush()
    finally:
        producer.close()

    broker = ["--broker", f"kafka://{kafka_bootstrap}"]
    since, until = START + timedelta(minutes=10), START + timedelta(minutes=25)
    code = main(["replay", "--from-topic", source, "--since", _iso(since), "--until", _iso(until), "--topic", target, *broker])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"sent 15 messages from {source} to {target}" in out
    with TopicReader(kafka_bootstrap, target, lambda r: (r.key, r.value)) as reader:
        copied = reader.read()
    assert sorted(copied) == sorted((f"k{i}".encode(), f'{{"n": {i}}}'.encode()) for i in range(10, 25))

    # Without --until: to the end; a range after the last record: nothing.
    assert (
        main(["replay", "--from-topic", source, "--since", _iso(START + timedelta(minutes=55)), "--topic", target, *broker]) == 0
    )
    assert "sent 5 messages" in capsys.readouterr().out
    assert main(["replay", "--from-topic", source, "--since", "2030-01-01", "--topic", target, *broker]) == 0
    assert "sent 0 messages" in capsys.readouterr().out

    # Usage errors: the same topic both ways, a time without a zone, no --since.
    assert main(["replay", "--from-topic", target, "--since", "2h", "--topic", target, *broker]) == 2
    assert main(["replay", "--from-topic", source, "--since", "2026-03-02T14:00:00", "--topic", target, *broker]) == 2
    assert main(["replay", "--from-topic", source, "--topic", target, *broker]) == 2
    assert "--from-topic TOPIC --since TIME" in capsys.readouterr().err
