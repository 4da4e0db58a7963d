"""The connectors' pure parts: tickers from text, feed and API parsing, stable ids, the sent log,
backoff, and the times the command line and the HTTP API take."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from streams.connect.fetch import Validators
from streams.connect.http_poll import ApiParseError, FieldMap, MappingError, parse_api
from streams.connect.items import FeedStory, news_item, stable_id
from streams.connect.poller import backoff_delay
from streams.connect.rss import FeedParseError, parse_feed
from streams.connect.sent_log import SentLog
from streams.connect.tickers import MAX_TICKERS, TickerFinder
from streams.kafka.time_range import parse_when
from streams.stages.story.directory import Company, SymbolDirectory, aliases_of
from support.paths import REPO

FEEDS = REPO / "tests" / "resources" / "feeds"


def _finder(*rows: tuple[str, str]) -> TickerFinder:
    return TickerFinder(SymbolDirectory({t: Company(t, name, aliases_of(name)) for t, name in rows}))


def test_cashtags_and_exchange_qualified_symbols() -> None:
    finder = TickerFinder()
    text = "$AAPL and $brk.b up; (NASDAQ: MSFT), NYSE:XYZ, NYSE American: ABC, Nasdaq:QQQ; $2 billion; US$5; a$b"
    assert finder.find(text) == ["AAPL", "MSFT", "XYZ", "ABC", "QQQ"]  # lower-case cashtags are not symbols
    assert finder.find("(NYSE: BRK.B) and $BF-B") == ["BF-B", "BRK.B"]


def test_company_names_need_the_full_name_or_a_capitalised_word() -> None:
    finder = _finder(("ACME", "Acme Robotics Inc"), ("APLE", "Apple Hospitality REIT"), ("AAPL", "Apple Inc."))
    assert finder.find("Acme Robotics wins a contract") == ["ACME"]
    assert finder.find("Apple unveils a phone") == ["AAPL"]  # a full name beats another's short form
    assert finder.find("an apple a day") == []  # lower case: a fruit, not a company
    assert finder.find("Apple Hospitality buys hotels") == ["APLE", "AAPL"]
    assert finder.find("no names here", None, "") == []


def test_ambiguous_and_dangling_aliases_name_nobody() -> None:
    finder = _finder(("BK1", "Bank of Alpha"), ("BK2", "Bank of Beta"))
    assert finder.find("Bank of Gamma results") == []  # "bank of" is no name
    assert finder.find("Bank of Beta results") == ["BK2"]


def test_at_most_fifty_tickers() -> None:
    text = " ".join(f"$A{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(80))
    assert len(TickerFinder().find(text)) == MAX_TICKERS


def test_news_item_has_a_stable_id_and_the_feed_tickers_first() -> None:
    story = FeedStory("guid-1", "  Acme   Robotics beats  ", datetime(2026, 3, 2, 13, 5, tzinfo=UTC), "body", tickers=("acme",))
    now = datetime(2026, 3, 2, 14, tzinfo=UTC)
    item_id, value = news_item(story, "rss", "Wire", _finder(("OTHER", "Acme Robotics")), now)
    assert item_id == stable_id("rss", "guid-1") == news_item(story, "rss", "Wire", TickerFinder(), now)[0]
    assert b'"tickers":["ACME"]' in value and b'"headline":"Acme Robotics beats"' in value
    timeless = FeedStory("k", "Headline", None)
    assert b'"published_at":"2026-03-02T14:00:00Z"' in news_item(timeless, "rss", "W", TickerFinder(), now)[1]


def test_rss_atom_and_malformed_feeds() -> None:
    title, stories = parse_feed((FEEDS / "rss.xml").read_bytes())
    assert title == "Example Wire" and len(stories) == 5
    assert stories[2].key == "http://example.test/news/1003"  # no guid: the link
    assert stories[0].body == "Revenue rose 12%."
    title, stories = parse_feed((FEEDS / "atom.xml").read_bytes())
    assert title == "Example Atom Desk" and [s.key for s in stories] == ["urn:example:atom-desk:1", "urn:example:atom-desk:2"]
    assert stories[1].published_at == datetime(2026, 3, 2, 15, tzinfo=UTC)  # no published: the updated time
    with pytest.raises(FeedParseError):
        parse_feed((FEEDS / "malformed.xml").read_bytes())
    with pytest.raises(FeedParseError):
        parse_feed(b'{"a": 1}')


def test_api_mapping(tmp_path: Path) -> None:
    mapping = FieldMap.load(FEEDS / "api.toml")
    stories = parse_api((FEEDS / "api.json").read_bytes(), mapping)
    assert [(s.key, s.tickers) for s in stories] == [("a-1", ("ACME", "GBX")), ("a-2", ())]
    assert stories[0].published_at == datetime.fromtimestamp(1772461800, tz=UTC)
    assert parse_api(b'[{"h": "x", "t": 1772461800000}]', FieldMap(headline="h", time="t"))[
        0
    ].published_at == datetime.fromtimestamp(1772461800, tz=UTC)  # milliseconds
    with pytest.raises(ApiParseError):
        parse_api(b"<rss/>", mapping)
    with pytest.raises(ApiParseError):
        parse_api(b'{"data": {}}', mapping)
    bad = tmp_path / "map.toml"
    for text, message in [('id = "x"\n', "headline"), ('headline = "t"\nbody = 3\n', "string"), ("headline = [", "map.toml")]:
        bad.write_text(text)
        with pytest.raises(MappingError, match=message):
            FieldMap.load(bad)


def test_sent_log_survives_a_restart_and_keeps_the_newest(tmp_path: Path) -> None:
    log = SentLog(tmp_path, "http://feed", max_ids=3)
    assert log.validators() == Validators()
    log.record(["a", "b"], Validators('"e1"', None))
    log.record(["b", "c", "d"], Validators(None, "Mon, 02 Mar 2026 13:00:00 GMT"))
    again = SentLog(tmp_path, "http://feed", max_ids=3)
    assert [i in again for i in "abcd"] == [False, True, True, True]
    assert again.validators() == Validators(None, "Mon, 02 Mar 2026 13:00:00 GMT")
    assert "a" not in SentLog(tmp_path, "http://other")


def test_backoff_doubles_to_the_cap_and_honours_retry_after() -> None:
    assert [backoff_delay(n, 10.0, 100.0) for n in range(6)] == [10.0, 10.0, 20.0, 40.0, 80.0, 100.0]
    assert backoff_delay(1, 10.0, 100.0, retry_after=300.0) == 300.0


def test_parse_when() -> None:
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    assert parse_when("2026-03-02T14:30:00Z") == datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
    assert parse_when("2026-03-02T14:30:00+01:00") == datetime(2026, 3, 2, 13, 30, tzinfo=UTC)
    assert parse_when("2026-03-02") == datetime(2026, 3, 2, tzinfo=UTC)
    assert parse_when("1772461800") == datetime.fromtimestamp(1772461800, tz=UTC)
    assert parse_when("2h", now) == now - timedelta(hours=2)
    assert parse_when("7d", now) == now - timedelta(days=7)
    for bad in ["2026-03-02T14:30:00", "yesterday", ""]:
        with pytest.raises(ValueError):
            parse_when(bad)
