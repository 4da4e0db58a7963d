"""Byte limits in the pure ingest stage: a dead letter is cut to fit its topic and says so; a
story whose normalised form its output topics cannot take is dead-lettered `too_large`."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from schemas import DeadLetter, NormalizedNews, decode, dumps
from schemas.errors import InvalidMessage, Reason
from streams.stages.exchange_time import ExchangeMap
from streams.stages.ingest import MAX_ORIGINAL_BYTES, Origin, dead_letter, ingest

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
ERROR = InvalidMessage(Reason.NOT_JSON, "not JSON")


def _cut(value: bytes | None, key: bytes | None, max_bytes: int) -> tuple[bytes, DeadLetter]:
    written = dumps(dead_letter(ERROR, value, Origin("news.raw", 1, 7, key), NOW, max_bytes))
    return written, decode(DeadLetter, written)


@pytest.mark.parametrize("filler", [b"x", b"\x01", b"\xff", b'"', "\u00e9".encode()])
@pytest.mark.parametrize("max_bytes", [1_000, 10_000, 1_048_000])
def test_a_dead_letter_is_cut_to_fit_and_flagged(filler: bytes, max_bytes: int) -> None:
    value = filler * (2_900_000 // len(filler))  # like the ~2.8 MB dead letters of 1 MB input
    written, got = _cut(value, b"key-1", max_bytes)
    assert len(written) <= max_bytes
    kept = got.original_bytes()
    assert value.startswith(kept) and len(kept) > max_bytes // 3  # cut, not emptied
    assert f"original truncated to its first {len(kept)} of {len(value)} bytes to fit the dead-letter topic" in got.message
    assert (got.reason, got.key, got.offset) == ("not_json", "key-1", 7)


def test_a_letter_that_fits_is_left_whole() -> None:
    value = b'{"id": "x", "headline": "cut'
    assert dead_letter(ERROR, value, Origin("news.raw", 0, 1, b"k"), NOW, 10_000) == dead_letter(
        ERROR, value, Origin("news.raw", 0, 1, b"k"), NOW
    )


def test_a_huge_key_is_cut_after_the_original() -> None:
    written, got = _cut(b"v" * 5_000, b"k" * 50_000, 4_000)
    assert len(written) <= 4_000
    assert got.original == "" and got.key is not None and "k" * 50_000 > got.key
    assert "key truncated to its first" in got.message and "original truncated to its first 0 of 5000" in got.message


def test_a_value_over_the_keep_limit_reports_its_full_size() -> None:
    value = b"y" * (MAX_ORIGINAL_BYTES + 10)
    written, got = _cut(value, None, 500_000)
    assert len(written) <= 500_000
    assert f"of {len(value)} bytes to fit" in got.message


def _story(extra: dict[str, object]) -> bytes:
    return orjson.dumps({
        "id": "big-1", "published_at": "2025-06-05T14:30:00Z", "headline": "Acme beats", "tickers": ["AAPL"],
        "body": "Acme beat estimates.", **extra,
    })


def test_a_story_whose_normalised_form_does_not_fit_is_too_large() -> None:
    value = _story({"body": "z" * 50_000})
    origin = Origin("news.raw", 0, 3, b"big-1")
    exchanges = ExchangeMap.load(None, default_mic="XNYS")
    fits = ingest(value, origin, exchanges, 1_000_000, now=NOW, max_output_bytes=200_000)
    assert isinstance(fits, NormalizedNews)
    size = len(dumps(fits)) + len(b"big-1")
    assert isinstance(ingest(value, origin, exchanges, 1_000_000, now=NOW, max_output_bytes=size), NormalizedNews)
    got = ingest(value, origin, exchanges, 1_000_000, now=NOW, max_output_bytes=size - 1, max_dead_letter_bytes=20_000)
    assert isinstance(got, DeadLetter) and got.reason == "too_large"
    assert "normalised story takes" in got.message
    assert len(dumps(got)) <= 20_000
