"""Dead letters stay small enough to publish, whatever the bad message holds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas import DeadLetter, decode, dumps
from schemas.errors import InvalidMessage, Reason
from streams.kafka.app import MAX_MESSAGE_BYTES
from streams.stages.ingest import MAX_ORIGINAL_BYTES, Origin, dead_letter

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
ERROR = InvalidMessage(Reason.NOT_JSON, "not JSON")


def letter(value: bytes | None, key: bytes | None = None) -> DeadLetter:
    return decode(DeadLetter, dumps(dead_letter(ERROR, value, Origin("news.raw", 1, 7, key), NOW)))


@pytest.mark.parametrize(
    ("value", "encoding"),
    [
        (b'{"id": "x", "headline": "cut', "utf-8"),  # readable text stays text
        ("caf\u00e9 \U0001f4c9".encode(), "utf-8"),
        (b"caf\xe9", "base64"),  # not UTF-8
        (b"\x01" * 100, "base64"),  # JSON would write each as \u0001: six times the size
        (b'"' * 100, "base64"),  # and each quote as \": twice
        (b"", "utf-8"),
    ],
)
def test_original_comes_back_in_the_shorter_form(value: bytes, encoding: str) -> None:
    got = letter(value)
    assert (got.original_bytes(), got.encoding) == (value, encoding)


def test_key_is_kept_the_same_way() -> None:
    got = letter(b"x", key=b"\x00\x01" * 10)
    assert (got.key_encoding, got.key) == ("base64", "AAEAAQABAAEAAQABAAEAAQABAAE=")


@pytest.mark.parametrize("filler", [b"\x01", b"\xff", b'"', b"x"])
def test_a_message_as_large_as_the_broker_takes_still_fits_in_a_dead_letter(filler: bytes) -> None:
    value = filler * (4 * 1024 * 1024 - 100)
    written = dumps(dead_letter(ERROR, value, Origin("news.raw", 0, 1, b"k"), NOW))
    assert len(written) < MAX_MESSAGE_BYTES - 1024
    got = decode(DeadLetter, written)
    assert got.original_bytes() == value[:MAX_ORIGINAL_BYTES]
    assert f"truncated to its first {MAX_ORIGINAL_BYTES} of {len(value)} bytes" in got.message


def test_a_tombstone_has_an_empty_original() -> None:
    got = letter(None, key=b"id-1")
    assert (got.original, got.key) == ("", "id-1")
