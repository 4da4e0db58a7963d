"""The shipped int8 model as float: an fp32 ONNX graph and a PyTorch state dict with its weights.

The package ships only `model_int8.onnx` (static QDQ, see inference/export.py). A GPU machine
needs an fp16 graph, and the GPU benchmark a PyTorch model to compare with, both of the same
model; neither can be exported there (no optimum, no checkpoint). Both are rebuilt from the
int8 graph instead, so nothing else has to travel:

1. `float_graph`: every DequantizeLinear of a constant is folded into a float initializer (int8
   per-channel MatMul/Gemm weights, int32 biases); an int8 embedding table read by a Gather and
   dequantized after it becomes a float table; every activation QuantizeLinear -> DequantizeLinear
   pair is removed. What is left is the float graph the exporter wrote, with the weights the
   int8 model computes with: the same model, less the rounding of activations to uint8.
2. `state_dict`: that graph's weights under their Hugging Face names (the exporter names each node
   by its module path: `/bert/encoder/layer.0/attention/self/query/MatMul` holds
   `bert.encoder.layer.0.attention.self.query.weight`, transposed; a Gemm with transB holds it as is).
3. `torch_model`: a BertForSequenceClassification from the model dir's config.json with those weights.

    python benchmarks/gpu/int8_to_float.py inference/model   # 1-3 on this CPU; exit 1 if torch differs
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper

TOLERANCE = 1e-4  # max |logit| between the float graph and the PyTorch model built from it


def _dequantize(q: np.ndarray, scale: np.ndarray, zero: np.ndarray | None, axis: int) -> np.ndarray:
    """ONNX DequantizeLinear: (q - zero) * scale, per tensor or per `axis`."""
    shape = [1] * q.ndim
    if scale.ndim == 1 and scale.size > 1:
        if not -q.ndim <= axis < q.ndim:
            raise ValueError(f"per-channel scale on axis {axis} of a {q.ndim}-d tensor")
        shape[axis] = -1
    elif scale.size != 1:
        raise ValueError(f"scale of shape {scale.shape}: block quantization is not handled")
    zero_f = np.zeros(1, np.float32) if zero is None else zero.astype(np.float32).reshape(shape if zero.ndim else ())
    scale_f = scale.astype(np.float32).reshape(shape if scale.ndim else ())
    return (q.astype(np.float32) - zero_f) * scale_f


def _attribute(node: onnx.NodeProto, name: str, default: int) -> int:
    return next((int(onnx.helper.get_attribute_value(a)) for a in node.attribute if a.name == name), default)


def _axis(node: onnx.NodeProto) -> int:
    if any(a.name == "block_size" for a in node.attribute):
        raise ValueError(f"{node.name}: block quantization is not handled")
    return _attribute(node, "axis", 1)


def float_graph(model: onnx.ModelProto) -> onnx.ModelProto:
    """A float copy of a QDQ-quantized graph (steps in the module docstring); `model` is untouched."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    graph = out.graph
    inits = {t.name: t for t in graph.initializer}
    arrays = {name: numpy_helper.to_array(t) for name, t in inits.items()}
    producers = {o: n for n in graph.node for o in n.output}
    rename: dict[str, str] = {}  # tensor name -> the name its consumers read instead
    drop: set[int] = set()
    new_inits: dict[str, np.ndarray] = {}
    for node in graph.node:
        if node.op_type != "DequantizeLinear":
            continue
        q_name = node.input[0]
        zero = arrays.get(node.input[2]) if len(node.input) > 2 and node.input[2] else None
        if q_name in arrays:  # a constant: fold it
            new_inits[node.output[0]] = _dequantize(arrays[q_name], arrays[node.input[1]], zero, _axis(node))
            drop.add(id(node))
            continue
        producer = producers.get(q_name)
        if producer is None:
            raise ValueError(f"DequantizeLinear {node.name} reads {q_name}, which nothing produces")
        if producer.op_type == "QuantizeLinear":  # an activation round trip: drop both
            rename[node.output[0]] = producer.input[0]
            drop.update({id(node), id(producer)})
        elif producer.op_type == "Gather" and producer.input[0] in arrays:  # an int8 embedding table
            # The DequantizeLinear's axis is the gathered tensor's, not the table's: only one
            # scale per table (what inference/quantize.py writes) means the same on both.
            if arrays[node.input[1]].size != 1 or _attribute(producer, "axis", 0) != 0:
                raise ValueError(f"{producer.name}: only a row Gather of a per-tensor int8 table is handled")
            if not producer.input[0].endswith("_int8"):
                raise ValueError(f"{producer.name}: int8 table {producer.input[0]} lacks the _int8 suffix")
            table = producer.input[0].removesuffix("_int8")
            new_inits[table] = _dequantize(arrays[producer.input[0]], arrays[node.input[1]], zero, _axis(node))
            producer.input[0] = table
            producer.output[0] = node.output[0]
            drop.add(id(node))
        else:
            raise ValueError(f"DequantizeLinear {node.name} after {producer.op_type}: not a pattern this handles")
    kept = [n for n in graph.node if id(n) not in drop]
    for node in kept:
        for i, name in enumerate(node.input):
            while name in rename:
                name = rename[name]
            node.input[i] = name
    for output in graph.output:
        if output.name in rename:
            raise ValueError(f"graph output {output.name} is a dequantized activation")
    del graph.node[:]
    graph.node.extend(kept)
    del graph.value_info[:]  # shapes of removed tensors; the optimizer infers shapes again
    used = {name for n in kept for name in n.input}
    kept_inits = [t for t in graph.initializer if t.name in used and t.name not in new_inits]
    del graph.initializer[:]
    graph.initializer.extend(kept_inits)
    graph.initializer.extend(numpy_helper.from_array(a, name) for name, a in new_inits.items() if name in used)
    # The onnxruntime optimizer warns when the producer is not the exporter it expects for
    # model_type bert ("pytorch"); the graph is the PyTorch exporter's again.
    out.producer_name = "pytorch"
    onnx.checker.check_model(out)
    return out


