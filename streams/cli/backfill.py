"""`tickertone replay --from-topic TOPIC --since TIME [--until TIME]`: re-publish a time range
of a topic (offsets found from record timestamps, `streams.kafka.time_range`) to the raw topic
or another one, keys and values byte for byte, partition by partition in offset order.

The copies get new timestamps (the time they are re-published). A story re-published to a
worker that already saw it is dropped by its dedupe (same id) within `ingest.dedupe_retention_s`:
backfill into a fresh app id or a topic a new consumer reads.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from kafka import KafkaProducer

from streams.kafka.time_range import records_between

__all__ = ["backfill"]

log = logging.getLogger(__name__)


def backfill(
    bootstrap: str,
    source: str,
    target: str,
    since: datetime,
    until: datetime | None = None,
    client_config: dict[str, Any] | None = None,
) -> int:
    """Copy `source`'s records with `since <= timestamp < until` to `target`; returns how many,
    each acknowledged (acks=all) before it returns."""
    if source == target:
        raise ValueError(f"--from-topic {source!r} is the target topic too; name another with --topic")
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, max_request_size=4 * 1024 * 1024, **(client_config or {})
    )
    futures: list[Any] = []
    sent = 0
    try:
        for record in records_between(bootstrap, source, since, until, consumer_config=client_config):
            futures.append(producer.send(target, key=record.key, value=record.value))
            if len(futures) >= 10_000:
                sent += _wait(futures, producer)
        sent += _wait(futures, producer)
    finally:
        producer.close()
    log.info("re-published %d records of %s to %s", sent, source, target)
    return sent


def _wait(futures: list[Any], producer: KafkaProducer) -> int:
    """Flush, check every send (raises when Kafka refused one), and return how many there were."""
    producer.flush()
    for future in futures:
        future.get(timeout=60)
    done = len(futures)
    futures.clear()
    return done
