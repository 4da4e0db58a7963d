"""How large a record each output topic takes, read from the broker when the worker starts.

Kafka refuses a record batch larger than its topic's `max.message.bytes` (MESSAGE_TOO_LARGE, not
retriable): the commit protocol would then end the worker with 75 (`streams.kafka.commit`) and a
restarted worker would meet the same record again. So the agents never hand Kafka a record that
cannot fit: a dead letter is cut to fit its topic (`streams.stages.ingest.dead_letter`), a story
whose normalised form does not fit is dead-lettered `too_large` instead, and `send_batches` closes
a record batch before it outgrows its topic's limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from streams.kafka.clients import bootstrap_servers

__all__ = ["MAX_MESSAGE_BYTES", "RECORD_OVERHEAD", "TopicLimits", "read_topic_limits"]

MAX_MESSAGE_BYTES = 4 * 1024 * 1024
"""The largest record the worker produces or fetches (its producer's `max_request_size`)."""

RECORD_OVERHEAD = 128
"""Bytes a record batch of one record needs besides its key and value: the v2 batch header (61)
and the record's own framing (at most 32: length, attributes, timestamp and offset deltas, key
and value lengths, header count), rounded up."""

_CONFIG = "max.message.bytes"


@dataclass(frozen=True)
class TopicLimits:
    """`max.message.bytes` by topic name; a topic not listed takes `MAX_MESSAGE_BYTES`."""

    max_message_bytes: Mapping[str, int] = field(default_factory=dict)

    def batch_bytes(self, topic: str) -> int:
        """The largest record batch `topic` takes from the worker."""
        return min(self.max_message_bytes.get(topic, MAX_MESSAGE_BYTES), MAX_MESSAGE_BYTES)

    def record_bytes(self, topic: str) -> int:
        """The most key + value bytes one record on `topic` may carry."""
        return self.batch_bytes(topic) - RECORD_OVERHEAD

    def fits(self, topic: str, key: bytes | None, value: bytes) -> bool:
        """True when a record of `key` and `value` alone in a batch fits `topic`."""
        return len(key or b"") + len(value) <= self.record_bytes(topic)


def read_topic_limits(bootstrap: str, topics: Iterable[str], **client_config: Any) -> TopicLimits:
    """Each topic's effective `max.message.bytes` (its own, else the broker's default), as the
    broker reports it. `client_config` goes to kafka-python's `KafkaAdminClient`."""
    names = list(dict.fromkeys(topics))
    if not names:
        return TopicLimits()
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers(bootstrap).split(","), client_id="tickertone-admin", **client_config
    )
    try:
        resources = [ConfigResource(ConfigResourceType.TOPIC, name, configs=[_CONFIG]) for name in names]
        described = admin.describe_configs(resources, config_filter="all").get("topic", {})
    finally:
        admin.close()
    found: dict[str, int] = {}
    for name in names:
        value = described.get(name, {}).get(_CONFIG, {}).get("value")
        if value is not None:
            found[name] = int(value)
    return TopicLimits(found)
