"""The dedupe agent's id memory over a plain dict standing in for the Faust table."""

from __future__ import annotations

import asyncio

from kafka.partitioner import murmur2  # kafka-python's: not the one the code under test uses

from streams.kafka.seen_ids import PURGE_SLICE, SeenIds
from streams.stages.dedupe import BUCKETS


def java_partition(key: bytes, partitions: int) -> int:
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def test_every_bucket_key_lands_on_its_own_partition() -> None:
    seen = SeenIds({}, partitions=6)
    for partition in range(6):
        for bucket in range(0, BUCKETS, 97):
            assert java_partition(seen._key(partition, bucket), 6) == partition


def test_remember_then_first_seen_per_partition() -> None:
    table: dict[bytes, bytes] = {}
    seen = SeenIds(table, partitions=4)
    seen.remember([(b"story-1", 2), (b"story-2", 3)], now=1000.0)
    assert seen.first_seen(b"story-1", 2) == 1000
    assert seen.first_seen(b"story-2", 3) == 1000
    assert seen.first_seen(b"story-3", 2) is None
    assert all(len(value) == 12 for value in table.values())  # one 12-byte entry each, whatever the id


def test_memory_per_id_does_not_depend_on_the_id() -> None:
    table: dict[bytes, bytes] = {}
    seen = SeenIds(table, partitions=1)
    seen.remember([(b"x" * 256, 0), ("\U0001f4a5".encode() * 64, 0), (b"1", 0)], now=5.0)
    assert sum(len(value) for value in table.values()) == 3 * 12


def test_a_batch_writes_each_bucket_once() -> None:
    writes: list[bytes] = []

    class Recording(dict[bytes, bytes]):
        def __setitem__(self, key: bytes, value: bytes) -> None:
            writes.append(key)
            super().__setitem__(key, value)

    seen = SeenIds(Recording(), partitions=1)
    ids = [(b"id-%d" % i, 0) for i in range(BUCKETS * 2)]  # many buckets get two or more ids
    seen.remember(ids, now=1.0)
    assert len(writes) == len(set(writes))
    assert all(seen.first_seen(story_id, 0) == 1 for story_id, _ in ids)


def test_purge_drops_expired_ids_and_empty_buckets_and_yields_between_slices() -> None:
    table: dict[bytes, bytes] = {}
    seen = SeenIds(table, partitions=2)
    old = [(b"old-%d" % i, i % 2) for i in range(3000)]
    new = [(b"new-%d" % i, i % 2) for i in range(3000)]
    seen.remember(old, now=0.0)
    seen.remember(new, now=100.0)
    buckets = len(table)

    yields = 0

    async def sweep() -> int:
        nonlocal yields

        async def count_yields() -> None:
            nonlocal yields
            while True:
                await asyncio.sleep(0)
                yields += 1

        counter = asyncio.ensure_future(count_yields())
        changed = await seen.purge(now=150.0, retention_s=100.0, owned=lambda: {0, 1})
        counter.cancel()
        return changed

    changed = asyncio.run(sweep())
    assert changed > 0
    assert all(seen.first_seen(i, p) is None for i, p in old)
    assert all(seen.first_seen(i, p) == 100 for i, p in new)
    assert all(table.values())  # a bucket left empty is deleted, not kept as b""
    assert yields >= buckets // PURGE_SLICE  # the loop ran between slices


def test_purge_leaves_the_buckets_of_partitions_this_worker_does_not_own() -> None:
    # A standby copy (or a bucket left from before a rebalance) must not be written back: the
    # owner's newer bucket would be overwritten in the changelog.
    table: dict[bytes, bytes] = {}
    seen = SeenIds(table, partitions=2)
    seen.remember([(b"old-a", 0), (b"old-b", 1)], now=0.0)
    theirs = {key: value for key, value in table.items() if key.startswith(b"1.")}
    writes: list[bytes] = []

    class Recording(dict[bytes, bytes]):
        def __setitem__(self, key: bytes, value: bytes) -> None:
            writes.append(key)
            super().__setitem__(key, value)

        def __delitem__(self, key: bytes) -> None:
            writes.append(key)
            super().__delitem__(key)

    seen.table = Recording(table)
    assert asyncio.run(seen.purge(now=500.0, retention_s=100.0, owned=lambda: {0})) == 1
    assert writes and all(key.startswith(b"0.") for key in writes)
    assert {k: v for k, v in seen.table.items() if k.startswith(b"1.")} == theirs
    assert seen.first_seen(b"old-a", 0) is None and seen.first_seen(b"old-b", 1) == 0
