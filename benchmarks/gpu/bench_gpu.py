"""BERT-base (finbert-tone shape) on one GPU: torch fp16 vs ONNX Runtime CUDA fp16 (IO binding).

Self-contained: random weights (nothing downloaded), so it measures speed, not accuracy.
Steps, in one run (< 6 minutes on an H100):
 1. build BertForSequenceClassification from config.json (seeded random weights);
 2. export it to ONNX (eager attention, TorchScript exporter, opset 17);
 3. optimize with onnxruntime.transformers (model_type bert, GPU, fp16), trying fusion
    variants until every layer's attention is fused; print the fused-op counts of each; if
    no variant fuses attention, fall back to the graph carried in this folder
    (bert_base_fp16_fused.onnx: optimized on the CPU machine, weights stripped; filled with
    random weights here);
 4. check ORT against torch on one batch, then time sequences/s at each batch x seq shape
    for torch fp16 (sdpa and eager attention) and ORT CUDA fp16;
 5. print a Markdown table and write $OUT/gpu_bench.json.
Also: the tickertone runtime's own CUDA session (IO binding) is checked against CPU on the
tiny test model.

GPU machine:  PYTHONPATH=/tmp/ortgpu python benchmarks/gpu/bench_gpu.py
CPU smoke test (any torch):  python benchmarks/gpu/bench_gpu.py --tiny --device cpu
Rebuild the carried graph (CPU machine, pinned torch):  python benchmarks/gpu/bench_gpu.py --prepare-graph
"""

from __future__ import annotations

# torch first: on the GPU machine its wheels bring the CUDA 13 libraries that
# onnxruntime-gpu's CUDA provider loads.
import torch  # isort: skip

import argparse
import json
import os
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, numpy_helper
from onnxruntime.transformers.fusion_options import FusionOptions
from onnxruntime.transformers.optimizer import optimize_model
from transformers import BertConfig, BertForSequenceClassification

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
CARRIED_GRAPH = HERE / "bert_base_fp16_fused.onnx"
TINY_CONFIG = {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 128}
SHAPES = [(64, 64), (256, 64), (1024, 64), (256, 32)]
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
SEED = 1128


def main() -> int:
    args = parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "model": "tiny BERT (2 layers)" if args.tiny else "BERT-base (finbert-tone shape)",
        "device": device_name(args.device),
        "versions": versions(),
    }
    print(json.dumps(report, indent=1), flush=True)

    config = load_config(args.tiny)
    model = build_model(config)
    fp32_path = work / "model_fp32.onnx"
    t0 = time.perf_counter()
    export(model, fp32_path)
    report["export_s"] = round(time.perf_counter() - t0, 1)

    if args.prepare_graph:
        optimized, attempts = optimize(fp32_path, config, use_gpu=True)
        report["fusion_attempts"] = attempts
        if optimized is None:
            print("attention did not fuse: nothing written", file=sys.stderr)
            return 1
        save_stripped(optimized, CARRIED_GRAPH)
        print(f"wrote {CARRIED_GRAPH} ({CARRIED_GRAPH.stat().st_size:,} bytes)")
        return 0

    optimized, attempts = optimize(fp32_path, config, use_gpu=args.device == "cuda")
    report["fusion_attempts"] = attempts
    random_weights = optimized is None
    if random_weights:
        if args.tiny or not CARRIED_GRAPH.is_file():
            print("attention did not fuse and there is no carried graph", file=sys.stderr)
            return 1
        print(f"attention did not fuse here: using {CARRIED_GRAPH.name} with random weights", flush=True)
        optimized = fill_random(onnx.load(str(CARRIED_GRAPH), load_external_data=False))
        report["fusion_attempts"].append({"variant": "carried", **fused_counts_of(optimized)})
    fp16_path = work / "model_fp16.onnx"
    onnx.save(optimized, str(fp16_path))

    session = ort_session(fp16_path, args.device)
    report["ort_providers"] = session.get_providers()
    device = torch.device(args.device)
    dtype = torch.float16 if args.device == "cuda" else torch.float32
    report["max_abs_logit_diff"] = None if random_weights else check_logits(model, session, config, device, dtype)
    report["results"] = benchmark(model, session, config, device, dtype, shapes(args), args.seconds)
    try:
        report["scorer_cuda_check"] = scorer_check(args.device)
    except Exception as exc:  # an aside: never lose the benchmark over it
        report["scorer_cuda_check"] = {"error": f"{type(exc).__name__}: {exc}"}
    print_table(report)
    write_report(report, "gpu_bench.json", args.out)
    return 0


