"""The CPU scorer, one knob at a time, against the Hugging Face pipeline on the same model.

Same sentences (the shipped twitter validation side, labelled), same calls of `--call`
sentences (the score agent's batch), one process, alternating rounds. Rows:
- `hf`: transformers' text-classification pipeline, torch fp32, on the checkpoint the ONNX
  model was exported from (`--hf-model`), batch `--batch`; needs torch + transformers.
- ORT rows: `tickertone`'s Scorer with precision int8 or fp32, batches planned `exact` (one
  token length per batch, the CPU default) or `sorted` (length-sorted chunks padded to their
  longest), intra-op threads 1 or 2, graph optimization basic / extended / all.
Each row: sentences/s (best of `--rounds`) and accuracy on the labels, so speed is compared at
equal accuracy.

    python benchmarks/bench_cpu_scorer.py --model MODEL_DIR --hf-model HF_DIR
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from inference.evaluate import LABELS, read_split_csv
from inference.scorer import Scorer, load_scorer
from inference.twitter import SHIPPED_VALIDATION


def ort_row(model: Path, precision: str, exact: bool, threads: int, optimization: str, batch: int) -> Scorer:
    scorer = load_scorer(model, "cpu", precision=precision, intra_op_threads=threads, optimization=optimization,
                         batch_size=batch)
    scorer.exact_lengths = exact
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
    args = parser.parse_args()
    everything = read_split_csv(SHIPPED_VALIDATION)  # grouped by label: take an even stride
    data = everything[:: max(1, len(everything) // args.sentences)][: args.sentences]
    texts, gold = [s.text for s in data], np.array([s.label for s in data])

    contenders: dict[str, Callable[[list[str]], list[str]]] = {}
    if args.hf_model:
        from transformers import pipeline

        classify = pipeline("text-classification", model=str(args.hf_model), device=-1)

        def hf(batch: list[str]) -> list[str]:
            return [r["label"].lower() for r in classify(batch, batch_size=args.batch, truncation=True)]

        contenders["hf pipeline, torch fp32"] = hf
    rows = [
        ("int8", True, 2, "all"), ("int8", False, 2, "all"), ("fp32", True, 2, "all"), ("fp32", False, 2, "all"),
        ("int8", True, 1, "all"), ("int8", True, 2, "extended"), ("int8", True, 2, "basic"),
    ]
    for precision, exact, threads, optimization in rows:
        scorer = ort_row(args.model, precision, exact, threads, optimization, args.batch)

        def ort(batch: list[str], scorer: Scorer = scorer) -> list[str]:
            probs = scorer.probabilities(batch)
            lab = scorer.label_index
            columns = probs[:, [lab.positive, lab.negative, lab.neutral]]
            return [LABELS[i] for i in columns.argmax(axis=1)]

        name = f"ORT {precision}, {'exact' if exact else 'sorted'}, {threads} threads, opt {optimization}"
        contenders[name] = ort
    best: dict[str, float] = dict.fromkeys(contenders, 0.0)
    accuracy: dict[str, float] = {}
    for _ in range(args.rounds):
        for name, predict in contenders.items():
            rate, predicted = timed(predict, texts, args.call)
            best[name] = max(best[name], rate)
            accuracy[name] = float(np.mean(np.array(predicted) == gold))
    reference = best.get("hf pipeline, torch fp32")
    print(f"{len(texts)} twitter validation sentences, calls of {args.call}, model runs of <= {args.batch}")
    print("| contender | sentences/s | vs pipeline | accuracy |\n|---|---:|---:|---:|")
    for name in contenders:
        ratio = f"{best[name] / reference:.2f}x" if reference else "-"
        print(f"| {name} | {best[name]:,.0f} | {ratio} | {accuracy[name]:.4f} |")


if __name__ == "__main__":
    main()
