"""The bundled model on one GPU: accuracy at fp16, batch invariance, ORT vs torch, the score stage at 1,000/s.

Everything comes from this checkout: the fp32 graph and the PyTorch weights are rebuilt from the
shipped `inference/model/model_int8.onnx` (int8_to_float.py), the fp16 graph is made from that
by the same optimizer call as `tickertone model export --precision fp16`, and the sentences are
the shipped twitter validation split and the bundled sample's headlines. Steps, in one run:
1. write a model dir with model_fp16.onnx (+ fp32) beside the bundled tokenizer, config and
   calibration, and open it with the runtime's own scorer on the GPU (`load_scorer`);
2. accuracy on the twitter validation split: GPU fp16 vs the int8 scorer on the CPU, and how
   often the two pick the same label;
3. batch invariance: the GPU's probabilities of each headline scored alone, in live-sized
   batches (64, length-bucketed) and in batches of 256 of a shuffled order; a replay batches
   stories differently from the live run, so equal scores need equal probabilities whatever the
   batch. Reported as max |difference| and the number of bit-identical rows;
4. ORT vs torch at equal sequence length: the same length-bucketed batches of real headlines
   (each padded to its longest) through ORT CUDA fp16 (the runtime's IO-bound session) and
   torch fp16 (sdpa and eager), inputs copied in and logits out on both sides; and fixed shapes;
5. the score stage at `--rate` stories/s: headlines arrive on a clock, a batch closes at 64
   stories or 10 ms after its first (the score agent's settings), and is scored with
   `Scorer.score_stories` (sentence split, tokenizer, GPU); latency from arrival to scored.
Markdown on stdout, JSON in $OUT/gpu_model_bench.json.

GPU machine (benchmarks/gpu/README.md):  PYTHONPATH=/tmp/site:. python3 benchmarks/gpu/bench_gpu_model.py
CPU smoke test of every step:  PYTHONPATH=. python benchmarks/gpu/bench_gpu_model.py --device cpu --quick
"""

from __future__ import annotations

# torch first: on the GPU machine its wheels bring the CUDA libraries onnxruntime-gpu loads.
import torch  # isort: skip

import argparse
import csv
import json
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path[:0] = [str(HERE), str(REPO)]

from bench_gpu import write_report  # noqa: E402
from int8_to_float import TOLERANCE, float_graph, rebuilt_differences, state_dict, torch_model  # noqa: E402

from inference.batching import pad_batch, plan_batches  # noqa: E402
from inference.evaluate import LABELS, read_split_csv  # noqa: E402
from inference.model_report import logits_in_label_order  # noqa: E402
from inference.scorer import Scorer, load_scorer  # noqa: E402
from inference.twitter import SHIPPED_VALIDATION  # noqa: E402

MODEL = REPO / "inference" / "model"
SAMPLE = REPO / "streams" / "sample" / "benzinga_headlines.csv"
COPIED = ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
          "calibration.json", "export.json")
FIXED_SHAPES = [(1, 32), (64, 32), (256, 32), (1024, 32), (256, 64)]
LIVE_BATCH, STAGE_WAIT_S = 64, 0.010


