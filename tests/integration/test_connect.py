"""Feed connectors (`tickertone connect`) against a real local HTTP server serving fixture feeds
(RSS 2.0, Atom, a JSON API, a malformed feed, a server error) and the real broker: stable ids,
tickers from the text, conditional requests, no duplicates across restarts, errors that end no
run, and the ingest stage dead-lettering a story without tickers as `no_tickers`."""

from __future__ import annotations

import threading
import time
from functools import partial
from pathlib import Path

import orjson
import pytest
from kafka import KafkaProducer

from schemas import DeadLetter, decode
from streams.cli.main import main
from streams.connect.items import stable_id
from streams.connect.poller import Feed, run
from streams.connect.rss import parse_feed
from streams.connect.sent_log import SentLog
from streams.connect.tickers import TickerFinder
from streams.kafka.admin import ensure_topics
from streams.settings import ConnectSettings
from support.feeds import FEEDS, FeedServer
from support.kafka import TopicReader
from support.worker import WorkerProcess, wait_until

NEW_ITEM = b'<item><guid isPermaLink="false">wire-2000</guid><title>Acme Robotics names a new CEO</title></item>'
WANT_RSS = {  # the feed's own key -> tickers (the feed gives none: read from the text)
    "wire-1001": ["ACME"],  # (NASDAQ: ACME)
    "wire-1002": ["ZZZT"],  # $ZZZT
    "http://example.test/news/1003": ["GBX"],  # no guid: the link is the key; "Globex" from symbols.csv
    "wire-1004": [],  # nothing names a company: dead-lettered by ingest as no_tickers
    "wire-1005": ["INIT"],  # NYSE:INIT in the body
    "urn:example:atom-desk:1": ["INIT"],  # Atom: "Initech"
    "urn:example:atom-desk:2": ["HOOL"],  # Atom: "Hooli" in the HTML content
}


