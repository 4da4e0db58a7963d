"""`tickertone model bench`: scorer throughput and latency, optionally against a PyTorch pipeline.

Default: sentences/s and p50/p99 latency of one `score_texts` call (tokenize, run, score)
per batch size, on the bundled sample headlines. `--compare-pipeline` also runs the Hugging
Face transformers pipeline (PyTorch, fp32) on the model's original checkpoint over the same
sentences in the same chunks, and reports the speed ratio and how often the two agree.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from inference.runtime import PRECISIONS, ModelError, default_intra_op_threads
from inference.scorer import BUNDLED_MODEL, Scorer, load_scorer

__all__ = ["add_arguments", "run"]

SAMPLE_HEADLINES = Path(__file__).resolve().parents[1] / "streams" / "sample" / "benzinga_headlines.csv"
_TEXT_COLUMNS = ("text", "sentence", "headline")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `tickertone model bench`."""
    parser.add_argument("--model", type=Path, help="exported model dir (default: the bundled model)")
    parser.add_argument("--provider", help="cpu, cuda or an onnxruntime provider name (default: CUDA if available)")
    parser.add_argument("--precision", choices=PRECISIONS, help="default: int8 on CPU, fp16 on CUDA")
    parser.add_argument("--batch-sizes", default="1,8,32,128", help="comma-separated (default 1,8,32,128)")
    parser.add_argument("--data", type=Path, default=SAMPLE_HEADLINES, help="CSV with a headline/text column")
    parser.add_argument("--sentences", type=int, default=1024, help="distinct sentences to use (default 1024)")
    parser.add_argument("--seconds", type=float, default=5.0, help="time budget per batch size (default 5)")
    parser.add_argument("--compare-pipeline", action="store_true", help="also run the transformers pipeline (torch)")
    parser.add_argument("--hf-model", type=Path, help="Hugging Face checkpoint the ONNX model was exported from")
    parser.add_argument("--labeled", type=Path, help="CSV with text and label columns: adds accuracy to --compare")
    parser.add_argument("--compare-batch", type=int, default=32, help="chunk size of the comparison (default 32)")
    parser.add_argument("--json", type=Path, dest="json_out", help="also write the results to this JSON file")


def run(args: argparse.Namespace) -> int:
    """Run the benchmark; prints Markdown tables. Returns the process exit code."""
    if args.compare_pipeline and args.hf_model is None:
        print("--compare-pipeline needs --hf-model DIR (the PyTorch checkpoint of the exported model)")
        return 2
    model_dir = args.model or BUNDLED_MODEL
    try:
        scorer = load_scorer(model_dir, args.provider, precision=args.precision)
    except ModelError as exc:
        print(f"cannot load the model: {exc}")
        return 1
    texts, labels = _read_texts(args.labeled if args.compare_pipeline and args.labeled else args.data, args.sentences)
    print(f"model {scorer.model_name} ({model_dir}): {scorer.provider}, {scorer.precision}, {len(texts)} sentences")
    results: dict[str, Any] = {
        "model": scorer.model_name,
        "provider": scorer.provider,
        "precision": scorer.precision,
        "threads": default_intra_op_threads(),
        "batches": _bench_batch_sizes(scorer, texts, _batch_sizes(args.batch_sizes), args.seconds),
    }
    _print_batch_table(results["batches"])
    if args.compare_pipeline:
        results["compare"] = _compare(scorer, model_dir, args.hf_model, texts, labels, args.compare_batch)
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


def _batch_sizes(spec: str) -> list[int]:
    sizes = [int(s) for s in spec.split(",") if s.strip()]
    if not sizes or min(sizes) < 1:
        raise SystemExit(f"--batch-sizes must be positive integers, got {spec!r}")
    return sizes


def _read_texts(path: Path, limit: int) -> tuple[list[str], list[str] | None]:
    """Distinct texts (first `limit`) and, when the file has a label column, their labels."""
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames or []
        column = next((c for c in _TEXT_COLUMNS if c in fields), None)
        if column is None:
            raise SystemExit(f"{path} has none of the columns {', '.join(_TEXT_COLUMNS)}")
        # Repeated headlines would flatter any cache; keep each text once.
        rows = {row[column].strip(): row.get("label") for row in reader if row[column].strip()}
    texts = list(rows)[:limit]
    labels = [str(rows[t]).strip().lower() for t in texts] if "label" in fields else None
    return texts, labels


