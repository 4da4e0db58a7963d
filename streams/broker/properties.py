"""The embedded broker's configuration: one node that is both KRaft controller and broker.

Every replication factor and ISR is 1 (any more and the internal topics never come up on one
node); the other values size the node for a small shared machine and fast test start-up.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Mapping
from pathlib import Path

__all__ = ["cluster_id", "jaas_plain", "server_properties"]


def cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (Kafka's Uuid)."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        # Kafka's own generator skips ids that start with "-": they read as a command-line flag.
        if not text.startswith("-"):
            return text


def jaas_plain(users: Mapping[str, str]) -> str:
    """The JAAS line of a SASL/PLAIN listener that accepts `users` (name -> password)."""
    for name, password in users.items():
        if not _JAAS_SAFE.fullmatch(name) or '"' in password or "\\" in password or "\n" in password:
            raise ValueError(
                f"SASL user {name!r}: names are letters, digits, '.', '_' and '-'; "
                "passwords have no quote, backslash or newline"
            )
    entries = "".join(f' user_{name}="{password}"' for name, password in users.items())
    return f"org.apache.kafka.common.security.plain.PlainLoginModule required{entries};"


_JAAS_SAFE = re.compile(r"[A-Za-z0-9._-]+")


def server_properties(
    log_dir: Path,
    port: int,
    controller_port: int,
    sasl_port: int | None = None,
    sasl_users: Mapping[str, str] | None = None,
) -> str:
    """The broker's configuration: one combined controller+broker node on 127.0.0.1.

    With `sasl_port`, a second client listener on it takes SASL_PLAINTEXT with the PLAIN
    mechanism and the `sasl_users` (name -> password); the plain listener stays for the node's
    own traffic and local tools. Authentication only: there are no ACLs.
    """
    listeners = f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}"
    protocols = "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
    if sasl_port is not None:
        listeners += f",SASL_PLAINTEXT://127.0.0.1:{sasl_port}"
        protocols += ",SASL_PLAINTEXT:SASL_PLAINTEXT"
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"127.0.0.1:{controller_port}",
        "listeners": listeners,
        "advertised.listeners": listeners,
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": protocols,
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
    if sasl_port is not None:
        settings["sasl.enabled.mechanisms"] = "PLAIN"
        settings["listener.name.sasl_plaintext.plain.sasl.jaas.config"] = jaas_plain(sasl_users or {})
    return "".join(f"{key}={value}\n" for key, value in settings.items())
