"""Table stores: Faust's RocksDB store, filing each key under the partition its key hashes to.

Faust's RocksDB store keeps one database per changelog partition and writes a key into the one
of `current_event().message.partition`. A batching agent (`take_events`) has no current event
(the stream runs in another task), and one batch writes keys of several partitions.
Invariant kept here: a key lives in the database of the partition its murmur2 hash picks, which
is where the producer sends its changelog record (`use_partitioner`) and where recovery puts it
back, so a revoked partition takes exactly its own keys along. (The store has no bulk update:
tables are written key by key.)

`store_url` maps the worker's `rocksdb://` setting to it; other stores pass through.
"""

from __future__ import annotations

import faust.stores
from faust.stores.rocksdb import Store as RocksDBStore

from streams.kafka.batches import key_partition

__all__ = ["KeyPartitionedRocksDB", "store_url"]

_SCHEME = "tickertone-rocksdb"
faust.stores.STORES.aliases[_SCHEME] = f"{__name__}:KeyPartitionedRocksDB"


class KeyPartitionedRocksDB(RocksDBStore):
    """Faust's RocksDB store; a key's database is its hash partition (see the module docstring)."""

    def _set(self, key: bytes, value: bytes | None) -> None:
        partition = key_partition(key, self.table.partitions or self.app.conf.topic_partitions)
        self._key_index[key] = partition
        self._db_for_partition(partition).put(key, value)


def store_url(store: str) -> str:
    """The store URL to give Faust for the worker's `state.store` setting."""
    scheme, separator, rest = store.partition(":")
    return f"{_SCHEME}:{rest}" if separator and scheme == "rocksdb" else store
