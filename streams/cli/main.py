"""The `tickertone` command line: builds the one `Settings` and hands it to the command.

Exit codes: 0 done; 1 a command failed (its message says why); 2 bad usage or a bad setting
(one line naming the variable or flag), an untested Faust, or a topic with another partition
count than the setting (one line naming the topic and both counts); 75 the worker's commit protocol met a refusal
(`streams.kafka.commit`); other codes are the worker's or the broker's own.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from inference.cli import add_model_commands
from streams.cli.config_cmd import add_config_commands
from streams.cli.connect import add_connect_commands
from streams.cli.evaluate_cmd import add_evaluate_command
from streams.kafka.clients import KafkaUnreachable, explained_kafka_errors
from streams.logs import configure_logging
from streams.settings import CONFIG_ENV, Settings, SettingsError, load_settings
from streams.settings.paths import state_dir

__all__ = ["build_parser", "main", "settings_from_args"]


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The settings, with the command's flags on top of the environment and the file."""
    return load_settings(
        getattr(args, "config", None),
        {
            "broker": getattr(args, "broker", None),
            "data_dir": getattr(args, "data_dir", None),
            "metrics": {"port": getattr(args, "metrics_port", None), "addr": getattr(args, "metrics_addr", None)},
            "scoring": {"model": getattr(args, "model", None)},
        },
    )


def _cmd_broker(args: argparse.Namespace) -> int:
    from streams.broker import JarsError, fetch_jars
    from streams.broker.foreground import run_foreground

    if args.fetch_only:
        try:
            print(fetch_jars())
        except JarsError as error:
            print(f"tickertone broker: {error}", file=sys.stderr)
            return 1
        return 0
    return run_foreground(args.data, args.port, args.sasl_port, args.sasl_users)


def _cmd_worker(args: argparse.Namespace) -> int:
    from streams.kafka.admin import PartitionMismatch, TopicAdminError
    from streams.kafka.compat.versions import CompatError
    from streams.kafka.worker import run_worker

    try:
        return run_worker(settings_from_args(args), loglevel=args.log_level)
    except (CompatError, PartitionMismatch) as error:
        print(f"tickertone worker: {error}", file=sys.stderr)
        return 2
    except TopicAdminError as error:  # e.g. a replication factor the cluster cannot meet
        print(f"tickertone worker: {error}", file=sys.stderr)
        return 1


def _cmd_replay(args: argparse.Namespace) -> int:
    from streams.cli.replay import replay
    from streams.kafka.clients import bootstrap_servers, kafka_python_config

    settings = settings_from_args(args)
    topic = args.topic or settings.topics.raw
    if args.from_topic is not None or args.file is None:
        return _backfill(args, settings, topic)
    with explained_kafka_errors(settings.broker, settings.security):
        sent = replay(
            args.file,
            bootstrap_servers(settings.broker),
            topic,
            rate=args.rate,
            progress=not args.no_progress,
            by_time=args.by_time,
            producer_config=kafka_python_config(settings.security),
        )
    print(f"sent {sent} messages to {topic}")
    return 0


def _backfill(args: argparse.Namespace, settings: Settings, topic: str) -> int:
    from streams.cli.backfill import backfill
    from streams.kafka.clients import bootstrap_servers, kafka_python_config
    from streams.kafka.time_range import parse_when

    if args.file is not None or args.from_topic is None or args.since is None:
        print("tickertone replay: give a FILE, or --from-topic TOPIC --since TIME [--until TIME]", file=sys.stderr)
        return 2
    try:
        since = parse_when(args.since)
        until = parse_when(args.until) if args.until else None
        with explained_kafka_errors(settings.broker, settings.security):
            sent = backfill(
                bootstrap_servers(settings.broker), args.from_topic, topic, since, until, kafka_python_config(settings.security)
            )
    except ValueError as error:
        print(f"tickertone replay: {error}", file=sys.stderr)
        return 2
    print(f"sent {sent} messages from {args.from_topic} to {topic}")
    return 0


def _cmd_tail(args: argparse.Namespace) -> int:
    from streams.cli.tail import tail
    from streams.kafka.clients import bootstrap_servers, kafka_python_config

    settings = settings_from_args(args)
    with explained_kafka_errors(settings.broker, settings.security):
        tail(
            bootstrap_servers(settings.broker),
            args.topic,
            args.from_beginning,
            args.max,
            args.timeout,
            consumer_config=kafka_python_config(settings.security),
        )
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from streams.cli.demo import DemoError, run_demo

    try:
        return run_demo(settings_from_args(args), args)
    except DemoError as error:
        print(f"tickertone demo: {error}", file=sys.stderr)
        return 2