def main() -> int:
    args = parse_args()
    cuda = args.device == "cuda"
    work = Path(args.work)
    report: dict[str, Any] = {"device": torch.cuda.get_device_name(0) if cuda else "cpu", "versions": versions()}
    print(json.dumps(report, indent=1), flush=True)

    int8 = onnx.load(str(args.model / "model_int8.onnx"))
    floats = float_graph(int8)
    report["rebuilt_max_abs_logit"] = rebuilt_differences(args.model, int8, floats, torch_model(args.model, state_dict(floats)))
    print(f"rebuilt model, max |logit|: {report['rebuilt_max_abs_logit']}", flush=True)
    if report["rebuilt_max_abs_logit"]["float_vs_torch"] >= TOLERANCE:
        raise SystemExit("the PyTorch weights do not reproduce the float graph: the comparison would be unfair")
    model_dir, report["fp16_fused_ops"] = write_model_dir(args.model, floats, work / "model", cuda)
    gpu = load_scorer(model_dir, args.device, precision="fp16" if cuda else "fp32")
    report["scorer"] = {"provider": gpu.provider, "precision": gpu.precision}
    if cuda and gpu.provider != "CUDAExecutionProvider":
        raise SystemExit(f"the scorer opened {gpu.provider}, not CUDA: onnxruntime-gpu first on PYTHONPATH?")

    twitter = read_split_csv(SHIPPED_VALIDATION)
    texts, labels = [s.text for s in twitter], [s.label for s in twitter]
    headlines = read_headlines(args.stories)
    if args.quick:
        texts, labels, headlines = texts[:128], labels[:128], headlines[:300]
    report["accuracy"] = accuracy(gpu, load_scorer(args.model, "cpu"), texts, labels)
    report["batch_invariance"] = invariance(gpu, headlines)
    device = torch.device(args.device)
    dtype = torch.float16 if cuda else torch.float32
    engines = torch_engines(args.model, floats, device, dtype)
    report["bucketed"] = bucketed(gpu, engines, headlines, device, args.seconds)
    report["fixed_shapes"] = fixed_shapes(gpu, engines, device, args.seconds, quick=args.quick)
    report["stage"] = stage(gpu, headlines, args.rate, args.stage_seconds)
    print_tables(report)
    write_report(report, "gpu_model_bench.json", args.out)
    return 0


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    p.add_argument("--model", type=Path, default=MODEL, help="an exported model dir with model_int8.onnx")
    p.add_argument("--seconds", type=float, default=2.0, help="timed seconds per engine and shape")
    p.add_argument("--rate", type=float, default=1000.0, help="stories/s offered to the score stage")
    p.add_argument("--stage-seconds", type=float, default=20.0, help="length of the score-stage run")
    p.add_argument("--stories", type=int, default=6000, help="sample headlines to use")
    p.add_argument("--quick", action="store_true", help="few sentences and shapes: a smoke test")
    p.add_argument("--work", default="/tmp/tickertone_gpu_model", help="where the model dir goes")
    p.add_argument("--out", default=".", help="result folder when $OUT is not set")
    return p.parse_args()


def versions() -> dict[str, str]:
    import onnxruntime as ort
    import transformers

    return {"torch": torch.__version__, "transformers": transformers.__version__, "onnx": onnx.__version__,
            "onnxruntime": f"{ort.__version__} {ort.get_available_providers()}"}


def write_model_dir(src: Path, floats: onnx.ModelProto, target: Path, cuda: bool) -> tuple[Path, dict[str, int]]:
    """`target` with the float graph as model_fp32.onnx, its fp16 optimization as model_fp16.onnx
    (export.py's fp16 step, GPU fusions) and `src`'s tokenizer, config and calibration."""
    from onnxruntime.transformers import optimizer

    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in COPIED:
        if (src / name).is_file():
            shutil.copy(src / name, target / name)
    onnx.save(floats, str(target / "model_fp32.onnx"))
    config = json.loads((src / "config.json").read_text())
    optimized = optimizer.optimize_model(
        str(target / "model_fp32.onnx"), model_type="bert", num_heads=config["num_attention_heads"],
        hidden_size=config["hidden_size"], opt_level=1, use_gpu=cuda,
    )
    optimized.convert_float_to_float16(keep_io_types=True)
    optimized.save_model_to_file(str(target / "model_fp16.onnx"))
    fused = {k: int(v) for k, v in optimized.get_fused_operator_statistics().items() if v}
    print(f"fp16 graph fused ops: {fused}", flush=True)
    return target, fused


def read_headlines(n: int) -> list[str]:
    with SAMPLE.open(newline="", encoding="utf-8") as f:
        return [r["headline"] for _, r in zip(range(n), csv.DictReader(f), strict=False)]


def labels_of(scorer: Scorer, texts: list[str]) -> list[str]:
    return [LABELS[i] for i in logits_in_label_order(scorer, texts).argmax(axis=1)]