def state_dict(graph_model: onnx.ModelProto) -> dict[str, np.ndarray]:
    """The float graph's weights under Hugging Face parameter names."""
    graph = graph_model.graph
    arrays = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    weights: dict[str, np.ndarray] = {}
    for node in graph.node:
        if node.op_type in ("MatMul", "Gemm") and len(node.input) > 1 and node.input[1] in arrays:
            module = node.name.strip("/").rsplit("/", 1)[0].replace("/", ".")
            array = arrays[node.input[1]]
            # nn.Linear stores (out, in): a MatMul's operand is (in, out), a Gemm's is (in, out)
            # unless transB says it is stored transposed.
            stored_transposed = node.op_type == "Gemm" and _attribute(node, "transB", 0) == 1
            weights[f"{module}.weight"] = array if stored_transposed else array.T.copy()
    for name, array in arrays.items():
        if name.startswith(("bert.", "classifier.")) and name.endswith((".weight", ".bias")):
            weights.setdefault(name, array)
    return weights


def torch_model(model_dir: Path, weights: dict[str, np.ndarray], attn: str = "sdpa") -> Any:
    """BertForSequenceClassification (eval mode, fp32, CPU, `attn` attention) from `model_dir`'s
    config with `weights`.

    Raises ValueError when a parameter is missing or left over: every weight must land.
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig.from_json_file(str(model_dir / "config.json"))
    config = BertConfig(**{**config.to_dict(), "attn_implementation": attn})  # read at init
    model = BertForSequenceClassification(config).eval()
    expected = set(model.state_dict())
    params = {name for name, _ in model.named_parameters()}
    missing, extra = params - set(weights), set(weights) - expected
    if missing or extra:
        raise ValueError(f"weights do not match {config.architectures}: missing {sorted(missing)}, extra {sorted(extra)}")
    model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in weights.items()}, strict=False)
    return model


def rebuilt_differences(model_dir: Path, int8: onnx.ModelProto, floats: onnx.ModelProto, model: Any) -> dict[str, float]:
    """Max |logit| on three padded headlines, on the CPU: the float graph vs the PyTorch model
    built from it (a wrong weight mapping shows here) and vs the int8 graph (activation rounding)."""
    import onnxruntime as ort
    import torch
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_padding()
    texts = ["Shares fall 8% after the company cuts its outlook", "Apple beats EPS estimates", "Board meets Tuesday"]
    enc = tokenizer.encode_batch(texts)
    feeds = {
        "input_ids": np.array([e.ids for e in enc], np.int64),
        "attention_mask": np.array([e.attention_mask for e in enc], np.int64),
        "token_type_ids": np.array([e.type_ids for e in enc], np.int64),
    }
    cpu = ["CPUExecutionProvider"]
    (int8_logits,) = ort.InferenceSession(int8.SerializeToString(), providers=cpu).run(["logits"], feeds)
    (float_logits,) = ort.InferenceSession(floats.SerializeToString(), providers=cpu).run(["logits"], feeds)
    with torch.inference_mode():
        torch_logits = model.float().cpu()(**{k: torch.from_numpy(v) for k, v in feeds.items()}).logits.numpy()
    return {
        "float_vs_torch": float(np.abs(float_logits - torch_logits).max()),
        "float_vs_int8": float(np.abs(float_logits - int8_logits).max()),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("model_dir", type=Path, nargs="?", default=Path(__file__).resolve().parents[2] / "inference" / "model")
    args = p.parse_args()
    int8 = onnx.load(str(args.model_dir / "model_int8.onnx"))
    floats = float_graph(int8)
    weights = state_dict(floats)
    diffs = rebuilt_differences(args.model_dir, int8, floats, torch_model(args.model_dir, weights))
    print(f"{len(weights)} weights; float graph {len(floats.graph.node)} nodes (int8 graph {len(int8.graph.node)})")
    print(f"max |logit| float graph vs torch: {diffs['float_vs_torch']:.2e} (must be under {TOLERANCE:g})")
    print(f"max |logit| float graph vs int8:  {diffs['float_vs_int8']:.2e} (activation rounding)")
    return 0 if diffs["float_vs_torch"] < TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