def _bench_batch_sizes(
    scorer: Scorer, texts: Sequence[str], sizes: Sequence[int], seconds: float
) -> list[dict[str, float]]:
    rows = []
    for size in sizes:
        scorer.batch_size = size
        chunks = [list(texts[i : i + size]) for i in range(0, len(texts), size)]
        scorer.score_texts(chunks[0])  # warm-up: first-run allocations and kernel choice
        latencies, done = _timed_calls(scorer.score_texts, chunks, seconds)
        rows.append(
            {
                "batch_size": size,
                "batches": len(latencies),
                "sentences_per_s": done / sum(latencies),
                "p50_ms": float(np.percentile(latencies, 50) * 1e3),
                "p99_ms": float(np.percentile(latencies, 99) * 1e3),
            }
        )
    return rows


def _timed_calls(fn: Callable[[list[str]], object], chunks: Sequence[list[str]], seconds: float) -> tuple[list[float], int]:
    """Call `fn` on successive chunks until all are done or `seconds` have passed."""
    latencies: list[float] = []
    done = 0
    for chunk in chunks:
        start = time.perf_counter()
        fn(chunk)
        latencies.append(time.perf_counter() - start)
        done += len(chunk)
        if sum(latencies) >= seconds:
            break
    return latencies, done


def _print_batch_table(rows: Sequence[dict[str, float]]) -> None:
    print("\n| batch | batches | sentences/s | p50 ms | p99 ms |\n|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['batch_size']} | {r['batches']} | {r['sentences_per_s']:,.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} |"
        )


def _compare(
    scorer: Scorer, model_dir: Path, hf_model: Path, texts: Sequence[str], labels: Sequence[str] | None, batch: int
) -> dict[str, Any]:
    try:
        import torch
        from transformers import pipeline
    except ImportError as exc:
        print(f"\n--compare-pipeline skipped: {exc.name} is not installed (needs torch + transformers)")
        return {"skipped": f"{exc.name} not installed"}
    torch.set_num_threads(default_intra_op_threads())
    classify = pipeline("text-classification", model=str(hf_model), device=-1, top_k=None)
    chunks = [list(texts[i : i + batch]) for i in range(0, len(texts), batch)]
    id2label = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))["id2label"]
    names = [str(id2label[str(i)]).lower() for i in range(len(id2label))]

    ours: list[str] = []
    scorer.batch_size = batch
    scorer.probabilities(chunks[0])
    start = time.perf_counter()
    for chunk in chunks:
        ours.extend(names[i] for i in scorer.probabilities(chunk).argmax(axis=1))
    ours_s = time.perf_counter() - start

    theirs: list[str] = []
    kwargs = {"batch_size": batch, "truncation": True}
    classify(chunks[0], **kwargs)
    start = time.perf_counter()
    for chunk in chunks:
        theirs.extend(max(r, key=lambda x: x["score"])["label"].lower() for r in classify(chunk, **kwargs))
    theirs_s = time.perf_counter() - start

    result: dict[str, Any] = {
        "sentences": len(texts),
        "batch": batch,
        "ours_sentences_per_s": len(texts) / ours_s,
        "pipeline_sentences_per_s": len(texts) / theirs_s,
        "speedup": theirs_s / ours_s,
        "agreement": float(np.mean([a == b for a, b in zip(ours, theirs, strict=True)])),
    }
    if labels is not None:
        result["ours_accuracy"] = float(np.mean([a == y for a, y in zip(ours, labels, strict=True)]))
        result["pipeline_accuracy"] = float(np.mean([b == y for b, y in zip(theirs, labels, strict=True)]))
    _print_compare(result, scorer)
    return result


def _print_compare(r: dict[str, Any], scorer: Scorer) -> None:
    print(f"\n{r['sentences']} sentences in chunks of {r['batch']}, {default_intra_op_threads()} threads")
    print("| engine | sentences/s | accuracy |\n|---|---:|---:|")
    ours_acc = f"{r['ours_accuracy']:.3f}" if "ours_accuracy" in r else "-"
    pipe_acc = f"{r['pipeline_accuracy']:.3f}" if "pipeline_accuracy" in r else "-"
    print(f"| tickertone ORT {scorer.precision} ({scorer.provider}) | {r['ours_sentences_per_s']:,.0f} | {ours_acc} |")
    print(f"| transformers pipeline (torch fp32) | {r['pipeline_sentences_per_s']:,.0f} | {pipe_acc} |")
    print(f"speed-up {r['speedup']:.2f}x; predicted labels agree on {r['agreement']:.1%} of sentences")
