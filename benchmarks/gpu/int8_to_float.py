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

    python benchmarks/gpu/int8_to_float.py inference/model   # checks 1-3 on this machine's CPU
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper

_WEIGHT_OPS = {"MatMul": True, "Gemm": False}  # op -> is the stored weight transposed vs nn.Linear


def _dequantize(q: np.ndarray, scale: np.ndarray, zero: np.ndarray | None, axis: int) -> np.ndarray:
    """ONNX DequantizeLinear: (q - zero) * scale, per tensor or per `axis`."""
    shape = [1] * q.ndim
    if scale.ndim == 1 and q.ndim > 0:
        shape[axis] = -1
    zero_f = np.zeros(1, np.float32) if zero is None else zero.astype(np.float32).reshape(shape if zero.ndim else ())
    scale_f = scale.astype(np.float32).reshape(shape if scale.ndim else ())
    return (q.astype(np.float32) - zero_f) * scale_f


def _axis(node: onnx.NodeProto) -> int:
    return next((int(onnx.helper.get_attribute_value(a)) for a in node.attribute if a.name == "axis"), 1)


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
    used = {name for n in kept for name in n.input}
    kept_inits = [t for t in graph.initializer if t.name in used and t.name not in new_inits]
    del graph.initializer[:]
    graph.initializer.extend(kept_inits)
    graph.initializer.extend(numpy_helper.from_array(a, name) for name, a in new_inits.items() if name in used)
    # The onnxruntime optimizer checks the producer: the graph is the PyTorch exporter's again.
    out.producer_name = "pytorch"
    onnx.checker.check_model(out)
    return out


def state_dict(graph_model: onnx.ModelProto) -> dict[str, np.ndarray]:
    """The float graph's weights under Hugging Face parameter names."""
    graph = graph_model.graph
    arrays = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    weights: dict[str, np.ndarray] = {}
    for node in graph.node:
        if node.op_type in _WEIGHT_OPS and len(node.input) > 1 and node.input[1] in arrays:
            module = node.name.strip("/").rsplit("/", 1)[0].replace("/", ".")
            array = arrays[node.input[1]]
            weights[f"{module}.weight"] = array.T.copy() if _WEIGHT_OPS[node.op_type] else array
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


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("model_dir", type=Path, nargs="?", default=Path(__file__).resolve().parents[2] / "inference" / "model")
    args = p.parse_args()
    import onnxruntime as ort
    import torch
    from tokenizers import Tokenizer

    int8 = onnx.load(str(args.model_dir / "model_int8.onnx"))
    floats = float_graph(int8)
    weights = state_dict(floats)
    model = torch_model(args.model_dir, weights)
    tokenizer = Tokenizer.from_file(str(args.model_dir / "tokenizer.json"))
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
        torch_logits = model(**{k: torch.from_numpy(v) for k, v in feeds.items()}).logits.numpy()
    print(f"{len(weights)} weights; float graph {len(floats.graph.node)} nodes (int8 graph {len(int8.graph.node)})")
    print(f"max |logit| float graph vs torch: {np.abs(float_logits - torch_logits).max():.2e}")
    print(f"max |logit| float graph vs int8:  {np.abs(float_logits - int8_logits).max():.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