def write_report(report: dict[str, Any], name: str, out: str | None) -> None:
    """`report` as JSON in $OUT (the device machine's result folder), else in `out`, else here."""
    folder = Path(os.environ.get("OUT") or out or ".")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {folder / name}")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    p.add_argument("--tiny", action="store_true", help="a 2-layer model: smoke test of every step on CPU")
    p.add_argument("--seconds", type=float, default=2.0, help="timed seconds per engine and shape (default 2)")
    p.add_argument("--work", default="/tmp/tickertone_gpu_bench", help="where the ONNX files go")
    p.add_argument("--out", help="result folder when $OUT is not set (default .)")
    p.add_argument("--prepare-graph", action="store_true", help=f"write {CARRIED_GRAPH.name} and stop")
    return p.parse_args()


def versions() -> dict[str, str]:
    import transformers

    return {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": f"{ort.__version__} ({Path(ort.__file__).parent})",
        "ort_available_providers": ", ".join(ort.get_available_providers()),
    }


def device_name(device: str) -> str:
    return torch.cuda.get_device_name(0) if device == "cuda" and torch.cuda.is_available() else "cpu"


def load_config(tiny: bool) -> BertConfig:
    config = BertConfig.from_json_file(str(HERE / "config.json"))
    if tiny:
        for key, value in TINY_CONFIG.items():
            setattr(config, key, value)
    return config


def build_model(config: BertConfig) -> BertForSequenceClassification:
    torch.manual_seed(SEED)
    # Eager attention exports as plain MatMul/Softmax ops, the pattern ORT's fusion matches;
    # the SDPA path exports differently and is not fused.
    return BertForSequenceClassification(with_attention(config, "eager")).eval()


def with_attention(config: BertConfig, attn: str) -> BertConfig:
    """`config` with its attention implementation set (transformers reads the init argument)."""
    return BertConfig(**{**config.to_dict(), "attn_implementation": attn})


