"""The aiokafka producer inside Faust's producer, and direct writes to a table's store.

Faust exposes neither: `Producer._ensure_producer()` returns the aiokafka producer it owns, and
a table's `data` is its store, which a write reaches without Faust's per-key changelog send
(the state agent sends its changelog records itself, batched; `streams.kafka.commit`).
"""

from __future__ import annotations

from aiokafka import AIOKafkaProducer
from faust.types import ProducerT, TableT

__all__ = ["aiokafka_producer", "write_store"]


def aiokafka_producer(producer: ProducerT) -> AIOKafkaProducer:
    """The aiokafka producer Faust's `producer` sends with (started by Faust)."""
    inner: AIOKafkaProducer = producer._ensure_producer()  # type: ignore[attr-defined]
    return inner


def write_store(table: TableT[bytes, bytes], key: bytes, value: bytes) -> None:
    """Put `value` under `key` in `table`'s store only: no changelog record is sent."""
    table.data[key] = value