def _connect(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["connect", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _values(reader: TopicReader[bytes]) -> dict[str, dict[str, object]]:
    items: dict[str, dict[str, object]] = {}
    for value in reader.read():
        item = orjson.loads(value)
        assert item["id"] not in items, f"sent twice: {item}"
        items[item["id"]] = item
    return items


def _raw_topic_and_flags(kafka_bootstrap: str, unique_prefix: str, tmp_path: Path) -> tuple[str, list[str]]:
    """A fresh raw topic, and the `connect` flags every run here shares: one poll, that topic,
    a sent log under `tmp_path`, the fixtures' symbol directory."""
    raw = f"{unique_prefix}raw"
    ensure_topics(kafka_bootstrap, [raw], partitions=2)
    flags = ["--broker", f"kafka://{kafka_bootstrap}", "--topic", raw, "--once", "--state-dir", str(tmp_path / "sent")]
    return raw, [*flags, "--symbols", str(FEEDS / "symbols.csv")]


def test_rss_and_atom_feeds_reach_the_raw_topic_once(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw, common = _raw_topic_and_flags(kafka_bootstrap, unique_prefix, tmp_path)
    with FeedServer() as server, TopicReader(kafka_bootstrap, raw, lambda r: r.value) as reader:
        feeds = [server.url("rss.xml"), server.url("atom.xml")]
        code, out, err = _connect(capsys, "rss", *feeds, *common)
        assert code == 0, err
        assert "sent 7 stories" in out
        items = _values(reader)
        assert {i: item["tickers"] for i, item in items.items()} == {stable_id("rss", k): t for k, t in WANT_RSS.items()}
        first = items[stable_id("rss", "wire-1001")]
        assert first["published_at"] == "2026-03-02T13:05:00Z" and first["source"] == "Example Wire"
        assert first["body"] == "Revenue rose 12%."  # HTML tags gone

        # A second run (a restart: a new process state) asks conditionally: 304s, nothing sent.
        code, out, _ = _connect(capsys, "rss", *feeds, *common)
        assert code == 0 and "sent 0 stories" in out and "2 feed(s) not modified" in out
        assert server.not_modified == {"rss.xml": 1, "atom.xml": 1}

        # A server without validators sends the whole feed again: the sent log keeps it from Kafka.
        server.conditional = False
        code, out, _ = _connect(capsys, "rss", *feeds, *common)
        assert code == 0 and "sent 0 stories to" in out and "7 sent before" in out
        # A new story in the feed: only it goes out, with its own stable id.
        server.overrides["rss.xml"] = (FEEDS / "rss.xml").read_bytes().replace(b"<item>", NEW_ITEM + b"<item>", 1)
        code, out, _ = _connect(capsys, "rss", *feeds, *common)
        assert code == 0 and "sent 1 stories" in out
        items = _values(reader)
        assert len(items) == 8 and items[stable_id("rss", "wire-2000")]["tickers"] == ["ACME"]

        # A malformed feed and a server error end neither the run nor the other feed.
        code, out, err = _connect(capsys, "rss", server.url("malformed.xml"), server.url("error"), server.url("rss.xml"), *common)
        assert code == 1 and "2 failed" in out
        assert "not a feed" in err and "HTTP 500" in err
        assert len(_values(reader)) == 8


def test_json_api_through_a_mapping_file(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw, common = _raw_topic_and_flags(kafka_bootstrap, unique_prefix, tmp_path)
    with FeedServer() as server, TopicReader(kafka_bootstrap, raw, lambda r: r.value) as reader:
        code, out, err = _connect(capsys, "http", server.url("api.json"), "--map", str(FEEDS / "api.toml"), *common)
        assert code == 0, err
        items = _values(reader)
        assert {i: (item["tickers"], item["published_at"], item["source"]) for i, item in items.items()} == {
            stable_id("http", "a-1"): (["ACME", "GBX"], "2026-03-02T14:30:00Z", "example-api"),  # the API's own
            stable_id("http", "a-2"): (["UMBR"], "2026-03-02T15:45:00Z", "example-api"),  # none given: "Umbrella"
        }  # a-3 has no headline: skipped
        code, out, _ = _connect(capsys, "http", server.url("api.json"), "--map", str(FEEDS / "api.toml"), *common)
        assert code == 0 and "sent 0 stories" in out and server.not_modified["api.json"] == 1
        code, out, err = _connect(capsys, "http", server.url("rss.xml"), "--map", str(FEEDS / "api.toml"), *common)
        assert code == 1 and "not JSON" in err
        bad_map = tmp_path / "bad.toml"
        bad_map.write_text('items = "x"\nheadlines = "title"\n')
        code, _, err = _connect(capsys, "http", server.url("api.json"), "--map", str(bad_map), *common)
        assert code == 2 and "unknown field(s) headlines" in err


def test_story_without_tickers_is_dead_lettered_by_ingest(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with WorkerProcess(kafka_bootstrap, unique_prefix, tmp_path, stages="ingest") as worker, FeedServer() as server:
        worker.wait_ready()
        code, _, err = _connect(
            capsys,
            "rss",
            server.url("rss.xml"),
            "--broker",
            f"kafka://{kafka_bootstrap}",
            "--topic",
            worker.topic("raw"),
            "--once",
            "--state-dir",
            str(tmp_path / "sent"),
            "--symbols",
            str(FEEDS / "symbols.csv"),
        )
        assert code == 0, err
        with TopicReader(kafka_bootstrap, worker.topic("deadletter"), lambda r: decode(DeadLetter, r.value)) as letters:
            assert wait_until(lambda: len(letters.read()) >= 1, 60), worker.log_tail()
            (letter,) = letters.read()
        with TopicReader(kafka_bootstrap, worker.topic("normalized"), lambda r: orjson.loads(r.value)) as normalized:
            assert wait_until(lambda: len(normalized.read()) >= 4, 60), worker.log_tail()
            assert sorted(n["id"] for n in normalized.read()) == sorted(
                stable_id("rss", k) for k, t in WANT_RSS.items() if t and not k.startswith("urn:")
            )
    assert str(letter.reason) == "no_tickers"
    assert orjson.loads(letter.original_bytes())["id"] == stable_id("rss", "wire-1004")


def test_the_loop_polls_conditionally_and_backs_off_a_failing_feed(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    """The long-running loop (no --once) for 3 s, polling every 0.2 s: the good feed is asked
    again and again and answers 304 after the first time; the failing one is asked after 0.2,
    0.4, 0.8, 0.8 ... s (the 0.8 s cap), not every 0.2 s, and the good one does not wait for it."""
    raw = f"{unique_prefix}raw"
    ensure_topics(kafka_bootstrap, [raw], partitions=1)
    cfg = ConnectSettings(interval_s=0.2, max_backoff_s=0.8, data_dir=tmp_path)
    with FeedServer() as server, TopicReader(kafka_bootstrap, raw, lambda r: r.value) as reader:
        good, bad = server.url("rss.xml"), server.url("error")
        feeds = [
            Feed(good, "rss", partial(parse_feed, url=good), SentLog(tmp_path / "good", good)),
            Feed(bad, "rss", partial(parse_feed, url=bad), SentLog(tmp_path / "bad", bad)),
        ]
        producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
        stop = threading.Event()
        loop = threading.Thread(target=run, args=(feeds, producer, raw, TickerFinder(), cfg), kwargs={"stop": stop})
        loop.start()
        time.sleep(3.0)
        stop.set()
        loop.join(timeout=30)
        producer.close()
        assert not loop.is_alive()
        assert len(reader.read()) == 5  # the feed's stories, once
    assert server.requests["rss.xml"] >= 6
    assert server.not_modified["rss.xml"] == server.requests["rss.xml"] - 1
    assert 3 <= server.requests["error"] <= 7, server.requests  # 15 without the backoff
    assert feeds[1].errors == server.requests["error"] and feeds[0].errors == 0
