"""`tickertone connect rss URL...` and `tickertone connect http URL --map FILE`: feed connectors
publishing NewsItems to the raw topic (`streams.connect`)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

__all__ = ["add_connect_commands"]


def _parse_rss(body: bytes, url: str) -> tuple[str, list[Any]]:
    from streams.connect.rss import parse_feed

    title, stories = parse_feed(body, url)
    return title, list(stories)


def _cmd_connect(args: argparse.Namespace) -> int:
    from kafka import KafkaProducer
    from kafka.errors import KafkaError

    from streams.cli.main import settings_from_args
    from streams.connect.http_poll import FieldMap, MappingError, parse_api
    from streams.connect.poller import Feed, Parser, run, state_directory
    from streams.connect.sent_log import SentLog
    from streams.connect.tickers import TickerFinder
    from streams.kafka.clients import bootstrap_servers, kafka_python_config
    from streams.stages.story.directory import DirectoryError, SymbolDirectory

    settings = settings_from_args(args)
    cfg = settings.connect
    if args.interval is not None:
        cfg = cfg.model_copy(update={"interval_s": args.interval})
    if args.state_dir is not None:
        cfg = cfg.model_copy(update={"data_dir": args.state_dir.expanduser().absolute()})
    parsers: list[tuple[str, Parser]]
    if args.kind == "http":
        try:
            mapping = FieldMap.load(args.map)
        except MappingError as error:
            print(f"tickertone connect: {error}", file=sys.stderr)
            return 2

        def parse_json(body: bytes) -> tuple[str, list[Any]]:
            return mapping.source or "", parse_api(body, mapping)

        parsers = [(url, parse_json) for url in args.urls]
        source = args.source or mapping.source
    else:
        parsers = [(url, partial(_parse_rss, url=url)) for url in args.urls]
        source = args.source
    try:
        directory = SymbolDirectory.load(args.symbols or settings.story.symbols_csv, settings.story.builtin_directory)
    except DirectoryError as error:
        print(f"tickertone connect: {error}", file=sys.stderr)
        return 2
    feeds = [Feed(url, args.kind, parse, SentLog(state_directory(cfg, args.kind), url), source) for url, parse in parsers]
    topic = args.topic or settings.topics.raw
    client_config = kafka_python_config(settings.security)
    producer = KafkaProducer(bootstrap_servers=bootstrap_servers(settings.broker), acks="all", linger_ms=20, **client_config)
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())  # SIGTERM ends the loop after the poll in flight
    try:
        results = run(feeds, producer, topic, TickerFinder(directory), cfg, once=args.once, stop=stop)
    except KeyboardInterrupt:
        results = []
    except KafkaError as error:  # a refused story: nothing of that poll was recorded, the next run resends it
        print(f"tickertone connect: Kafka did not take the stories: {error}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
        producer.close()
    if args.once:
        sent = sum(r.sent for r in results)
        before = sum(r.already_sent for r in results)
        unchanged = sum(r.not_modified for r in results)
        failed = [r.error for r in results if r.error]
        print(f"sent {sent} stories to {topic} ({before} sent before, {unchanged} feed(s) not modified, {len(failed)} failed)")
        for message in failed:
            print(f"tickertone connect: {message}", file=sys.stderr)
        return 1 if failed else 0
    return 0


def add_connect_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    add_common: Callable[[argparse.ArgumentParser], None],
) -> None:
    """`tickertone connect rss|http`."""
    p = sub.add_parser("connect", help="poll news feeds (RSS/Atom, a JSON API) and publish to the raw topic")
    kinds = p.add_subparsers(dest="kind", required=True)
    rss = kinds.add_parser("rss", help="RSS 2.0 / Atom feeds")
    rss.add_argument("urls", nargs="+", metavar="URL")
    http = kinds.add_parser("http", help="a JSON API, read through a mapping file")
    http.add_argument("urls", nargs=1, metavar="URL")
    http.add_argument(
        "--map", type=Path, required=True, help="TOML mapping file naming the id, time, headline, body and ticker fields"
    )
    for q in (rss, http):
        add_common(q)
        q.add_argument("--topic", help="target topic (default: the raw topic)")
        q.add_argument("--once", action="store_true", help="poll each feed once, print a count and exit (1 if one failed)")
        q.add_argument("--interval", type=float, help="seconds between polls (env TICKERTONE_CONNECT__INTERVAL_S, default 60)")
        q.add_argument("--source", help="the NewsItem source (default: the feed's title, or the mapping's source)")
        q.add_argument(
            "--symbols", type=Path, help="CSV ticker,name,aliases for names in the text (env TICKERTONE_STORY__SYMBOLS_CSV)"
        )
        q.add_argument("--state-dir", type=Path, help="what was sent, kept across restarts (env TICKERTONE_CONNECT__DATA_DIR)")
        q.set_defaults(func=_cmd_connect)
