"""The embedded broker keeps data across restarts, and the clients we use work against it."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka import TopicPartition as KTopicPartition

from streams.broker import EmbeddedBroker
from streams.kafka.admin import ensure_topics


def _consume_all(bootstrap: str, topic: str, expected: int, group: str | None = None) -> list[tuple[bytes, bytes]]:
    """Read `topic` from the start until `expected` records arrive (or 20 s pass)."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=20_000,
    )
    records = []
    try:
        for record in consumer:
            records.append((record.key, record.value))
            if len(records) == expected:
                break
        if group:
            consumer.commit()
    finally:
        consumer.close()
    return records


def test_restart_keeps_records_and_offsets_and_formats_once(
    tmp_path: Path, kafka_jars: Path, free_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    formats = []
    original_format = EmbeddedBroker._format

    def counting_format(self: EmbeddedBroker, *args: object) -> None:
        formats.append(self.data_dir)
        original_format(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(EmbeddedBroker, "_format", counting_format)
    broker = EmbeddedBroker(tmp_path, port=free_port, jars=kafka_jars)
    sent = {(f"k{i % 13}".encode(), f"v{i}".encode()) for i in range(2000)}
    with broker:
        ensure_topics(broker.bootstrap, ["kept"], partitions=4)
        producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all", linger_ms=5)
        for key, value in sent:
            producer.send("kept", key=key, value=value)
        producer.flush()
        producer.close()
        # The group reads the first half and commits: its offsets must survive too.
        assert len(_consume_all(broker.bootstrap, "kept", 1000, group="reader")) == 1000
    cluster_id = (tmp_path / "kraft" / "meta.properties").read_text()

    with broker:
        assert set(_consume_all(broker.bootstrap, "kept", len(sent))) == sent
        admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
        try:
            committed = admin.list_group_offsets("reader")["reader"]
        finally:
            admin.close()
        assert {tp.topic for tp in committed} == {"kept"}
        assert sum(meta.offset for meta in committed.values()) == 1000

    assert formats == [tmp_path.resolve()]
    assert (tmp_path / "kraft" / "meta.properties").read_text() == cluster_id
    assert (tmp_path / "logs" / "server.log").stat().st_size > 0


def test_ensure_topics_is_idempotent(kafka_bootstrap: str, unique_prefix: str) -> None:
    names = [unique_prefix + "a", unique_prefix + "b"]
    ensure_topics(kafka_bootstrap, names, partitions=3)
    # Again, with an existing and a new topic, in Faust's URL form: no error, no change.
    ensure_topics(f"kafka://{kafka_bootstrap}", [names[0], unique_prefix + "c"], partitions=5)
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        described = {t["name"]: len(t["partitions"]) for t in admin.describe_topics(names + [unique_prefix + "c"])}
    finally:
        admin.close()
    assert described == {names[0]: 3, names[1]: 3, unique_prefix + "c": 5}


def test_kafka_python_group_commits(kafka_bootstrap: str, unique_prefix: str) -> None:
    topic, group = unique_prefix + "kp", unique_prefix + "group"
    ensure_topics(kafka_bootstrap, [topic])
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    for i in range(100):
        producer.send(topic, key=str(i % 7).encode(), value=str(i).encode())
    producer.flush()
    producer.close()

    assert len(_consume_all(kafka_bootstrap, topic, 100, group=group)) == 100
    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group)
    try:
        partitions = [KTopicPartition(topic, p) for p in range(4)]
        assert sum(consumer.committed(tp) or 0 for tp in partitions) == 100
    finally:
        consumer.close()


async def _aiokafka_group_and_transactions(bootstrap: str, prefix: str) -> None:
    topic, group, tx_topic = prefix + "ak", prefix + "group", prefix + "tx"
    ensure_topics(bootstrap, [topic, tx_topic])
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for i in range(200):
            await producer.send(topic, key=str(i).encode(), value=str(i).encode())
    finally:
        await producer.stop()

    # Two members of one group split the four partitions and read everything between them.
    # Both keep polling until the group has settled: the first to join may read all alone.
    members = [
        AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest")
        for _ in range(2)
    ]
    for member in members:
        await member.start()
    try:
        seen: set[bytes] = set()
        async with asyncio.timeout(30):
            while len(seen) < 200 or any(len(member.assignment()) != 2 for member in members):
                for member in members:
                    batches = await member.getmany(timeout_ms=200)
                    seen.update(r.value for records in batches.values() for r in records)
        assert members[0].assignment().isdisjoint(members[1].assignment())
        assert seen == {str(i).encode() for i in range(200)}
    finally:
        for member in members:
            await member.stop()

    # Transactions: read_committed sees the committed batch and never the aborted one.
    tx = AIOKafkaProducer(bootstrap_servers=bootstrap, transactional_id=prefix + "txid")
    await tx.start()
    try:
        async with tx.transaction():
            for _ in range(10):
                await tx.send(tx_topic, key=b"k", value=b"committed")
        await tx.begin_transaction()
        await tx.send(tx_topic, key=b"k", value=b"aborted")
        await tx.abort_transaction()
        async with tx.transaction():
            await tx.send(tx_topic, key=b"k", value=b"last")
    finally:
        await tx.stop()
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_committed")
    await reader.start()
    try:
        partitions = [TopicPartition(tx_topic, p) for p in range(4)]
        reader.assign(partitions)
        await reader.seek_to_beginning(*partitions)
        values: list[bytes] = []
        async with asyncio.timeout(30):
            while b"last" not in values:
                batches = await reader.getmany(timeout_ms=200)
                values += [r.value for records in batches.values() for r in records]
    finally:
        await reader.stop()
    assert values == [b"committed"] * 10 + [b"last"]


def test_aiokafka_group_and_transactions(kafka_bootstrap: str, unique_prefix: str) -> None:
    asyncio.run(_aiokafka_group_and_transactions(kafka_bootstrap, unique_prefix))


@pytest.mark.usefixtures("kafka_jars")  # fetched before the clock of readline() starts
def test_foreground_prints_bootstrap_and_stops_on_sigterm(tmp_path: Path, free_port: int) -> None:
    # What `tickertone broker` runs, in its own process so that its signal handlers are real.
    code = (
        "import sys; from pathlib import Path; from streams.broker.foreground import run_foreground; "
        f"sys.exit(run_foreground(Path({str(tmp_path)!r}), {free_port}))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2]
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == f"127.0.0.1:{free_port}"
        ensure_topics(f"127.0.0.1:{free_port}", ["alive"])
        process.send_signal(signal.SIGTERM)
        assert process.wait(60) == 0
    finally:
        if process.poll() is None:
            process.kill()
    # The JVM went with it: nothing listens on the port any more.
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", free_port)) != 0
