"""The embedded broker's configuration: one node that is both KRaft controller and broker.

Every replication factor and ISR is 1 (any more and the internal topics never come up on one
node); the other values size the node for a small shared machine and fast test start-up.
"""

from __future__ import annotations

import base64
import uuid
from pathlib import Path

__all__ = ["cluster_id", "server_properties"]


def cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (Kafka's Uuid)."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        # Kafka's own generator skips ids that start with "-": they read as a command-line flag.
        if not text.startswith("-"):
            return text


def server_properties(log_dir: Path, port: int, controller_port: int) -> str:
    """The broker's configuration: one combined controller+broker node on 127.0.0.1."""
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"127.0.0.1:{controller_port}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(log_dir),
        "num.partitions": "4",
        "auto.create.topics.enable": "true",
        # One node: every replication factor and ISR is 1, or internal topics never come up.
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        # Fewer internal partitions than the default 50: the first group or transaction on a
        # fresh broker creates them all, which costs seconds on a 2-core machine.
        "offsets.topic.num.partitions": "8",
        "transaction.state.log.num.partitions": "8",
        # The default 3 s delay only helps groups whose members join one by one; here it would
        # only slow every test and every worker start.
        "group.initial.rebalance.delay.ms": "0",
        # A week, capped at 1 GiB per partition, in 64 MiB segments so that the cap can bite
        # on a laptop disk (the 1 GiB default segment would never roll).
        "log.retention.hours": "168",
        "log.retention.bytes": str(1 << 30),
        "log.segment.bytes": str(64 << 20),
        # Input messages up to 1 MB are valid; their dead letters (base64 + envelope) need more.
        # Matches streams.kafka.admin.MAX_MESSAGE_BYTES (topics are created with it as max.message.bytes).
        "message.max.bytes": str(4 << 20),
        "replica.fetch.max.bytes": str(4 << 20),
        # Few threads: the machine is small and shared with the worker.
        "num.network.threads": "2",
        "num.io.threads": "4",
        "background.threads": "4",
        "log.cleaner.threads": "1",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())