def accuracy(gpu: Scorer, cpu_int8: Scorer, texts: list[str], gold: list[str]) -> dict[str, Any]:
    on_gpu, on_cpu = labels_of(gpu, texts), labels_of(cpu_int8, texts)
    result = {
        "sentences": len(texts),
        f"{gpu.precision}_{gpu.provider}": float(np.mean([a == b for a, b in zip(on_gpu, gold, strict=True)])),
        "int8_cpu": float(np.mean([a == b for a, b in zip(on_cpu, gold, strict=True)])),
        "same_label": float(np.mean([a == b for a, b in zip(on_gpu, on_cpu, strict=True)])),
    }
    print(f"twitter validation: {result}", flush=True)
    return result


def with_batch_size(scorer: Scorer, size: int, texts: list[str]) -> np.ndarray:
    saved = scorer.batch_size
    scorer.batch_size = size
    try:
        return scorer.probabilities(texts)
    finally:
        scorer.batch_size = saved


def invariance(scorer: Scorer, texts: list[str]) -> dict[str, Any]:
    alone = np.stack([with_batch_size(scorer, 1, [t])[0] for t in texts])
    live = with_batch_size(scorer, LIVE_BATCH, texts)
    order = np.random.default_rng(7).permutation(len(texts))
    shuffled = np.empty_like(live)
    shuffled[order] = with_batch_size(scorer, 256, [texts[i] for i in order])
    result: dict[str, Any] = {"sentences": len(texts)}
    for name, other in (("alone_vs_live", alone), ("shuffled256_vs_live", shuffled)):
        diff = np.abs(other - live).max(axis=1)
        result[name] = {
            "max_abs_prob_diff": float(diff.max()), "identical_rows": int((diff == 0).sum()),
            "label_flips": int((other.argmax(1) != live.argmax(1)).sum()),
        }
    print(f"batch invariance: {result}", flush=True)
    return result


def torch_engines(model_dir: Path, floats: onnx.ModelProto, device: torch.device, dtype: torch.dtype) -> dict[str, Any]:
    weights = state_dict(floats)
    return {f"torch {attn}": torch_model(model_dir, weights, attn).to(device, dtype) for attn in ("sdpa", "eager")}


def torch_step(model: Any, feeds: dict[str, np.ndarray], device: torch.device) -> Callable[[], None]:
    def step() -> None:
        with torch.inference_mode():
            tensors = {k: torch.from_numpy(v).to(device, non_blocking=True) for k, v in feeds.items()}
            model(**tensors).logits.float().cpu()

    return step


def timed(steps: list[Callable[[], None]], seconds: float) -> float:
    """Seconds per pass over `steps` (each a whole batch, copies in and out included), after one
    untimed pass (each shape's first run picks kernels and allocates buffers)."""
    for step in steps:
        step()
    passes, start = 0, time.perf_counter()
    while passes < 2 or time.perf_counter() - start < seconds:
        for step in steps:
            step()
        passes += 1
    return (time.perf_counter() - start) / passes


def batches_of(scorer: Scorer, texts: list[str], size: int) -> list[dict[str, np.ndarray]]:
    enc = scorer._tokenizer.encode_batch(texts)  # noqa: SLF001 - the scorer's own tokenizer, as live
    ids, types = [e.ids for e in enc], [e.type_ids for e in enc]
    out = []
    for rows in plan_batches([len(i) for i in ids], size):
        b = pad_batch(ids, types, rows, scorer._pad_id)  # noqa: SLF001
        out.append({"input_ids": b.input_ids, "attention_mask": b.attention_mask, "token_type_ids": b.token_type_ids})
    return out


def compare(scorer: Scorer, engines: dict[str, Any], feeds_list: list[dict[str, np.ndarray]], device: torch.device,
            seconds: float) -> dict[str, Any]:
    n = sum(len(f["input_ids"]) for f in feeds_list)
    session = scorer._session  # noqa: SLF001 - the runtime's session, IO binding on CUDA
    row: dict[str, Any] = {"sentences": n}
    row["ort"] = n / timed([lambda f=f: session.run(f) for f in feeds_list], seconds)
    for name, model in engines.items():
        row[name] = n / timed([torch_step(model, f, device) for f in feeds_list], seconds)
    row["ort_vs_best_torch"] = row["ort"] / max(row[name] for name in engines)
    return row


