"""Topic administration for the worker, the demo and the tools: create what is missing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kafka import KafkaAdminClient
from kafka.errors import TopicAlreadyExistsError, UnknownTopicOrPartitionError, for_code

from schemas.errors import TickertoneError
from streams.kafka.clients import bootstrap_servers
from streams.kafka.limits import MAX_MESSAGE_BYTES
from streams.settings import Settings

__all__ = [
    "MAX_MESSAGE_BYTES",
    "PartitionMismatch", "TopicAdminError", "ensure_topics", "partition_counts", "changelog_configs",
    "require_partitions",
]


"""The largest record the worker produces or fetches. Input up to 1 MB is valid; its dead letter
(base64 + envelope) needs more. Topics' `max.message.bytes` must allow it (the worker creates
its topics and changelogs with exactly this)."""


def changelog_configs(settings: Settings) -> dict[str, str]:
    """The configs every topic and table changelog the worker creates gets besides its cleanup
    policy and retention (Faust creates changelogs compacted)."""
    return {"min.insync.replicas": str(settings.topics.min_insync_replicas), "max.message.bytes": str(MAX_MESSAGE_BYTES)}


class TopicAdminError(TickertoneError):
    """A topic could not be created. Operators: the message carries Kafka's error code and text
    (e.g. a missing ACL, or a replication factor the cluster cannot meet)."""


class PartitionMismatch(TickertoneError):
    """A topic the worker reads or co-partitions with has another partition count than the
    setting: keys would hash to other partitions than the tables' changelogs (two workers could
    both write state for one ticker). The message is one line naming the topic and both counts."""


def ensure_topics(
    bootstrap: str,
    names: Iterable[str],
    partitions: int = 4,
    configs: Mapping[str, Mapping[str, str]] | None = None,
    *,
    replication_factor: int = -1,
    **client_config: Any,
) -> None:
    """Create the topics that do not exist yet; existing ones are left as they are.

    `configs` gives a topic's configs by name (e.g. `{"signals.latest": {"cleanup.policy":
    "compact"}}`); they apply when the topic is created here, not to a topic that exists.

    `replication_factor` -1 is the cluster's `default.replication.factor`. `client_config` goes
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
        spec: dict[str, dict[str, Any]] = {
            name: {"num_partitions": partitions, "replication_factor": replication_factor} for name in wanted
        }
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


def partition_counts(bootstrap: str, names: Iterable[str], **client_config: Any) -> dict[str, int]:
    """The partition count of each of `names` that exists (missing topics are left out)."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return {}
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers(bootstrap).split(","), client_id="tickertone-admin", **client_config
    )
    try:
        counts: dict[str, int] = {}
        for topic in admin.describe_topics(wanted):
            error = for_code(topic["error_code"])
            if topic["error_code"] and error is not UnknownTopicOrPartitionError:
                raise TopicAdminError(f"cannot describe topic {topic['name']!r}: {error.__name__}")
            if not topic["error_code"]:
                counts[topic["name"]] = len(topic["partitions"])
        return counts
    finally:
        admin.close()


def require_partitions(bootstrap: str, names: Iterable[str], partitions: int, **client_config: Any) -> None:
    """Raise `PartitionMismatch` for the first of `names` that exists with another partition
    count than `partitions` (a topic not created yet is fine: the worker or Faust creates it
    with `partitions`)."""
    for name, found in partition_counts(bootstrap, names, **client_config).items():
        if found != partitions:
            raise PartitionMismatch(
                f"topic {name!r} has {found} partitions but TICKERTONE_TOPICS__PARTITIONS is {partitions}: "
                "its keys would not land on the partitions of the tables; recreate the topic with "
                f"{partitions} partitions or set the partitions to {found}"
            )
