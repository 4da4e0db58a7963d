"""Exchange time against hand-derived answers (resources/xnys_stamps.csv and the tables here)."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from schemas import NewsItem, Phase
from schemas.errors import InvalidMessage, Reason
from streams.stages.exchange_time import ExchangeMap, session_closes, stamp, stamp_story
from support.paths import SAMPLE_HEADLINES as SAMPLE

RESOURCES = Path(__file__).parent / "resources"



def _answers() -> list:
    with (RESOURCES / "xnys_stamps.csv").open(newline="") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return [pytest.param(row, id=f"{row['utc']} {row['comment']}") for row in rows]


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("row", _answers())
def test_xnys_answer_file(row: dict[str, str]) -> None:
    got = stamp(_utc(row["utc"]), "XNYS")
    assert (got.session.isoformat(), got.phase) == (row["session"], row["phase"])
    # Compare the written form: it shows both the wall-clock time and the DST offset.
    assert got.local_time.isoformat() == row["local_time"]
    assert got.exchange == "XNYS"
    assert got.published_at_utc == _utc(row["utc"])
    assert got.published_at_utc.utcoffset().total_seconds() == 0


@pytest.mark.parametrize(
    "published_at",
    [
        "2020-06-05T14:30:00+00:00",
        "2020-06-05T10:30:00-04:00",  # New York (EDT), as the sample's published_raw
        "2020-06-05T23:30:00+09:00",  # Tokyo
        "2020-06-05T15:30:00+01:00",  # London (BST)
    ],
)
def test_same_instant_in_any_offset_gives_the_same_stamp(published_at: str) -> None:
    got = stamp(datetime.fromisoformat(published_at))
    assert (got.session, got.phase) == (date(2020, 6, 5), Phase.REGULAR)
    assert got.published_at_utc == datetime(2020, 6, 5, 14, 30, tzinfo=UTC)
    assert got.local_time.isoformat() == "2020-06-05T10:30:00-04:00"


@pytest.mark.parametrize(
    ("mic", "utc", "session", "phase"),
    [
        # XNAS keeps the NYSE holidays: Good Friday closed, acts on Monday.
        ("XNAS", "2023-04-07T14:00:00Z", "2023-04-10", "closed"),
        ("XNAS", "2023-03-13T13:30:00Z", "2023-03-13", "regular"),
        # London 08:00-16:30 local; 2023-06-12 is BST (UTC+1).
        ("XLON", "2023-06-12T07:00:00Z", "2023-06-12", "regular"),  # 08:00 BST, the open
        ("XLON", "2023-06-12T15:29:00Z", "2023-06-12", "regular"),  # 16:29 BST
        ("XLON", "2023-06-12T15:45:00Z", "2023-06-13", "after_hours"),  # 16:45 BST
        ("XLON", "2023-12-25T12:00:00Z", "2023-12-27", "closed"),  # Christmas; Boxing Day closed too
        # Tokyo 09:00-15:00 JST (UTC+9) in 2023, lunch 11:30-12:30 counted as regular.
        ("XTKS", "2023-06-12T03:00:00Z", "2023-06-12", "regular"),  # 12:00 JST, lunch break
        ("XTKS", "2023-06-12T06:30:00Z", "2023-06-13", "after_hours"),  # 15:30 JST
        ("XTKS", "2023-06-11T18:30:00Z", "2023-06-12", "closed"),  # 03:30 JST Monday
    ],
)
def test_other_exchanges(mic: str, utc: str, session: str, phase: str) -> None:
    got = stamp(_utc(utc), mic)
    assert (got.exchange, got.session.isoformat(), got.phase) == (mic, session, phase)


def test_first_placeable_time_is_the_first_sessions_pre_market() -> None:
    # Calendars start 2000-01-01 (a Saturday): the first session is Monday 2000-01-03.
    got = stamp(_utc("2000-01-03T09:00:00Z"))  # 04:00 EST
    assert (got.session, got.phase) == (date(2000, 1, 3), Phase.PRE_MARKET)


@pytest.mark.parametrize(
    "utc",
    [
        "1850-01-01T12:00:00Z",  # the sample's malformed "far-past" story
        "1999-12-31T15:00:00Z",  # before the calendar's first session
        "2000-01-03T08:59:00Z",  # 03:59 EST on the first session day: prior session unknown
        "2200-01-01T15:00:00Z",  # beyond the calendar's end (about a year from today)
    ],
)
def test_outside_the_calendar_is_unplaceable(utc: str) -> None:
    with pytest.raises(InvalidMessage) as caught:
        stamp(_utc(utc))
    assert caught.value.reason is Reason.UNPLACEABLE_TIME


def test_unknown_exchange() -> None:
    with pytest.raises(InvalidMessage) as caught:
        stamp(_utc("2020-06-05T14:30:00Z"), "XXXX")
    assert caught.value.reason is Reason.UNKNOWN_EXCHANGE


def test_naive_time_is_refused() -> None:
    with pytest.raises(InvalidMessage) as caught:
        stamp(datetime(2020, 6, 5, 10, 30))
    assert caught.value.reason is Reason.NAIVE_TIME


def test_every_sample_story_is_placeable() -> None:
    with SAMPLE.open(newline="", encoding="utf-8") as handle:
        times = [row["published_utc"] for row in csv.DictReader(handle)]
    assert len(times) > 6000
    sessions = {stamp(_utc(t)).session for t in times}
    assert min(sessions) == date(2009, 4, 29)  # first story: 2009-04-29 08:48 EDT, pre-market


# ---- ExchangeMap ----------------------------------------------------------------------------


def test_bundled_map() -> None:
    exchanges = ExchangeMap.load()
    assert exchanges.mic_for("AAPL") == "XNAS"
    assert exchanges.mic_for("aapl") == "XNAS"  # tickers match case-insensitively
    assert exchanges.mic_for("A") == "XNYS"
    assert exchanges.mic_for("NOT-LISTED") == "XNYS"  # the default


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_custom_map_and_default(tmp_path: Path) -> None:
    path = _write(tmp_path, "# comment\nticker,mic\n\nbarc,XLON\n  # indented comment\n7203,XTKS\n")
    exchanges = ExchangeMap.load(path, default_mic="XNAS")
    assert exchanges.mics == {"BARC": "XLON", "7203": "XTKS"}
    assert exchanges.mic_for("Barc") == "XLON"
    assert exchanges.mic_for("MSFT") == "XNAS"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("symbol,exchange\nA,XNYS\n", "header"),
        ("ticker,mic\nA,XNYS\nB,XXXX\n", ":3: no exchange calendar for MIC 'XXXX'"),
        ("ticker,mic\nA,XNYS\na,XNAS\n", ":3: ticker A is listed twice"),
        ("ticker,mic\nA,XNYS,extra\n", ":2: expected 'ticker,mic'"),
        ("", "header"),
    ],
)
def test_bad_map_names_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ValueError) as caught:
        ExchangeMap.load(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_unknown_default_mic_is_refused() -> None:
    with pytest.raises(ValueError, match="XXXX"):
        ExchangeMap.load(default_mic="XXXX")


# ---- stamp_story ----------------------------------------------------------------------------

WORKER_NOW = datetime(2023, 6, 12, 15, 46, tzinfo=UTC)


def _item(**changes: object) -> NewsItem:
    fields: dict = {
        "id": "s1",
        "published_at": datetime.fromisoformat("2023-06-12T11:45:00-04:00"),  # 15:45Z
        "headline": "Banks fall",
        "tickers": ("JPM", "BARC"),
        "extra": {"feed_seq": 7},
    }
    fields.update(changes)
    return NewsItem(**fields)


def test_stamp_story_stamps_each_ticker_on_its_exchange() -> None:
    exchanges = ExchangeMap({"BARC": "XLON"})
    news = stamp_story(_item(), exchanges, received_at=WORKER_NOW)
    # 15:45Z is 11:45 in New York (regular) and 16:45 in London (after its 16:30 close).
    assert [(s.ticker, s.exchange, s.session, s.phase) for s in news.stamps] == [
        ("JPM", "XNYS", date(2023, 6, 12), Phase.REGULAR),
        ("BARC", "XLON", date(2023, 6, 13), Phase.AFTER_HOURS),
    ]
    assert news.stamps[1].local_time.isoformat() == "2023-06-12T16:45:00+01:00"
    assert news.published_at_utc == datetime(2023, 6, 12, 15, 45, tzinfo=UTC)
    assert news.published_at.isoformat() == "2023-06-12T11:45:00-04:00"  # kept as published
    assert (news.id, news.headline, news.tickers, news.extra) == ("s1", "Banks fall", ("JPM", "BARC"), {"feed_seq": 7})
    assert news.received_at == WORKER_NOW  # the feed sent no received_at


def test_stamp_story_keeps_the_feeds_received_at() -> None:
    feed_time = datetime(2023, 6, 12, 15, 45, 30, tzinfo=UTC)
    news = stamp_story(_item(received_at=feed_time), ExchangeMap(), received_at=WORKER_NOW)
    assert news.received_at == feed_time


def test_stamp_story_refuses_a_ticker_on_an_unknown_exchange() -> None:
    with pytest.raises(InvalidMessage) as caught:
        stamp_story(_item(), ExchangeMap({"BARC": "XXXX"}), received_at=WORKER_NOW)
    assert caught.value.reason is Reason.UNKNOWN_EXCHANGE


def test_session_closes_are_the_boundaries_stamp_uses() -> None:
    closes = session_closes("XNYS", date(2023, 11, 22), date(2023, 11, 27))
    assert [day for day, _ in closes] == [date(2023, 11, 22), date(2023, 11, 24), date(2023, 11, 27)]
    assert closes[1][1] == datetime(2023, 11, 24, 18, 0, tzinfo=UTC)  # early close, 13:00 New York
    for (day, close), (next_day, _) in pairwise(closes):
        assert stamp(close - timedelta(microseconds=1)).session == day
        assert stamp(close).session == next_day
    assert session_closes("XNYS", date(2023, 11, 25), date(2023, 11, 26)) == []  # a weekend


def test_the_public_stamp_is_the_stage_s_stamp() -> None:
    """DESIGN.md "Public surface" names `streams.exchange_time.stamp`."""
    import streams.exchange_time

    assert streams.exchange_time.stamp is stamp
