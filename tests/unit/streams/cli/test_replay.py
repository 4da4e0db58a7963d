"""Replay file parsing: stable ids, CSV -> NewsItem JSON, JSONL sent byte for byte."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest

from streams.cli.replay import read_records, story_id
from support.paths import SAMPLE_HEADLINES as SAMPLE


def test_story_id_is_sha256_prefix_of_the_identifying_fields() -> None:
    expected = hashlib.sha256(b"benzinga\x1f2020-06-05T14:30:00Z\x1fHello\x1fA").hexdigest()[:32]
    assert story_id("benzinga", "2020-06-05T14:30:00Z", "Hello", "A") == expected


@pytest.mark.parametrize(
    "changed",
    [
        ("reuters", "2020-06-05T14:30:00Z", "Hello", "A"),
        ("benzinga", "2020-06-05T14:31:00Z", "Hello", "A"),
        ("benzinga", "2020-06-05T14:30:00Z", "Hello!", "A"),
        ("benzinga", "2020-06-05T14:30:00Z", "Hello", "AA"),
    ],
)
def test_story_id_changes_with_each_field(changed: tuple[str, str, str, str]) -> None:
    assert story_id(*changed) != story_id("benzinga", "2020-06-05T14:30:00Z", "Hello", "A")


def test_csv_rows_become_news_items(tmp_path: Path) -> None:
    path = tmp_path / "news.csv"
    path.write_text(
        "row_id,published_utc,published_raw,ticker,headline,source\n"
        '0,2020-06-05T14:30:00Z,2020-06-05 10:30:00-04:00,A,"Agilent beats, raises",benzinga\n'
        "1,2020-06-03T14:45:00Z,2020-06-03 10:45:00-04:00,AAPL,Apple slips,\n",
        encoding="utf-8",
    )
    records = list(read_records(path))
    first, second = (orjson.loads(r.value) for r in records)
    assert first == {
        "id": story_id("benzinga", "2020-06-05T14:30:00Z", "Agilent beats, raises", "A"),
        "published_at": "2020-06-05T14:30:00Z",
        "headline": "Agilent beats, raises",
        "tickers": ["A"],
        "source": "benzinga",
        "schema_version": 1,
    }
    assert records[0].key == first["id"].encode()
    assert second["source"] == "news"  # no source column value: the file's stem


def test_jsonl_lines_are_sent_verbatim_even_when_broken(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    lines = [b'{"id": "x"}', b"\xff\xfe not utf-8", b"{not json", b'{"a": 1}']
    path.write_bytes(b"\n".join(lines[:2]) + b"\r\n" + b"\n".join(lines[2:]) + b"\n\n")
    assert [r.value for r in read_records(path)] == lines
    assert all(r.key is None for r in read_records(path))


def test_unknown_suffix_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="expected .csv or .jsonl"):
        read_records(tmp_path / "news.xlsx")


def test_bundled_sample_parses_completely() -> None:
    records = list(read_records(SAMPLE))
    assert len(records) == 6027  # data rows of streams/sample/benzinga_headlines.csv (wc -l minus header)
    # The sample holds 25 exact repeats (same source, time, headline, ticker): same id, by design.
    assert len({r.key for r in records}) == 6027 - 25


def test_csv_by_time_sends_oldest_first(tmp_path: Path) -> None:
    path = tmp_path / "news.csv"
    path.write_text(
        "published_utc,ticker,headline,source\n"
        "2020-06-05T14:30:00Z,A,late,bz\n"
        "2020-06-05T14:30:00-01:00,A,latest (15:30Z),bz\n"
        "2020-06-03T14:45:00Z,A,early,bz\n",
        encoding="utf-8",
    )
    in_file = [orjson.loads(r.value)["headline"] for r in read_records(path)]
    by_time = [orjson.loads(r.value)["headline"] for r in read_records(path, by_time=True)]
    assert in_file == ["late", "latest (15:30Z)", "early"]
    assert by_time == ["early", "late", "latest (15:30Z)"]


def test_csv_by_time_breaks_ties_by_id(tmp_path: Path) -> None:
    path = tmp_path / "news.csv"
    path.write_text(
        "id,published_utc,ticker,headline,source\n"
        "b,2020-06-05T14:30:00Z,A,second,bz\n"
        "c,2020-06-05T14:00:00Z,A,first,bz\n"
        "a,2020-06-05T14:30:00Z,A,also at 14:30,bz\n",
        encoding="utf-8",
    )
    assert [r.key for r in read_records(path, by_time=True)] == [b"c", b"a", b"b"]