def _cmd_health(args: argparse.Namespace) -> int:
    from streams.cli.health import check_health, metrics_url

    settings = settings_from_args(args)
    healthy, line = check_health(args.url or metrics_url(settings), args.max_lag or settings.metrics.health_max_lag_s)
    print(f"tickertone health: {line}", file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


def _add_common(parser: argparse.ArgumentParser, broker: bool = True) -> None:
    parser.add_argument("--config", type=Path, help=f"TOML settings file (env {CONFIG_ENV})")
    if broker:
        parser.add_argument("--broker", help="Kafka bootstrap, e.g. kafka://127.0.0.1:9092 (env TICKERTONE_BROKER)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="tickertone", description="Streaming per-ticker news sentiment on Kafka.")
    parser.add_argument("--log-level", default="INFO")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("broker", help="run the embedded single-node Kafka broker (foreground)")
    p.add_argument(
        "--data", type=Path, default=state_dir() / "kafka", help="data directory, kept across restarts (default %(default)s)"
    )
    p.add_argument("--port", type=int, default=9092)
    p.add_argument("--sasl-port", type=int, help="also listen with SASL_PLAINTEXT (PLAIN) on this port")
    p.add_argument("--sasl-users", type=Path, help="file of user:password lines the SASL listener accepts")
    p.add_argument("--fetch-only", action="store_true", help="fetch Kafka's jars into the cache, print where, and exit")
    p.set_defaults(func=_cmd_broker)

    p = sub.add_parser("worker", help="run the Faust worker (all agents)")
    _add_common(p)
    p.add_argument("--data-dir", type=Path, help="worker state directory (env TICKERTONE_DATA_DIR)")
    p.add_argument("--metrics-port", type=int, help="Prometheus port (env TICKERTONE_METRICS__PORT, default 9464)")
    p.add_argument("--metrics-addr", help="Prometheus bind address (env TICKERTONE_METRICS__ADDR, default 127.0.0.1)")
    p.add_argument("--model", type=Path, help="exported model dir (env TICKERTONE_SCORING__MODEL; default bundled)")
    p.set_defaults(func=_cmd_worker)

    p = sub.add_parser("replay", help="publish a CSV or JSONL news file, or a topic's time range (backfill), to the raw topic")
    p.add_argument("file", type=Path, nargs="?", help="CSV or JSONL news file (or use --from-topic)")
    _add_common(p)
    p.add_argument("--topic", help="target topic (default: the raw topic)")
    p.add_argument("--rate", type=float, help="messages per second (default: as fast as possible)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--by-time", action="store_true", help="CSV: send in (publication time, id) order")
    p.add_argument("--from-topic", help="backfill: re-publish this topic's records from --since to --until")
    p.add_argument("--since", help="backfill start: RFC 3339 (2026-03-02T14:30:00Z), a date, epoch seconds or 2h (ago)")
    p.add_argument("--until", help="backfill end, exclusive (default: the topic's end now)")
    p.set_defaults(func=_cmd_replay)

    p = sub.add_parser("tail", help="print a topic's messages as JSON lines")
    p.add_argument("topic")
    _add_common(p)
    p.add_argument("--from-beginning", action="store_true")
    p.add_argument("--max", type=int, help="stop after N messages")
    p.add_argument("--timeout", type=float, help="stop after S seconds without a message")
    p.set_defaults(func=_cmd_tail)

    p = sub.add_parser("demo", help="broker + worker + replay of the bundled sample + live view")
    _add_common(p, broker=False)
    p.add_argument("--port", type=int, default=9092, help="embedded broker port")
    p.add_argument("--rate", type=float, default=200.0, help="replay rate, messages per second")
    p.add_argument("--duration", type=float, help="stop after S seconds (default: until Ctrl-C)")
    p.add_argument(
        "--dir", type=Path, default=state_dir() / "demo", help="the demo's broker and worker data (default %(default)s)"
    )
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("health", help="exit 0 when the local worker's event loop is live (the container health check)")
    _add_common(p, broker=False)
    p.add_argument("--metrics-port", type=int, help="the worker's Prometheus port (env TICKERTONE_METRICS__PORT)")
    p.add_argument("--url", help="the worker's /metrics URL (default: from the metrics settings, on loopback)")
    p.add_argument(
        "--max-lag", type=float, help="event-loop lag that fails the check, s (env TICKERTONE_METRICS__HEALTH_MAX_LAG_S, 30)"
    )
    p.set_defaults(func=_cmd_health)

    add_connect_commands(sub, _add_common)
    add_evaluate_command(sub, _add_common)
    add_config_commands(sub, _add_common)
    add_model_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tickertone` console script."""
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level)
    try:
        return int(args.func(args) or 0)
    except SettingsError as error:
        print(f"tickertone {args.command}: {error}", file=sys.stderr)
        return 2
    except KafkaUnreachable as error:
        print(f"tickertone {args.command}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
