"""`tickertone model export|eval|bench`: registered on the top-level CLI by `add_model_commands`.

Heavy modules (torch/optimum for export, onnxruntime for eval and bench) load only when their
command runs, so `tickertone --help` stays fast and works without the extras.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["add_model_commands"]

log = logging.getLogger(__name__)


def add_model_commands(subparsers: Any) -> None:
    """Add the `model` command group to an `argparse` subparsers object (sets `func`)."""
    model = subparsers.add_parser("model", help="export, evaluate or benchmark a sentiment model")
    commands = model.add_subparsers(dest="model_command", required=True, parser_class=_LazyArgumentParser)

    p = commands.add_parser("export", help="export a Hugging Face model dir to ONNX (needs the export extra)")
    p.add_argument("src", type=Path, help="Hugging Face sequence-classification model dir (local)")
    p.add_argument("out", type=Path, help="output dir; point TICKERTONE_SCORING__MODEL at it")
    p.add_argument(
        "--precision",
        action="append",
        choices=("fp32", "fp16", "int8"),
        help="repeat for several (default: fp32 and int8; fp16 is for CUDA)",
    )
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--max-length", type=int, default=128, help="tokens per sentence kept at run time")
    p.add_argument(
        "--calibration",
        type=Path,
        help="int8 calibration sentences: a CSV with a text/sentence/headline column, or a PhraseBank "
        "release dir (its train side is used); default: the bundled sample headlines",
    )
    p.add_argument("--calibration-size", type=int, default=400, help="calibration sentences drawn (default 400)")
    p.add_argument(
        "--calibration-method",
        choices=("minmax", "percentile", "entropy"),
        default="minmax",
        help="how activation ranges are set from the calibration sentences (default minmax)",
    )
    p.set_defaults(func=_cmd_export)

    p = commands.add_parser("calibrate", help="fit the temperature of an exported model on the twitter calibration split")
    p.add_argument("model", type=Path, help="exported model dir: calibration.json is written there")
    p.add_argument("--data", type=Path, help="a split CSV (text,label,agreement); default: the shipped twitter calibration side")
    p.add_argument("--precision", choices=("fp32", "fp16", "int8"), help="default: the provider's choice")
    p.add_argument("--provider", help="cpu or cuda (default: CUDA when available)")
    p.set_defaults(func=_cmd_calibrate)

    p = commands.add_parser(
        "eval",
        help="accuracy, macro-F1 and calibration on the shipped held-out sets (twitter validation, PhraseBank test, "
        "labelled headlines), or --events on labelled headlines",
    )
    p.add_argument("--model", type=Path, help="exported model dir (default: the bundled model)")
    p.add_argument("--phrasebank", type=Path, help="PhraseBank release dir: only its test split, for --split-seed")
    p.add_argument("--split-seed", type=int, help="split seed (only with --phrasebank)")
    p.add_argument("--precision", choices=("fp32", "fp16", "int8"), help="default: the provider's choice")
    p.add_argument("--provider", help="cpu or cuda (default: CUDA when available)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument(
        "--events",
        type=Path,
        help="labelled headlines CSV (e.g. inference/eval/labeled_headlines.csv): report event and relevance "
        "precision instead of the model's accuracy",
    )
    p.add_argument("--symbols", type=Path, help="with --events: a symbols CSV (ticker,name,aliases) on top of the built-in one")
    p.set_defaults(func=_cmd_eval)

    commands.add_parser("bench", help="throughput and latency of the scorer", populate=_add_bench_arguments)


class _LazyArgumentParser(argparse.ArgumentParser):
    """A parser that adds its arguments (`populate`) when it first parses: `model bench` imports
    onnxruntime only when it runs."""

    def __init__(self, *args: Any, populate: Callable[[argparse.ArgumentParser], None] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._populate = populate

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        if self._populate is not None:
            populate, self._populate = self._populate, None
            populate(self)
        return super().parse_known_args(args, namespace)


def _add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    from inference import bench

    parser.description = bench.__doc__
    bench.add_arguments(parser)
    parser.set_defaults(func=bench.run)


def _cmd_export(args: argparse.Namespace) -> int:
    from inference.export import ExportError, export_model

    precisions = tuple(dict.fromkeys(args.precision or ("fp32", "int8")))
    try:
        out = export_model(
            args.src,
            args.out,
            precisions,
            opset=args.opset,
            max_length=args.max_length,
            calibration=args.calibration,
            calibration_size=args.calibration_size,
            calibration_method=args.calibration_method,
        )
    except ExportError as exc:
        log.error("export failed: %s", exc)
        return 1
    print(json.dumps(json.loads((out / "export.json").read_text()), indent=2))
    return 0


def _cmd_eval_events(args: argparse.Namespace) -> int:
    from streams.evaluate.labeled import evaluate_labels
    from streams.settings import StorySettings
    from streams.stages.story import SymbolDirectory

    reports = evaluate_labels(args.events, SymbolDirectory.load(args.symbols), StorySettings())
    print("\n".join(report.table() for report in reports.values()), end="")
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from inference.evaluate import DEFAULT_SPLIT_SEED, evaluate
    from inference.runtime import ModelError

    if args.events is not None:
        return _cmd_eval_events(args)
    if args.split_seed is not None and args.phrasebank is None:
        log.error("--split-seed needs --phrasebank: the shipped test split is for seed %d", DEFAULT_SPLIT_SEED)
        return 2
    if args.phrasebank is None:
        return _eval_table(args)
    try:
        result = evaluate(
            args.model,
            split_seed=DEFAULT_SPLIT_SEED if args.split_seed is None else args.split_seed,
            phrasebank=args.phrasebank,
            precision=args.precision,
            provider=args.provider,
        )
    except (ModelError, OSError, ValueError) as exc:
        log.error("evaluation failed: %s", exc)
        return 1
    print(json.dumps(result.as_dict(), indent=2) if args.json else result.summary())
    return 0



def _eval_table(args: argparse.Namespace) -> int:
    from inference.model_report import as_json, evaluate_sets, format_table
    from inference.runtime import ModelError

    try:
        scorer, rows = evaluate_sets(args.model, args.provider, args.precision)
    except (ModelError, OSError, ValueError) as exc:
        log.error("evaluation failed: %s", exc)
        return 1
    print(as_json(scorer, rows) if args.json else format_table(scorer, args.model, rows), end="" if not args.json else "\n")
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from inference.model_report import calibrate
    from inference.runtime import ModelError
    from inference.twitter import SHIPPED_CALIBRATION

    try:
        result = calibrate(args.model, args.data or SHIPPED_CALIBRATION, args.provider, args.precision)
    except (ModelError, OSError, ValueError) as exc:
        log.error("calibration failed: %s", exc)
        return 1
    print(json.dumps(result, indent=2))
    return 0
