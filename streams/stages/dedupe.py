"""De-duplication by story id, pure: the packed buckets the dedupe agent keeps its ids in.

A story id is remembered by `digest(id)`: 8 bytes of BLAKE2b, whatever the id looks like, so
memory per id is fixed. Ids are spread over `BUCKETS` buckets per partition by two other bytes
of the same digest; a bucket is one bytes value, a run of `ENTRY`-byte entries (8-byte digest,
then the first-seen epoch second as a big-endian uint32), each digest at most once.

An id seen again within the retention is a duplicate; once the retention has passed, `purged`
drops it and it would pass again. Two ids collide only when all 64 digest bits match: with 7M
ids remembered, a new story is taken for a repeat with probability about 4e-13.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["BUCKETS", "ENTRY", "bucket_of", "digest", "first_seen", "is_duplicate", "purged", "remember"]

DIGEST_BYTES = 8
ENTRY = DIGEST_BYTES + 4
"""Bytes per remembered id: its digest and its first-seen second."""

BUCKETS = 16384
"""Buckets per partition. Part of the table's layout (a new value needs a new table name): with
7M ids over 4 partitions a bucket holds ~107 ids, 1.3 KB, which is what one new id rewrites."""

_ENTRIES = np.dtype([("digest", f"V{DIGEST_BYTES}"), ("t", ">u4")])


def digest(story_id: bytes) -> bytes:
    """The fixed-size form an id is remembered by."""
    return hashlib.blake2b(story_id, digest_size=DIGEST_BYTES).digest()


def bucket_of(id_digest: bytes) -> int:
    """The bucket (0 .. BUCKETS-1) of a digest; independent of the partition the id hashes to
    (a different hash), so every partition's buckets fill evenly."""
    return int.from_bytes(id_digest[-2:], "big") % BUCKETS


def first_seen(bucket: bytes | None, id_digest: bytes) -> int | None:
    """The epoch second `id_digest` was first seen, None when the bucket does not hold it."""
    if not bucket:
        return None
    start = 0
    while (at := bucket.find(id_digest, start)) >= 0:
        if at % ENTRY == 0:  # a match straddling two entries is not an entry
            return int.from_bytes(bucket[at + DIGEST_BYTES : at + ENTRY], "big")
        start = at + 1
    return None


def is_duplicate(seen_at: float | None, now: float, retention_s: float) -> bool:
    """True when the id was first seen less than `retention_s` before `now`."""
    return seen_at is not None and now - seen_at < retention_s


def remember(bucket: bytes | None, id_digest: bytes, now: float) -> bytes:
    """`bucket` with `id_digest` first seen at `now` (an older entry for it, past its retention
    but not yet purged, is replaced)."""
    entry = id_digest + int(now).to_bytes(4, "big")
    if not bucket:
        return entry
    if first_seen(bucket, id_digest) is not None:
        kept = np.frombuffer(bucket, dtype=_ENTRIES)
        bucket = kept[kept["digest"] != np.void(id_digest)].tobytes()
    return bucket + entry


def purged(bucket: bytes, now: float, retention_s: float) -> bytes:
    """`bucket` without the ids whose retention has passed at `now` (the same bytes object when
    none has)."""
    entries = np.frombuffer(bucket, dtype=_ENTRIES)
    fresh = (now - entries["t"].astype(np.float64)) < retention_s
    return bucket if bool(fresh.all()) else entries[fresh].tobytes()
