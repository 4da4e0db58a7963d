"""Topic administration for the worker, the demo and the tools: create what is missing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kafka import KafkaAdminClient
from kafka.errors import TopicAlreadyExistsError, for_code

from schemas.errors import TickertoneError
from streams.kafka.clients import bootstrap_servers

__all__ = ["TopicAdminError", "ensure_topics"]


class TopicAdminError(TickertoneError):
    """A topic could not be created. Operators: the message carries Kafka's error code and text
    (e.g. a missing ACL, or a replication factor the cluster cannot meet)."""


def ensure_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int = 4,
    configs: Mapping[str, Mapping[str, str]] | None = None,
    **client_config: Any,
) -> None:
    """Create the topics that do not exist yet; existing ones are left as they are.

    `configs` gives a topic's configs by name (e.g. `{"signals.latest": {"cleanup.policy":
    "compact"}}`); they apply when the topic is created here, not to a topic that exists.

    The replication factor is the cluster's `default.replication.factor`. `client_config` goes
    to kafka-python's `KafkaAdminClient` (e.g. `security_protocol`, `sasl_mechanism`). Returns
    once every topic has a leader for each partition.
    """
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers(bootstrap).split(","), client_id="tickertone-admin", **client_config
    )
    try:
        spec: dict[str, dict[str, Any]] = {name: {"num_partitions": partitions, "replication_factor": -1} for name in wanted}
        for name, config in (configs or {}).items():
            if name in spec:
                spec[name]["configs"] = dict(config)
        result = admin.create_topics(spec, raise_errors=False)
        for topic in result["topics"]:
            error = for_code(topic["error_code"])
            if topic["error_code"] and error is not TopicAlreadyExistsError:
                raise TopicAdminError(f"cannot create topic {topic['name']!r}: {error.__name__}: {topic['error_message']}")
        admin.wait_for_topics(wanted)
    finally:
        admin.close()
