"""The `tickertone` command line. Builds the one Settings object and hands it down."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from inference.cli import add_model_commands
from streams.config import Settings, bootstrap_servers, from_env, with_overrides
from streams.logs import configure_logging

__all__ = ["main", "build_parser"]


def _settings(args: argparse.Namespace) -> Settings:
    settings = from_env()
    return with_overrides(
        settings,
        {
            (None, "broker"): getattr(args, "broker", None),
            (None, "data_dir"): getattr(args, "data_dir", None),
            ("metrics", "port"): getattr(args, "metrics_port", None),
            ("metrics", "addr"): getattr(args, "metrics_addr", None),
            ("scoring", "model"): getattr(args, "model", None),
        },
    )


def _cmd_broker(args: argparse.Namespace) -> int:
    from streams.broker import run_foreground

    return run_foreground(args.data, args.port)


def _cmd_worker(args: argparse.Namespace) -> int:
    from streams.worker import run_worker

    return run_worker(_settings(args), loglevel=args.log_level)


def _cmd_replay(args: argparse.Namespace) -> int:
    from streams.replay import replay

    settings = _settings(args)
    sent = replay(
        args.file,
        bootstrap_servers(settings.broker),
        args.topic or settings.topics.raw,
        rate=args.rate,
        progress=not args.no_progress,
        by_time=args.by_time,
        producer_config=settings.kafka_client_config(),
    )
    print(f"sent {sent} messages to {args.topic or settings.topics.raw}")
    return 0


def _cmd_tail(args: argparse.Namespace) -> int:
    from streams.tail import tail

    settings = _settings(args)
    tail(
        bootstrap_servers(settings.broker),
        args.topic,
        args.from_beginning,
        args.max,
        args.timeout,
        consumer_config=settings.kafka_client_config(),
    )
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from streams.evaluate import BUNDLED_NEWS, BUNDLED_PRICES, DEFAULT_BENCHMARK, DEFAULT_SIGNAL, SCORERS
    from streams.evaluate.report import write_report
    from streams.evaluate.run import Options, evaluate

    settings = _settings(args)
    scorers = tuple(dict.fromkeys(args.scorer or SCORERS))
    options = Options(
        news=args.news,
        prices=args.prices,
        signal=args.signal,
        scorers=scorers,
        benchmark=args.benchmark,
        ingest=settings.ingest,
        scoring=settings.scoring,
        state=settings.state,
    )
    # The command as the report shows it: the options that change the result, nothing local.
    command = ["tickertone", "evaluate"]
    for flag, value, default in (
        ("--news", args.news, BUNDLED_NEWS),
        ("--prices", args.prices, BUNDLED_PRICES),
        ("--signal", args.signal, DEFAULT_SIGNAL),
        ("--benchmark", args.benchmark, DEFAULT_BENCHMARK),
    ):
        if value != default:
            command += [flag, str(value)]
    if scorers != SCORERS:
        command += [part for name in scorers for part in ("--scorer", name)]
    command += ["--out", str(args.out)]
    evaluation = evaluate(options, progress=not args.no_progress)
    path = write_report(evaluation, args.out, shlex.join(command), progress=not args.no_progress)
    print(f"report written to {path}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from streams.demo import run_demo

    return run_demo(_settings(args), args)


def _add_broker_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--broker", help="Kafka bootstrap, e.g. kafka://127.0.0.1:9092 (env TICKERTONE_BROKER)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="tickertone", description=__doc__)
    parser.add_argument("--log-level", default="INFO")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("broker", help="run the embedded single-node Kafka broker (foreground)")
    p.add_argument("--data", type=Path, default=Path("var/kafka"), help="data directory (kept across restarts)")
    p.add_argument("--port", type=int, default=9092)
    p.set_defaults(func=_cmd_broker)

    p = sub.add_parser("worker", help="run the Faust worker (all agents)")
    _add_broker_flag(p)
    p.add_argument("--data-dir", type=Path, help="worker state directory (env TICKERTONE_DATA_DIR)")
    p.add_argument("--metrics-port", type=int, help="Prometheus port (env TICKERTONE_METRICS_PORT, default 9464)")
    p.add_argument("--metrics-addr", help="Prometheus bind address (default 127.0.0.1)")
    p.add_argument("--model", type=Path, help="exported model dir (env TICKERTONE_MODEL; default bundled)")
    p.set_defaults(func=_cmd_worker)

    p = sub.add_parser("replay", help="publish a CSV or JSONL news file to the raw topic")
    p.add_argument("file", type=Path)
    _add_broker_flag(p)
    p.add_argument("--topic", help="target topic (default: the raw topic)")
    p.add_argument("--rate", type=float, help="messages per second (default: as fast as possible)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--by-time", action="store_true", help="CSV: send in publication-time order")
    p.set_defaults(func=_cmd_replay)

    p = sub.add_parser("tail", help="print a topic's messages as JSON lines")
    p.add_argument("topic")
    _add_broker_flag(p)
    p.add_argument("--from-beginning", action="store_true")
    p.add_argument("--max", type=int, help="stop after N messages")
    p.add_argument("--timeout", type=float, help="stop after S seconds without a message")
    p.set_defaults(func=_cmd_tail)

    p = sub.add_parser("demo", help="broker + worker + replay of the bundled sample + live view")
    p.add_argument("--port", type=int, default=9092, help="embedded broker port")
    p.add_argument("--rate", type=float, default=200.0, help="replay rate, messages per second")
    p.add_argument("--duration", type=float, help="stop after S seconds (default: until Ctrl-C)")
    p.set_defaults(func=_cmd_demo)

    from streams.evaluate import BUNDLED_NEWS, BUNDLED_PRICES, DEFAULT_BENCHMARK, DEFAULT_SIGNAL, IC_FIELDS, SCORERS

    p = sub.add_parser("evaluate", help="replay evaluation: does the signal predict returns? (report + plots)")
    p.add_argument("--news", type=Path, default=BUNDLED_NEWS, help="CSV or JSONL news (default: the bundled sample)")
    p.add_argument("--prices", type=Path, default=BUNDLED_PRICES, help="daily price files dir (default: the sample's)")
    p.add_argument("--out", type=Path, default=Path("reports/evaluation"), help="report dir (default reports/evaluation)")
    p.add_argument("--signal", choices=IC_FIELDS, default=DEFAULT_SIGNAL, help=f"field judged (default {DEFAULT_SIGNAL})")
    p.add_argument("--scorer", action="append", choices=SCORERS, help="repeat for several (default: model and lexicon)")
    p.add_argument("--benchmark", default=DEFAULT_BENCHMARK, help=f"returns in excess of its (default {DEFAULT_BENCHMARK})")
    p.add_argument("--model", type=Path, help="exported model dir (env TICKERTONE_MODEL; default bundled)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=_cmd_evaluate)

    add_model_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tickertone` console script."""
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
