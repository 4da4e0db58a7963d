"""`exits_on_error` ends the process with 75 on any exception an agent does not handle (but
lets cancellation through); `TopicLimits` and `letter_budget` size records for their topics."""

from __future__ import annotations

import asyncio

import pytest

from streams.kafka import commit
from streams.kafka.commit import EXIT_UNDELIVERED, exits_on_error
from streams.kafka.limits import MAX_MESSAGE_BYTES, RECORD_OVERHEAD, TopicLimits
from streams.kafka.rejects import letter_budget


class Exited(Exception):
    pass


def _exit(code: int) -> None:
    raise Exited(code)


def test_an_unexpected_exception_exits_75(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(commit.os, "_exit", _exit)

    @exits_on_error
    async def agent() -> None:
        raise OSError("IO error: No space left on device")  # what RocksDB raises on a full disk

    with pytest.raises(Exited) as exited:
        asyncio.run(agent())
    assert exited.value.args == (EXIT_UNDELIVERED,)


def test_cancellation_and_a_clean_end_pass_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(commit.os, "_exit", _exit)

    @exits_on_error
    async def cancelled() -> None:
        raise asyncio.CancelledError

    @exits_on_error
    async def done() -> None:
        return None

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(cancelled())
    asyncio.run(done())


def test_limits_default_to_the_producer_and_never_exceed_it() -> None:
    limits = TopicLimits({"small": 1000, "huge": 10 * MAX_MESSAGE_BYTES})
    assert limits.batch_bytes("small") == 1000
    assert limits.batch_bytes("huge") == limits.batch_bytes("unknown") == MAX_MESSAGE_BYTES
    assert limits.fits("small", b"k", b"v" * (1000 - RECORD_OVERHEAD - 1))
    assert not limits.fits("small", b"k", b"v" * (1000 - RECORD_OVERHEAD))


def test_a_dead_letter_keeps_its_key_unless_the_key_is_huge() -> None:
    limits = TopicLimits({"dl": 10_000})
    room = 10_000 - RECORD_OVERHEAD
    assert letter_budget(limits, "dl", b"id-1") == (b"id-1", room - 4)
    assert letter_budget(limits, "dl", None) == (None, room)
    assert letter_budget(limits, "dl", b"k" * room) == (None, room)
