"""The dedupe agent's memory of story ids: the `seen-ids-v2` table of packed buckets.

Layout (`streams.stages.dedupe`): each table key is one bucket of one partition, its value the
bucket's entries (8-byte digest, first-seen second). Memory per id is 12 bytes whatever the id,
plus the table's overhead per bucket (at most `BUCKETS` per partition).

Invariant: a bucket of partition p has a key that Kafka's partitioner also sends to p, so the
changelog partition of every id is its news.valid partition (the table's `use_partitioner`
writes by the key's hash, and a worker recovers the changelog partitions of the news.valid
partitions it owns). `_key` finds such a key by trying salts; each costs about `partitions`
hashes once per bucket, then is cached.

Purging (`purge`) walks the buckets in slices of `PURGE_SLICE` and yields to the event loop
between slices, so a sweep over millions of ids never holds the loop for long; a bucket is
read and written back without an await in between, so a concurrent `remember` of this worker
is never lost. Only buckets of partitions this worker owns right now (`owned`, asked again for
every slice) are purged: the memory store also holds standby copies and buckets of partitions
a rebalance took away, and writing back a stale copy would overwrite the owner's newer bucket
in the changelog.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

from faust.types import TableT

from streams.kafka.batches import key_partition
from streams.stages.dedupe import bucket_of, digest, first_seen, purged, remember

__all__ = ["PURGE_SLICE", "TABLE_NAME", "SeenIds"]

TABLE_NAME = "seen-ids-v2"
PURGE_SLICE = 256
"""Buckets purged between two yields to the event loop (~1 ms of work per slice at 7M ids)."""


class SeenIds:
    """Story ids recently seen, over a changelogged Faust table (or any mutable mapping of bytes
    keys to bytes values, in unit tests)."""

    def __init__(self, table: TableT[bytes, Any] | Any, partitions: int) -> None:
        self.table = table
        self.partitions = partitions
        self._keys: dict[tuple[int, int], bytes] = {}

    def _key(self, partition: int, bucket: int) -> bytes:
        """The table key of `bucket` in `partition`: `b"<partition>.<bucket>.<salt>"` with the
        smallest salt that Kafka's partitioner sends to `partition`."""
        known = self._keys.get((partition, bucket))
        if known is not None:
            return known
        salt = 0
        while key_partition(key := b"%d.%d.%d" % (partition, bucket, salt), self.partitions) != partition:
            salt += 1
        self._keys[partition, bucket] = key
        return key

    def first_seen(self, story_id: bytes, partition: int) -> int | None:
        """When the story whose news.valid record is keyed `story_id` in `partition` was first
        seen (epoch s), None if it is not remembered."""
        id_digest = digest(story_id)
        return first_seen(self.table.get(self._key(partition, bucket_of(id_digest))), id_digest)

    def remember(self, story_ids: Iterable[tuple[bytes, int]], now: float) -> None:
        """Record each (story id, partition) as first seen at `now`; each bucket is written
        once, so Faust sends one changelog record per bucket touched."""
        buckets: dict[bytes, bytes | None] = {}
        for story_id, partition in story_ids:
            id_digest = digest(story_id)
            key = self._key(partition, bucket_of(id_digest))
            current = buckets[key] if key in buckets else self.table.get(key)
            buckets[key] = remember(current, id_digest, now)
        for key, value in buckets.items():
            self.table[key] = value

    async def purge(self, now: float, retention_s: float, owned: Callable[[], set[int]]) -> int:
        """Drop the ids past `retention_s` from the buckets of the partitions `owned()` names, a
        slice of buckets at a time; returns how many buckets changed."""
        keys = list(self.table.keys())
        changed = 0
        for start in range(0, len(keys), PURGE_SLICE):
            mine = owned()  # a rebalance may run between two slices
            for key in keys[start : start + PURGE_SLICE]:
                if _partition(key) not in mine:
                    continue
                bucket = self.table.get(key)
                if not bucket:
                    continue  # gone since the listing (a rebalance)
                kept = purged(bucket, now, retention_s)
                if kept is bucket:
                    continue
                changed += 1
                if kept:
                    self.table[key] = kept
                else:
                    del self.table[key]
            await asyncio.sleep(0)
        return changed


def _partition(key: bytes) -> int:
    """The partition a bucket key names (`b"<partition>.<bucket>.<salt>"`)."""
    return int(key.split(b".", 1)[0])
