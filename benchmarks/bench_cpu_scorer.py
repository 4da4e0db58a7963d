"""The CPU scorer, one knob at a time, against the Hugging Face pipeline on the same model.

Same sentences (the shipped twitter validation side, labelled), same calls of `--call`
sentences (the score agent's batch), one process, alternating rounds. Rows:
- `hf`: transformers' text-classification pipeline, torch fp32, on the checkpoint the ONNX
  model was exported from (`--hf-model`), batch `--batch`; needs torch + transformers.
- ORT rows: `tickertone`'s Scorer with precision int8 or fp32, batches planned with `max pad`
  N (length-sorted, a batch closes before a sentence N tokens longer than its first: the CPU
  default is `CPU_MAX_PAD`; 0 is one length per batch) or as plain `sorted chunks` (padded to
  their longest), intra-op threads 1 or 2, graph optimization basic / extended / all.
Each row: sentences/s (best of `--rounds`) and accuracy on the labels, so speed is compared at
equal accuracy.

    python benchmarks/bench_cpu_scorer.py --model MODEL_DIR --hf-model HF_DIR
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from inference.evaluate import LABELS, read_split_csv
from inference.model_report import logits_in_label_order
from inference.scorer import CPU_MAX_PAD, Scorer, load_scorer
from inference.twitter import SHIPPED_VALIDATION

SAMPLE = Path(__file__).resolve().parents[1] / "streams" / "sample" / "benzinga_headlines.csv"


def ort_row(model: Path, precision: str, max_pad: int | None, threads: int, optimization: str, batch: int) -> Scorer:
    scorer = load_scorer(model, "cpu", precision=precision, intra_op_threads=threads, optimization=optimization,
                         batch_size=batch)
    scorer.max_pad = max_pad
    return scorer


def timed(predict: Callable[[list[str]], list[str]], texts: list[str], call: int) -> tuple[float, list[str]]:
    started = time.perf_counter()
    out: list[str] = []
    for i in range(0, len(texts), call):
        out += predict(texts[i : i + call])
    return len(texts) / (time.perf_counter() - started), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--model", type=Path, required=True, help="exported ONNX model dir (model_int8/fp32.onnx)")
    parser.add_argument("--hf-model", type=Path, help="its Hugging Face checkpoint (adds the pipeline row)")
    parser.add_argument("--call", type=int, default=64, help="sentences per call (the score agent's batch)")
    parser.add_argument("--batch", type=int, default=32, help="sentences per model run")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sentences", type=int, default=704)
    parser.add_argument("--data", choices=("tweets", "headlines"), default="tweets",
                        help="tweets: the labelled twitter validation side; headlines: the bundled sample (no labels)")
    args = parser.parse_args()
    if args.data == "tweets":
        everything = read_split_csv(SHIPPED_VALIDATION)  # grouped by label: take an even stride
        data = everything[:: max(1, len(everything) // args.sentences)][: args.sentences]
        texts, gold = [s.text for s in data], np.array([s.label for s in data])
    else:
        with SAMPLE.open(newline="", encoding="utf-8") as handle:
            heads = [row["headline"] for row in csv.DictReader(handle)]
        texts = heads[:: max(1, len(heads) // args.sentences)][: args.sentences]
        gold = np.array([""] * len(texts))  # no labels: accuracy reads 0

    contenders: dict[str, Callable[[list[str]], list[str]]] = {}
    if args.hf_model:
        from transformers import pipeline

        classify = pipeline("text-classification", model=str(args.hf_model), device=-1)

        def hf(batch: list[str]) -> list[str]:
            return [r["label"].lower() for r in classify(batch, batch_size=args.batch, truncation=True)]

        contenders["hf pipeline, torch fp32"] = hf
    rows: list[tuple[str, int | None, int, str]] = [
        ("int8", CPU_MAX_PAD, 2, "all"), ("int8", None, 2, "all"), ("int8", 0, 2, "all"),
        ("fp32", CPU_MAX_PAD, 2, "all"), ("fp32", None, 2, "all"),
        ("int8", CPU_MAX_PAD, 1, "all"), ("int8", CPU_MAX_PAD, 2, "extended"), ("int8", CPU_MAX_PAD, 2, "basic"),
    ]
    for precision, max_pad, threads, optimization in rows:
        scorer = ort_row(args.model, precision, max_pad, threads, optimization, args.batch)

        def ort(batch: list[str], scorer: Scorer = scorer) -> list[str]:
            return [LABELS[i] for i in logits_in_label_order(scorer, batch).argmax(axis=1)]

        plan = "sorted chunks" if max_pad is None else f"max pad {max_pad}"
        name = f"ORT {precision}, {plan}, {threads} threads, opt {optimization}"
        contenders[name] = ort
    best: dict[str, float] = dict.fromkeys(contenders, 0.0)
    accuracy: dict[str, float] = {}
    for _ in range(args.rounds):
        for name, predict in contenders.items():
            rate, predicted = timed(predict, texts, args.call)
            best[name] = max(best[name], rate)
            accuracy[name] = float(np.mean(np.array(predicted) == gold))
    reference = best.get("hf pipeline, torch fp32")
    print(f"{len(texts)} {args.data}, calls of {args.call}, model runs of <= {args.batch}")
    print("| contender | sentences/s | vs pipeline | accuracy |\n|---|---:|---:|---:|")
    for name in contenders:
        ratio = f"{best[name] / reference:.2f}x" if reference else "-"
        acc = f"{accuracy[name]:.4f}" if args.data == "tweets" else "-"
        print(f"| {name} | {best[name]:,.0f} | {ratio} | {acc} |")


if __name__ == "__main__":
    main()
