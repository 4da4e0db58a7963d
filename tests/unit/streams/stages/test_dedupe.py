"""De-duplication decisions and the packed bucket layout (`streams.stages.dedupe`).

Expected bytes are built with `struct` and `hashlib` here, not with the module's own helpers."""

from __future__ import annotations

import hashlib
import struct

import pytest

from streams.stages.dedupe import BUCKETS, ENTRY, bucket_of, digest, first_seen, is_duplicate, purged, remember


def entry(story_id: bytes, t: int) -> bytes:
    return hashlib.blake2b(story_id, digest_size=8).digest() + struct.pack(">I", t)


@pytest.mark.parametrize(
    ("seen_at", "now", "expected"),
    [
        (None, 100.0, False),  # never seen
        (90.0, 100.0, True),  # seen 10 s ago, retention 60 s
        (40.0, 100.0, False),  # seen exactly one retention ago: passes again
        (100.0, 100.0, True),  # seen in the same instant (same batch)
    ],
)
def test_is_duplicate(seen_at: float | None, now: float, expected: bool) -> None:
    assert is_duplicate(seen_at, now, retention_s=60.0) is expected


def test_an_entry_is_the_blake2b_digest_and_the_big_endian_second() -> None:
    assert ENTRY == 12
    assert remember(None, digest(b"story-1"), 1_700_000_000.9) == entry(b"story-1", 1_700_000_000)


def test_remembered_ids_are_found_and_others_are_not() -> None:
    bucket = entry(b"a", 10) + entry(b"b", 20) + entry(b"c", 30)
    assert [first_seen(bucket, digest(i)) for i in (b"a", b"b", b"c", b"d")] == [10, 20, 30, None]
    assert first_seen(None, digest(b"a")) is None and first_seen(b"", digest(b"a")) is None


def test_a_digest_straddling_two_entries_is_not_a_match() -> None:
    # The 8 bytes from offset 6: the last 2 bytes of a's digest, a's 4-byte time, b's first 2 digest bytes.
    bucket = entry(b"a", 10) + entry(b"b", 20)
    straddling = bucket[6:14]
    assert first_seen(bucket, straddling) is None


def test_remembering_an_id_again_replaces_its_entry() -> None:
    bucket = entry(b"a", 10) + entry(b"b", 20)
    assert remember(bucket, digest(b"a"), 99) == entry(b"b", 20) + entry(b"a", 99)


def test_purged_drops_exactly_the_ids_past_their_retention() -> None:
    bucket = entry(b"old", 0) + entry(b"new", 95) + entry(b"edge", 40) + entry(b"inside", 41)
    assert purged(bucket, now=100.0, retention_s=60.0) == entry(b"new", 95) + entry(b"inside", 41)
    assert purged(entry(b"old", 0), now=100.0, retention_s=60.0) == b""


def test_purged_returns_the_same_object_when_nothing_expired() -> None:
    bucket = entry(b"a", 90)
    assert purged(bucket, now=100.0, retention_s=60.0) is bucket


def test_buckets_spread_evenly() -> None:
    counts = [0] * BUCKETS
    for i in range(BUCKETS * 32):
        counts[bucket_of(digest(b"id-%d" % i))] += 1
    # Poisson(32): P(X < 8) and P(X > 70) are each below 1e-7 per bucket.
    assert 8 <= min(counts) and max(counts) <= 70