def export(model: BertForSequenceClassification, path: Path) -> None:
    ids = torch.randint(1000, 2000, (2, 16))
    dynamic = {name: {0: "batch", 1: "sequence"} for name in INPUTS}
    with torch.no_grad():
        torch.onnx.export(
            model,
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(path),
            input_names=list(INPUTS),
            output_names=["logits"],
            dynamic_axes={**dynamic, "logits": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )


def fusion_variants() -> list[tuple[str, int, FusionOptions]]:
    """Optimizer settings to try, in order: the default first."""
    default = FusionOptions("bert")
    mha = FusionOptions("bert")
    mha.use_multi_head_attention = True
    raw_mask = FusionOptions("bert")
    raw_mask.use_raw_attention_mask(True)
    return [
        ("opt1", 1, default),
        ("opt0-python-only", 0, FusionOptions("bert")),
        ("opt2", 2, FusionOptions("bert")),
        ("opt1-multi-head-attention", 1, mha),
        ("opt1-raw-mask", 1, raw_mask),
    ]


def optimize(path: Path, config: BertConfig, use_gpu: bool) -> tuple[onnx.ModelProto | None, list[dict[str, Any]]]:
    """The first variant whose attention fuses in every layer, as fp16; None if none does."""
    attempts: list[dict[str, Any]] = []
    for name, level, options in fusion_variants():
        t0 = time.perf_counter()
        try:
            model = optimize_model(
                str(path),
                model_type="bert",
                num_heads=config.num_attention_heads,
                hidden_size=config.hidden_size,
                optimization_options=options,
                opt_level=level,
                use_gpu=use_gpu,
            )
        except Exception as exc:  # a variant may fail on this torch/ORT pair: record it, try the next
            attempts.append({"variant": name, "error": f"{type(exc).__name__}: {exc}"})
            print(f"fusion {name}: failed: {exc}", flush=True)
            continue
        counts = {k: v for k, v in model.get_fused_operator_statistics().items() if v}
        attention = counts.get("Attention", 0) + counts.get("MultiHeadAttention", 0)
        attempts.append({"variant": name, "fused": counts, "seconds": round(time.perf_counter() - t0, 1)})
        print(f"fusion {name}: {counts}", flush=True)
        if attention >= config.num_hidden_layers:
            model.convert_float_to_float16(keep_io_types=True)
            return model.model, attempts
    return None, attempts


def fused_counts_of(model: onnx.ModelProto) -> dict[str, Any]:
    ops = ("Attention", "MultiHeadAttention", "EmbedLayerNormalization", "SkipLayerNormalization", "BiasGelu")
    return {"fused": {op: n for op in ops if (n := sum(node.op_type == op for node in model.graph.node))}}


def save_stripped(model: onnx.ModelProto, path: Path) -> None:
    """Save the graph with its float weights left out (marked external, never written)."""
    for tensor in model.graph.initializer:
        if tensor.data_type in (TensorProto.FLOAT16, TensorProto.FLOAT) and len(tensor.raw_data) > 1024:
            tensor.ClearField("raw_data")
            tensor.data_location = TensorProto.EXTERNAL
            entry = tensor.external_data.add()
            entry.key, entry.value = "location", "stripped"
    onnx.save(model, str(path))


def fill_random(model: onnx.ModelProto) -> onnx.ModelProto:
    """Random N(0, 0.02) values for the weights `save_stripped` left out."""
    rng = np.random.default_rng(SEED)
    for tensor in model.graph.initializer:
        if tensor.data_location == TensorProto.EXTERNAL:
            dtype = np.float16 if tensor.data_type == TensorProto.FLOAT16 else np.float32
            values = (rng.standard_normal(tuple(tensor.dims), dtype=np.float32) * 0.02).astype(dtype)
            tensor.CopyFrom(numpy_helper.from_array(values, tensor.name))
    return model


def ort_session(path: Path, device: str) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    providers: list[Any] = [("CUDAExecutionProvider", {"device_id": 0}), "CPUExecutionProvider"]
    session = ort.InferenceSession(str(path), options, providers=providers if device == "cuda" else ["CPUExecutionProvider"])
    if device == "cuda" and session.get_providers()[0] != "CUDAExecutionProvider":
        raise SystemExit(f"CUDAExecutionProvider did not start (got {session.get_providers()}): import torch first?")
    return session


def make_inputs(batch: int, seq: int, vocab: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(batch * 1000 + seq)
    ids = rng.integers(1, vocab, (batch, seq), dtype=np.int64)
    return {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}


def torch_runner(model: torch.nn.Module, feeds: dict[str, np.ndarray], device: torch.device) -> Callable[[], None]:
    tensors = {k: torch.from_numpy(v).to(device) for k, v in feeds.items()}

    def step() -> None:
        with torch.inference_mode():
            model(**tensors)

    return step


def ort_runner(session: ort.InferenceSession, feeds: dict[str, np.ndarray], device: str) -> Callable[[], None]:
    """IO binding: inputs copied to the device once, logits left there (as torch's are)."""
    binding = session.io_binding()
    kind = "cuda" if device == "cuda" else "cpu"
    for name, array in feeds.items():
        binding.bind_ortvalue_input(name, ort.OrtValue.ortvalue_from_numpy(array, kind, 0))
    binding.bind_output("logits", kind)

    def step() -> None:
        session.run_with_iobinding(binding)

    return step


def timed(step: Callable[[], None], device: str, seconds: float) -> tuple[float, int]:
    """Mean seconds per step after warm-up, and the number of timed steps."""
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    for _ in range(3):
        step()
    sync()
    n, start = 0, time.perf_counter()
    while n < 5 or time.perf_counter() - start < seconds:
        step()
        n += 1
        if n % 10 == 0:
            sync()
    sync()
    return (time.perf_counter() - start) / n, n


def check_logits(
    model: BertForSequenceClassification,
    session: ort.InferenceSession,
    config: BertConfig,
    device: torch.device,
    dtype: torch.dtype,
) -> float:
    """Max |logit difference| between ORT fp16 and torch on one padded batch."""
    feeds = make_inputs(8, 64, config.vocab_size)
    feeds["attention_mask"][:4, 40:] = 0  # padded rows exercise the mask path of fused attention
    (ort_logits,) = session.run(["logits"], feeds)
    with torch.inference_mode():
        ref = model.to(device, dtype)(**{k: torch.from_numpy(v).to(device) for k, v in feeds.items()}).logits
    model.to("cpu", torch.float32)
    diff = float(np.abs(ort_logits.astype(np.float32) - ref.float().cpu().numpy()).max())
    print(f"max |logit diff| ORT vs torch on 8x64 (half padded): {diff:.2e}", flush=True)
    return diff


def benchmark(
    model: BertForSequenceClassification,
    session: ort.InferenceSession,
    config: BertConfig,
    device: torch.device,
    dtype: torch.dtype,
    shape_list: list[tuple[int, int]],
    seconds: float,
) -> list[dict[str, Any]]:
    engines: dict[str, torch.nn.Module] = {}
    for attn in ("sdpa", "eager"):
        m = BertForSequenceClassification(with_attention(config, attn)).eval()
        m.load_state_dict(model.state_dict())
        engines[f"torch {attn}"] = m.to(device, dtype)
    results = []
    for batch, seq in shape_list:
        feeds = make_inputs(batch, seq, config.vocab_size)
        row: dict[str, Any] = {"batch": batch, "seq": seq}
        for name, m in engines.items():
            per_step, n = timed(torch_runner(m, feeds, device), device.type, seconds)
            row[name] = {"seq_per_s": batch / per_step, "ms": per_step * 1e3, "steps": n}
        per_step, n = timed(ort_runner(session, feeds, device.type), device.type, seconds)
        row["ort"] = {"seq_per_s": batch / per_step, "ms": per_step * 1e3, "steps": n}
        best_torch = max(row[name]["seq_per_s"] for name in engines)
        row["ort_vs_best_torch"] = row["ort"]["seq_per_s"] / best_torch
        rates = ", ".join(f"{k} {v['seq_per_s']:,.0f}/s" for k, v in row.items() if isinstance(v, dict))
        print(f"{batch}x{seq}: {rates}", flush=True)
        results.append(row)
    return results


def shapes(args: argparse.Namespace) -> list[tuple[int, int]]:
    # The CPU smoke test only proves the steps run: small batches keep it to seconds.
    return [(min(b, 8), s) for b, s in SHAPES] if args.device == "cpu" else SHAPES


def scorer_check(device: str) -> dict[str, Any]:
    """tickertone's OrtSession (IO binding on CUDA) against CPU on the tiny test model."""
    if device != "cuda":
        return {"skipped": "no CUDA"}
    sys.path.insert(0, str(REPO))
    try:
        import schemas  # noqa: F401
    except ImportError:
        # The GPU image lacks orjson/fastjsonschema, which schemas/__init__ needs; the
        # runtime only needs schemas.errors, so load the package without its __init__.
        package = types.ModuleType("schemas")
        package.__path__ = [str(REPO / "schemas")]
        sys.modules["schemas"] = package
    from inference.runtime import open_session

    tiny = REPO / "tests" / "unit" / "inference" / "resources" / "tiny_model"
    feeds = make_inputs(4, 12, 400)
    feeds["attention_mask"][0, 6:] = 0
    cpu = open_session(tiny, "cpu").run(feeds)
    cuda = open_session(tiny, "cuda")
    diff = float(np.abs(cuda.run(feeds) - cpu).max())
    print(f"tickertone runtime on {cuda.provider}: max |logit diff| vs CPU {diff:.2e}", flush=True)
    return {"provider": cuda.provider, "precision": cuda.precision, "max_abs_diff_vs_cpu": diff}


def print_table(report: dict[str, Any]) -> None:
    ort_name = report["ort_providers"][0].replace("ExecutionProvider", "")
    print(f"\n{report['device']}, {report['model']}, fp16, sequences/s")
    print(f"| batch x seq | torch sdpa | torch eager | ORT {ort_name} (IO binding) | ORT / best torch |")
    print("|---|---:|---:|---:|---:|")
    for r in report["results"]:
        print(
            f"| {r['batch']} x {r['seq']} | {r['torch sdpa']['seq_per_s']:,.0f} | {r['torch eager']['seq_per_s']:,.0f}"
            f" | {r['ort']['seq_per_s']:,.0f} ({r['ort']['ms']:.1f} ms) | {r['ort_vs_best_torch']:.2f}x |"
        )


if __name__ == "__main__":
    sys.exit(main())
