"""De-duplication decisions."""

from __future__ import annotations

import pytest

from streams.stages.dedupe import expired_ids, is_duplicate


@pytest.mark.parametrize(
    ("first_seen", "now", "expected"),
    [
        (None, 100.0, False),  # never seen
        (90.0, 100.0, True),  # seen 10 s ago, retention 60 s
        (40.0, 100.0, False),  # seen exactly one retention ago: passes again
        (100.0, 100.0, True),  # seen in the same instant (same batch)
    ],
)
def test_is_duplicate(first_seen: float | None, now: float, expected: bool) -> None:
    assert is_duplicate(first_seen, now, retention_s=60.0) is expected


def test_expired_ids() -> None:
    items = [(b"old", 0.0), (b"new", 95.0), (b"edge", 40.0), (b"just-inside", 40.5)]
    assert list(expired_ids(items, now=100.0, retention_s=60.0)) == [b"old", b"edge"]