def bucketed(scorer: Scorer, engines: dict[str, Any], texts: list[str], device: torch.device, seconds: float) -> list[Any]:
    rows = []
    for size in (64, 256):
        feeds = batches_of(scorer, texts, size)
        row = {"batch": size, "mean_width": float(np.mean([f["input_ids"].shape[1] for f in feeds])),
               **compare(scorer, engines, feeds, device, seconds)}
        print(f"bucketed batches of {size}: {row}", flush=True)
        rows.append(row)
    return rows


def fixed_shapes(scorer: Scorer, engines: dict[str, Any], device: torch.device, seconds: float, quick: bool) -> list[Any]:
    rows = []
    for batch, seq in FIXED_SHAPES[:2] if quick else FIXED_SHAPES:
        ids = np.random.default_rng(batch + seq).integers(1000, 20000, (batch, seq), dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        row = {"batch": batch, "seq": seq, **compare(scorer, engines, [feeds], device, seconds)}
        print(f"{batch}x{seq}: {row}", flush=True)
        rows.append(row)
    return rows


def stage(scorer: Scorer, headlines: list[str], rate: float, seconds: float) -> dict[str, Any]:
    """Arrival-to-scored latency of a score stage fed `rate` stories/s (steps in the docstring)."""
    n = min(len(headlines), int(rate * seconds))
    scorer.score_stories([(h, None) for h in headlines[:LIVE_BATCH]])  # warm-up
    start = time.perf_counter() + 0.1
    arrivals = start + np.arange(n) / rate
    latencies = np.empty(n)
    batch_sizes = []
    i = 0
    while i < n:
        now = time.perf_counter()
        if now < arrivals[i]:
            time.sleep(arrivals[i] - now)
        close = min(arrivals[i] + STAGE_WAIT_S, arrivals[min(i + LIVE_BATCH, n) - 1])
        now = time.perf_counter()
        if now < close:
            time.sleep(close - now)
        j = min(i + LIVE_BATCH, int(np.searchsorted(arrivals, time.perf_counter(), side="right")))
        scorer.score_stories([(h, None) for h in headlines[i:j]])
        latencies[i:j] = time.perf_counter() - arrivals[i:j]
        batch_sizes.append(j - i)
        i = j
    ms = latencies * 1e3
    result = {"rate": rate, "stories": n, "batches": len(batch_sizes), "mean_batch": float(np.mean(batch_sizes)),
              "offered_s": n / rate, "took_s": time.perf_counter() - start,
              **{f"p{q}_ms": float(np.percentile(ms, q)) for q in (50, 90, 99)}, "max_ms": float(ms.max())}
    print(f"score stage at {rate:g}/s: {result}", flush=True)
    return result


def print_tables(report: dict[str, Any]) -> None:
    acc, inv, st = report["accuracy"], report["batch_invariance"], report["stage"]
    print(f"\n{report['device']}: {report['scorer']['precision']} on {report['scorer']['provider']}")
    print(f"twitter validation accuracy {', '.join(f'{k} {v:.4f}' for k, v in acc.items() if k != 'sentences')}")
    for name in ("alone_vs_live", "shuffled256_vs_live"):
        r = inv[name]
        print(f"batch invariance {name}: max |dp| {r['max_abs_prob_diff']:.2e}, identical {r['identical_rows']}/"
              f"{inv['sentences']}, label flips {r['label_flips']}")
    print("\n| batches | ORT | torch sdpa | torch eager | ORT / best torch |\n|---|---:|---:|---:|---:|")
    for r in report["bucketed"]:
        print(f"| bucketed {r['batch']} (mean width {r['mean_width']:.1f}) | {r['ort']:,.0f} | {r['torch sdpa']:,.0f}"
              f" | {r['torch eager']:,.0f} | {r['ort_vs_best_torch']:.2f}x |")
    for r in report["fixed_shapes"]:
        print(f"| {r['batch']} x {r['seq']} | {r['ort']:,.0f} | {r['torch sdpa']:,.0f} | {r['torch eager']:,.0f}"
              f" | {r['ort_vs_best_torch']:.2f}x |")
    print(f"\nscore stage at {st['rate']:g}/s: p50 {st['p50_ms']:.1f} ms, p99 {st['p99_ms']:.1f} ms, max "
          f"{st['max_ms']:.1f} ms, mean batch {st['mean_batch']:.1f}, {st['stories']} stories in {st['took_s']:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
