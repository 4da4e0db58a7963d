"""Records, codec and schema files: every record round-trips and its JSON matches its file."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from jsonschema import Draft202012Validator

import schemas
from schemas import (
    SCHEMA_NAMES,
    Alert,
    AlertDriver,
    DeadLetter,
    Direction,
    NewsItem,
    NormalizedNews,
    Phase,
    ScoredNews,
    Severity,
    TickerSignal,
    TickerStamp,
    decode,
    dumps,
    format_time,
    parse_time,
    schema_path,
)
from schemas.errors import InvalidMessage, Reason

NEW_YORK = ZoneInfo("America/New_York")
UTC = UTC
PUBLISHED = datetime(2020, 6, 5, 10, 30, tzinfo=NEW_YORK)  # 14:30Z

NEWS = NewsItem(
    id="bz-1",
    published_at=datetime(2020, 6, 5, 10, 30, tzinfo=timezone(timedelta(hours=-4))),
    headline="Agilent beats estimates",
    tickers=("A", "BRK.B"),
    body="Revenue rose 5%.",
    source="benzinga",
    language="en",
    url="https://example.com/a",
    received_at=datetime(2020, 6, 5, 14, 30, 5, 250000, tzinfo=UTC),
    extra={"weight": 0.5, "meta": {"seq": [1, 2]}},
)
STAMPS = (
    TickerStamp("A", "XNYS", date(2020, 6, 5), Phase.REGULAR, PUBLISHED),
    TickerStamp("BRK.B", "XLON", date(2020, 6, 8), Phase.CLOSED, PUBLISHED.astimezone(ZoneInfo("Europe/London"))),
)
RECORDS = {
    "news_item": NEWS,
    "normalized_news": NormalizedNews(
        id="bz-1",
        published_at=PUBLISHED,
        published_at_utc=PUBLISHED.astimezone(UTC),
        headline="Agilent beats estimates",
        tickers=("A", "BRK.B"),
        received_at=datetime(2020, 6, 5, 14, 30, 7, tzinfo=UTC),
        stamps=STAMPS,
        ingested_at=datetime(2020, 6, 5, 14, 30, 8, tzinfo=UTC),
        source="benzinga",
        extra={"weight": 0.5},
    ),
    "scored_news": ScoredNews(
        id="bz-1",
        ticker="A",
        published_at_utc=datetime(2020, 6, 5, 14, 30, tzinfo=UTC),
        session=date(2020, 6, 5),
        phase=Phase.REGULAR,
        score=-0.75,
        confidence=0.9,
        n_sentences=2,
        weight=1.0,
        headline="Agilent misses",
        source=None,
        model="finbert-tone-int8",
        ingested_at=datetime(2020, 6, 5, 14, 30, 8, tzinfo=UTC),
        model_score=-0.3,
        event_type="earnings",
        event_direction=-1,
        event_magnitude=-12.5,
        relevance=1.0,
        novelty=0.4,
        chain_id="bz-0",
    ),
    "ticker_signal": TickerSignal(
        ticker="A",
        as_of=datetime(2020, 6, 5, 14, 30, tzinfo=UTC),
        emitted_at=datetime(2026, 1, 5, 12, 0, 0, 123456, tzinfo=UTC),
        session=date(2020, 6, 5),
        phase=Phase.REGULAR,
        score_fast=-0.5,
        score_slow=-0.1,
        exposure=-1.25,
        buzz=2.5,
        zscore=None,
        linear_window_score=0.02,
        n_events=3,
        news_id="bz-1",
        model="finbert-tone-int8",
        event_type="earnings",
        relevance=1.0,
        novelty=0.4,
    ),
    "alert": Alert(
        alert_id="0123456789abcdef0123456789abcdef",
        ticker="A",
        direction=Direction.NEGATIVE,
        severity=Severity.CRITICAL,
        reason="story_score",
        as_of=datetime(2020, 6, 5, 14, 30, tzinfo=UTC),
        emitted_at=datetime(2026, 1, 5, 12, 0, tzinfo=UTC),
        score_fast=-0.9,
        score_slow=-0.2,
        zscore=-3.5,
        story_score=-1.2,
        drivers=(
            AlertDriver("bz-2", "Agilent cuts guidance", datetime(2020, 6, 5, 14, 30, tzinfo=UTC), -1.2, "guidance", 0.85, 1.0),
            AlertDriver("bz-1", "Agilent misses", datetime(2020, 6, 5, 13, 0, tzinfo=UTC), -0.9, "earnings", 1.0, 1.0),
        ),
        event_type="earnings",
        relevance=0.85,
        novelty=1.0,
    ),
    "dead_letter": DeadLetter(
        reason=Reason.NOT_UTF8,
        message="not UTF-8: invalid start byte at byte offset 0",
        original=base64.b64encode(b"\xff{}").decode("ascii"),
        encoding="base64",
        topic="news.raw",
        partition=3,
        offset=42,
        key=None,
        key_encoding="utf-8",
        failed_at=datetime(2026, 1, 5, 12, 0, tzinfo=UTC),
    ),
}


def _file_validator(name: str) -> Draft202012Validator:
    schema = json.loads(schema_path(name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    # FORMAT_CHECKER makes date-time and date assertions, not annotations (rfc3339-validator).
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_there_is_a_record_for_every_schema_file() -> None:
    assert set(RECORDS) == set(SCHEMA_NAMES)
    assert sorted(p.name for p in schema_path("alert").parent.glob("*.schema.json")) == sorted(
        f"{name}.schema.json" for name in SCHEMA_NAMES
    )


def test_date_time_format_is_really_checked() -> None:
    # Guards the tests below: without rfc3339-validator, date-time would be silently accepted.
    assert not _file_validator("dead_letter").is_valid({**RECORDS["dead_letter"].to_dict(), "failed_at": "x"})


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_round_trip_through_codec_and_schema_file(name: str) -> None:
    record = RECORDS[name]
    data = dumps(record)
    written = orjson.loads(data)
    errors = [e.message for e in _file_validator(name).iter_errors(written)]
    assert errors == []
    # Version 2: ScoredNews and TickerSignal carry the story intelligence fields; Alert 3 its
    # drivers and alert_id as well.
    versions = {"scored_news": 2, "ticker_signal": 2, "alert": 3}
    assert written["schema_version"] == versions.get(name, 1)
    assert decode(type(record), data) == record
    assert dumps(decode(type(record), data)) == data


@pytest.mark.parametrize("name", sorted(set(RECORDS) - {"news_item"}))
def test_every_field_is_required_and_nothing_else_is_allowed(name: str) -> None:
    written = RECORDS[name].to_dict()
    validator = _file_validator(name)
    for field in written:
        assert not validator.is_valid({k: v for k, v in written.items() if k != field}), field
    assert not validator.is_valid({**written, "surprise": 1})


def test_written_forms() -> None:
    written = RECORDS["normalized_news"].to_dict()
    assert written["published_at"] == "2020-06-05T10:30:00-04:00"  # the offset it came with
    assert written["published_at_utc"] == "2020-06-05T14:30:00Z"
    assert written["stamps"][1] == {
        "ticker": "BRK.B",
        "exchange": "XLON",
        "session": "2020-06-08",
        "phase": "closed",
        "local_time": "2020-06-05T15:30:00+01:00",
    }
    assert written["body"] is None  # optional fields are written as null, never left out
    assert written["extra"] == {"weight": 0.5}
    assert RECORDS["ticker_signal"].to_dict()["emitted_at"] == "2026-01-05T12:00:00.123456Z"


def test_news_item_writes_its_input_shape() -> None:
    written = NEWS.to_dict()
    assert written["weight"] == 0.5  # unknown fields back at the top level
    assert written["received_at"] == "2020-06-05T14:30:05.250000Z"
    assert "body" not in NewsItem("x", PUBLISHED, "h", ("A",)).to_dict()  # absent stays absent


@pytest.mark.parametrize(
    ("name", "enum", "values"),
    [
        ("dead_letter", ("properties", "reason", "enum"), set(Reason)),
        ("normalized_news", ("properties", "stamps", "items", "properties", "phase", "enum"), set(Phase)),
        ("scored_news", ("properties", "phase", "enum"), set(Phase)),
        ("ticker_signal", ("properties", "phase", "enum"), set(Phase)),
        ("alert", ("properties", "severity", "enum"), set(Severity)),
        ("alert", ("properties", "direction", "enum"), set(Direction)),
    ],
)
def test_schema_enums_match_the_python_enums(name: str, enum: tuple[str, ...], values: set[str]) -> None:
    node: Any = json.loads(schema_path(name).read_text())
    for key in enum:
        node = node[key]
    assert set(node) == {str(v) for v in values}


def test_dead_letter_gives_back_the_original_bytes() -> None:
    assert RECORDS["dead_letter"].original_bytes() == b"\xff{}"
    text = DeadLetter("schema", "m", '{"id": 1}', "utf-8", "news.raw", 0, 0, "k", "utf-8", PUBLISHED)
    assert text.original_bytes() == b'{"id": 1}'


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"{", Reason.NOT_JSON),
        (b"[]", Reason.SCHEMA),
        (b'{"ticker": "A"}', Reason.SCHEMA),
        (dumps(RECORDS["scored_news"]).replace(b'"phase":"regular"', b'"phase":"lunch"'), Reason.SCHEMA),
        (dumps(RECORDS["scored_news"]).replace(b"14:30:00Z", b"14:30:00"), Reason.NAIVE_TIME),
    ],
)
def test_decode_refuses_what_is_not_the_record(data: bytes, reason: Reason) -> None:
    with pytest.raises(InvalidMessage) as caught:
        decode(ScoredNews, data)
    assert caught.value.reason is reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-06-05T14:30:00Z", datetime(2020, 6, 5, 14, 30, tzinfo=UTC)),
        ("2020-06-05T10:30:00-04:00", datetime(2020, 6, 5, 14, 30, tzinfo=UTC)),
        ("2020-06-05 16:30:00+02:00", datetime(2020, 6, 5, 14, 30, tzinfo=UTC)),
        ("2020-06-05T14:30:00.5-00:00", datetime(2020, 6, 5, 14, 30, 0, 500000, tzinfo=UTC)),
    ],
)
def test_parse_time(text: str, expected: datetime) -> None:
    assert parse_time(text, "t") == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2020, 6, 5, 14, 30, tzinfo=UTC), "2020-06-05T14:30:00Z"),
        (datetime(2020, 6, 5, 14, 30, 1, 5, tzinfo=UTC), "2020-06-05T14:30:01.000005Z"),
        (PUBLISHED, "2020-06-05T10:30:00-04:00"),
        (datetime(2020, 1, 6, 9, 0, tzinfo=ZoneInfo("Europe/London")), "2020-01-06T09:00:00Z"),  # GMT is UTC+0
    ],
)
def test_format_time(value: datetime, text: str) -> None:
    assert format_time(value) == text


def test_package_surface() -> None:
    assert schemas.SCHEMA_VERSION == 1
    assert all(hasattr(schemas, name) for name in schemas.__all__)
    with pytest.raises(ValueError, match="unknown schema 'news'"):
        schema_path("news")


def test_a_version_1_scored_news_reads_as_a_story_with_no_event_full_relevance_and_novelty() -> None:
    """What a consumer of version 1 gave us still decodes (a rolling upgrade: records in flight)."""
    v1 = {key: value for key, value in RECORDS["scored_news"].to_dict().items() if key not in {
        "model_score", "event_type", "event_direction", "event_magnitude", "event_actor", "relevance", "novelty", "chain_id"}}
    v1["schema_version"] = 1
    record = ScoredNews.from_dict(v1)
    assert (record.event_type, record.event_direction, record.event_magnitude) == ("other", 0, None)
    assert (record.relevance, record.novelty, record.chain_id) == (1.0, 1.0, record.id)
    assert record.to_dict()["model_score"] == record.score
