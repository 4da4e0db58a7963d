"""De-duplication by story id, pure: the decisions the dedupe agent applies to its table.

The table maps a story id to the epoch second it was first seen. An id seen again within the
retention is a duplicate; once the retention has passed the id is purged and would pass again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

__all__ = ["is_duplicate", "expired_ids"]


def is_duplicate(first_seen: float | None, now: float, retention_s: float) -> bool:
    """True when the id was first seen less than `retention_s` before `now`."""
    return first_seen is not None and now - first_seen < retention_s


def expired_ids(items: Iterable[tuple[bytes, float]], now: float, retention_s: float) -> Iterator[bytes]:
    """Ids whose retention has passed."""
    for story_id, first_seen in items:
        if now - first_seen >= retention_s:
            yield story_id
