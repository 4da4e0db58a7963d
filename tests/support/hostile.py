"""Malformed and hostile raw messages, each with the dead-letter reason it must get.

One table of breakers (each spoils a valid story in one way and names the reason) serves two
sources: `mutations(n, seed)` spoils real stories from the bundled sample, and the hypothesis
strategy `hostile_inputs()` spoils generated stories whose other fields are hostile but valid
(control characters, any Unicode, odd extras), besides sending arbitrary bytes. Expected
reasons follow `schemas.validate_news`'s documented order: size first, then JSON, nesting,
schema, times; placing the time on an exchange calendar comes last.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
from hypothesis import strategies as st

from schemas import DeadLetter
from schemas.errors import Reason
from streams.stages.exchange_time import ExchangeMap
from streams.stages.ingest import Origin, ingest
from support.stories import sample_stories

__all__ = ["Bad", "BREAKERS", "MAX_BYTES", "mutations", "hostile_inputs", "assert_rejected_in_process"]

MAX_BYTES = 1_000_000  # IngestSettings.max_message_bytes, the default the worker runs with
# The largest raw message the test broker takes is 4 MiB; stay under it with the envelope.
LARGEST = 4_000_000
# A stray byte, a bad continuation, a UTF-16 surrogate, a 5-byte form, a cut sequence, an
# overlong slash, a code point past U+10FFFF.
INVALID_UTF8 = [b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xe2\x82", b"\xc0\xaf", b"\xf4\x90\x80\x80"]
STORY_FIELDS = ("id", "published_at", "headline", "tickers", "body", "source", "language", "url", "received_at")
REQUIRED = ("id", "published_at", "headline", "tickers")
# Values of the wrong JSON type for each field (the optional ones may be null).
WRONG_TYPES: dict[str, list[Any]] = {
    **{name: [42, 1.5, True, None, [], {}, ["A"]] for name in ("id", "published_at", "headline")},
    **{name: [42, 1.5, True, [], {"a": 1}] for name in ("body", "source", "language", "url", "received_at")},
    "tickers": ["A", 42, None, {"A": 1}, True, [1], [None], [["A"]]],
    "schema_version": [2, 0, "1", True, None, 1.5],
}
BAD_TICKERS = ["", "A B", "-X", ".A", "ABCDEFGHIJKLM", "A\n", "A\u0000", "\u00c4", "AAPL$"]
BAD_TIMES = [
    "yesterday afternoon",
    "",
    "2020-13-05T10:30:00Z",
    "2020-02-30T10:30:00Z",
    "2020-06-05T24:00:00Z",
    "2020-06-05T10:30Z",
    "20200605T103000Z",
    "2020-06-05",
    "2020-06-05T10:30:00+24:00",
    "0001-01-01T00:30:00+01:00",  # before year 1 in UTC
    "9999-12-31T23:59:59-01:00",  # after year 9999 in UTC
]
SIZE_LIMITS = {"headline": 1000, "body": 100_000, "id": 256, "source": 256, "url": 2048, "language": 35, "published_at": 64}
# One character of each JSON cost: 1 byte, 6 bytes escaped, 2 bytes escaped, 2-byte and 4-byte UTF-8.
FILLERS = ["x", "\u0001", '"', "\u00e9", "\U0001f4c9"]


@dataclass(frozen=True)
class Bad:
    """A raw message (value None: a tombstone) and the reason it must be dead-lettered with
    (None: any reason but internal_error, for arbitrary bytes)."""

    value: bytes | None
    reason: Reason | None
    key: bytes | None = None
    breaker: str = "bytes"


def _sized(data: bytes, reason: Reason) -> tuple[bytes, Reason]:
    # The size check comes first: a message over the limit is too_large whatever else is wrong.
    return data, Reason.TOO_LARGE if len(data) > MAX_BYTES else reason


def _with(story: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**story, **changes}


def _append(story: dict[str, Any], member: bytes) -> bytes:
    """The story's JSON with `member` (`"name":value`, written by hand) added at the end."""
    return orjson.dumps(story)[:-1] + b"," + member + b"}"


def broken_utf8(story: dict[str, Any], rng: random.Random) -> tuple[bytes | None, Reason]:
    data = orjson.dumps(story)
    at = rng.randrange(len(data) + 1)  # anywhere: a sequence cut or out of range stays invalid
    return _sized(data[:at] + rng.choice(INVALID_UTF8) + data[at:], Reason.NOT_UTF8)


def truncated(story: dict[str, Any], rng: random.Random) -> tuple[bytes | None, Reason]:
    data = orjson.dumps(story)
    cut = data[: rng.randrange(len(data))]  # no prefix of an object is JSON
    try:
        cut.decode("utf-8")
    except UnicodeDecodeError:
        return cut, Reason.NOT_UTF8  # cut inside a character
    return cut, Reason.NOT_JSON


def non_finite(story: dict[str, Any], rng: random.Random) -> tuple[bytes | None, Reason]:
    token = rng.choice([b"NaN", b"Infinity", b"-Infinity", b"nan", b"1e999", b"-1e400"])
    name = rng.choice([b"weight", b"score", b"headline"])
    return _sized(_append(story, b'"' + name + b'":' + token), Reason.NOT_JSON)


def raw_control(story: dict[str, Any], rng: random.Random) -> tuple[bytes | None, Reason]:
    data = orjson.dumps(story)
    at = data.index(b'"headline":"') + len(b'"headline":"')  # inside the headline string
    control = bytes([rng.randrange(0x20)]) * rng.randint(1, 3)
    return _sized(data[:at] + control + data[at:], Reason.NOT_JSON)


def oversized_field(story: dict[str, Any], rng: random.Random) -> tuple[bytes | None, Reason]:
    name, limit = rng.choice(list(SIZE_LIMITS.items()))
    value = rng.choice(FILLERS) * (limit + 1 + rng.randrange(limit))
    return _sized(orjson.dumps(_with(story, **{name: value})), Reason.SCHEMA)


def megabytes(story: dict[str, Any], rng: random.Random) -> tuple[bytes | None, Reason]:
    """A body of 1 to 4 MB (the broker's limit) of one kind of character."""
    filler = rng.choice(FILLERS)
    cost = len(orjson.dumps(filler)) - 2
    size = rng.randrange(MAX_BYTES + 1, LARGEST)
    return _sized(orjson.dumps(_with(story, body=filler * (size // cost))), Reason.TOO_LARGE)


def deep(story: dict[str, Any], rng: random.Random) -> tuple[bytes | None, Reason]:
    # 64 containers below the story object are 65 levels; orjson itself gives up at 1024.
    depth = rng.choice([64, 65, rng.randrange(66, 1024), rng.randrange(1024, 5000)])
    opener, closer = rng.choice([(b"[", b"]"), (b'{"a":', b"}")])
    return _sized(_append(story, b'"nested":' + opener * depth + b"0" + closer * depth), Reason.TOO_DEEP)


def wrong_type(story: dict[str, Any], rng: random.Random) -> tuple[bytes | None, Reason]:
    name = rng.choice(list(WRONG_TYPES))
    return _sized(orjson.dumps(_with(story, **{name: rng.choice(WRONG_TYPES[name])})), Reason.SCHEMA)


def missing_field(story: dict[str, Any], rng: random.Random) -> tuple[bytes | None, Reason]:
    gone = rng.choice(REQUIRED)
    return _sized(orjson.dumps({k: v for k, v in story.items() if k != gone}), Reason.SCHEMA)


def no_tickers(story: dict[str, Any], rng: random.Random) -> tuple[bytes | None, Reason]:
    return _sized(orjson.dumps(_with(story, tickers=[])), Reason.NO_TICKERS)


def bad_tickers(story: dict[str, Any], rng: random.Random) -> tuple[bytes | None, Reason]:
    if rng.random() < 0.2:
        tickers = [f"T{i}" for i in range(51 + rng.randrange(100))]  # more than 50
    else:
        tickers = [*story["tickers"], rng.choice(BAD_TICKERS)]
    return _sized(orjson.dumps(_with(story, tickers=tickers)), Reason.SCHEMA)


def _naive_text(year: int, rng: random.Random) -> str:
    """A random time in `year` as RFC 3339 without an offset ("2017-03-09T14:05:00")."""
    day = datetime(2001, rng.randint(1, 12), rng.randint(1, 28), rng.randrange(24), rng.randrange(60))
    return f"{year:04d}{day.isoformat()[4:]}"  # day <= 28: valid in any year


def naive_time(story: dict[str, Any], rng: random.Random) -> tuple[bytes | None, Reason]:
    name = rng.choice(["published_at", "received_at"])
    return _sized(orjson.dumps(_with(story, **{name: _naive_text(rng.randint(2001, 2025), rng)})), Reason.NAIVE_TIME)


def bad_time(story: dict[str, Any], rng: random.Random) -> tuple[bytes | None, Reason]:
    name = rng.choice(["published_at", "received_at"])
    return _sized(orjson.dumps(_with(story, **{name: rng.choice(BAD_TIMES)})), Reason.BAD_TIME)


def far_time(story: dict[str, Any], rng: random.Random) -> tuple[bytes | None, Reason]:
    """Before the calendars start (2000): unplaceable; or long after they end: in the future,
    which the ingest stage refuses first (`future_time`)."""
    if rng.random() < 0.5:
        return _sized(
            orjson.dumps(_with(story, published_at=_naive_text(rng.randint(1, 1999), rng) + "Z")), Reason.UNPLACEABLE_TIME
        )
    return _sized(orjson.dumps(_with(story, published_at=_naive_text(rng.randint(2100, 9998), rng) + "Z")), Reason.FUTURE_TIME)


def not_an_object(story: dict[str, Any], rng: random.Random) -> tuple[bytes | None, Reason]:
    return _sized(orjson.dumps(rng.choice([[story], story["headline"], 42, None, True, [1, 2, 3]])), Reason.SCHEMA)


def trailing(story: dict[str, Any], rng: random.Random) -> tuple[bytes | None, Reason]:
    data = orjson.dumps(story)
    junk = rng.choice([b"x", b"{}", data, b"\x00", b","])
    return _sized(rng.choice([data + junk, b"\xef\xbb\xbf" + data]), Reason.NOT_JSON)  # or a byte order mark


def tombstone(story: dict[str, Any], rng: random.Random) -> tuple[bytes | None, Reason]:
    return None, Reason.NOT_JSON


Breaker = Callable[[dict[str, Any], random.Random], tuple[bytes | None, Reason]]
# name -> (breaker, weight): megabyte messages are rare, as they are heavy to send.
BREAKERS: dict[str, tuple[Breaker, float]] = {
    breaker.__name__: (breaker, 0.1 if breaker is megabytes else 1.0)
    for breaker in (
        broken_utf8, truncated, non_finite, raw_control, oversized_field, megabytes, deep, wrong_type,
        missing_field, no_tickers, bad_tickers, naive_time, bad_time, far_time, not_an_object, trailing,
        tombstone,
    )
}  # fmt: skip


def _hostile_key(story: dict[str, Any], rng: random.Random) -> bytes | None:
    """Mostly the story id or no key; sometimes bytes that are not UTF-8 or are full of controls."""
    return rng.choice([story["id"].encode(), None, bytes(rng.randrange(256) for _ in range(16)), b"\x00\x01" * 500])


def _break(story: dict[str, Any], name: str, rng: random.Random) -> Bad:
    value, reason = BREAKERS[name][0](story, rng)
    key = _hostile_key(story, rng)
    if value is None:  # Kafka takes no message without a key and a value
        key = key or story["id"].encode()
    return Bad(value, reason, key, name)


def mutations(n: int, seed: int) -> list[Bad]:
    """n real sample stories, each spoiled by a breaker drawn by weight."""
    rng = random.Random(seed)
    stories = sample_stories()
    names = list(BREAKERS)
    weights = [weight for _, weight in BREAKERS.values()]
    return [_break(stories[rng.randrange(len(stories))], rng.choices(names, weights)[0], rng) for _ in range(n)]


_known = set(STORY_FIELDS) | {"schema_version"}
_numbers = st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False, allow_infinity=False)  # what JSON holds
_json = st.recursive(
    st.none() | st.booleans() | _numbers | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
_offsets = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(lambda minutes: timezone(timedelta(minutes=minutes)))
_times = st.builds(
    lambda when, tz: when.replace(tzinfo=UTC).astimezone(tz).isoformat(),
    st.datetimes(datetime(2001, 1, 1), datetime(2025, 12, 31)),
    _offsets,
)
_symbols = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9.\-]{0,11}", fullmatch=True)
# Valid stories with hostile content: any Unicode (control characters too), odd extras.
_stories = st.builds(
    lambda fields, optional, extra: {**extra, **fields, **optional},
    st.fixed_dictionaries(
        {
            "id": st.text(min_size=1, max_size=256),
            "published_at": _times,
            "headline": st.text(min_size=1, max_size=1000),
            "tickers": st.lists(_symbols, min_size=1, max_size=5),
        }
    ),
    st.fixed_dictionaries(
        {},
        optional={
            "body": st.none() | st.text(max_size=2000),
            "source": st.none() | st.text(max_size=256),
            "language": st.none() | st.text(max_size=35),
            "url": st.none() | st.text(max_size=2048),
            "received_at": st.none() | _times,
            "schema_version": st.just(1),
        },
    ),
    st.dictionaries(st.text(max_size=8).filter(lambda k: k not in _known), _json, max_size=3),
)
_cheap_breakers = [name for name, (_, weight) in BREAKERS.items() if weight >= 1.0]


def hostile_inputs() -> st.SearchStrategy[Bad]:
    """Arbitrary bytes, or a generated hostile story spoiled by one of the cheap breakers."""
    spoiled = st.builds(_break, _stories, st.sampled_from(_cheap_breakers), st.randoms(use_true_random=False))
    return st.builds(Bad, st.binary(max_size=2000), st.none()) | spoiled


_EXCHANGES = ExchangeMap.load()


def assert_rejected_in_process(bad: Bad) -> None:
    """The ingest function, called directly (with the worker's default future tolerance),
    dead-letters `bad` with its reason."""
    result = ingest(bad.value, Origin("raw", 0, 0, bad.key), _EXCHANGES, MAX_BYTES, future_tolerance_s=300.0)
    assert isinstance(result, DeadLetter), f"{bad.breaker} input accepted: {bad.value!r:.300}"
    assert result.reason != Reason.INTERNAL, result.message
    assert bad.reason is None or result.reason == bad.reason, (bad.breaker, result.reason, result.message)
