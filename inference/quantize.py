"""int8 static quantization for the CPU model (step 4 of `inference.export`): calibration
sentences, the QDQ quantization of the weighted MatMuls/Gemms, and int8 embedding tables.

Every activation range is fixed at export time from the calibration sentences, so a sentence's
scores never depend on its batch-mates (dynamic quantization takes one scale per batch).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from inference.errors import ExportError

__all__ = [
    "CALIBRATION_METHODS",
    "CALIBRATION_SIZE",
    "DEFAULT_CALIBRATION",
    "calibration_texts",
    "fast_tokenizer",
    "quantize_embeddings",
    "quantize_int8_static",
]

# Calibration sentences for the int8 activation ranges: the sample headlines shipped with the package.
DEFAULT_CALIBRATION = Path(__file__).resolve().parents[1] / "streams" / "sample" / "benzinga_headlines.csv"
CALIBRATION_METHODS = ("minmax", "percentile", "entropy")
CALIBRATION_SIZE = 400
_CALIBRATION_SEED = 0
_TEXT_COLUMNS = ("text", "sentence", "headline")


def calibration_texts(path: Path, size: int = CALIBRATION_SIZE, seed: int = _CALIBRATION_SEED) -> list[str]:
    """Up to `size` distinct sentences for int8 calibration, drawn with `seed` (sorted first, so
    the draw does not depend on file order).

    `path`: a CSV with a text, sentence or headline column, or a Financial PhraseBank release dir,
    of which only the train side of the default split is used (never the held-out test half).
    """
    if path.is_dir():
        from inference.evaluate import DEFAULT_SPLIT_SEED, load_phrasebank, split_phrasebank

        try:
            train, _ = split_phrasebank(load_phrasebank(path), seed=DEFAULT_SPLIT_SEED)
        except (OSError, ValueError) as exc:
            raise ExportError(f"{path} is not a PhraseBank release dir: {exc}") from exc
        texts = {s.text.strip() for s in train}
    else:
        try:
            with path.open(newline="", encoding="utf-8") as handle:
                reader = csv.DictReader(handle)
                column = next((c for c in _TEXT_COLUMNS if c in (reader.fieldnames or [])), None)
                if column is None:
                    raise ExportError(f"{path} has none of the columns {', '.join(_TEXT_COLUMNS)}")
                texts = {row[column].strip() for row in reader if (row[column] or "").strip()}
        except OSError as exc:
            raise ExportError(f"cannot read calibration sentences from {path}: {exc}") from exc
    if not texts:
        raise ExportError(f"{path} holds no calibration sentences")
    ordered = sorted(texts)
    return random.Random(seed).sample(ordered, min(size, len(ordered)))


def quantize_int8_static(
    raw: Path, target: Path, work: Path, src: Path, texts: Sequence[str], max_length: int, method: str
) -> dict[str, Any]:
    import onnx
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quant_pre_process,
        quantize_static,
    )

    prepared = work / "model_prepared.onnx"
    quant_pre_process(str(raw), str(prepared), skip_optimization=False, skip_symbolic_shape=True)
    graph = onnx.load(str(prepared)).graph
    input_names = {i.name for i in graph.input}
    weights = {t.name for t in graph.initializer}
    # Only products with a weight: the attention products (QK^T, scores x V) and everything around
    # them (Softmax, LayerNorm, Gelu, residual adds) stay float.
    weighted = [n.name for n in graph.node if n.op_type in ("MatMul", "Gemm") and n.input[1] in weights]
    tokenizer = fast_tokenizer(src)
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length)

    encodings = tokenizer.encode_batch(list(texts))
    # MinMax: one sentence per run, so padding never enters a range. The histogram methods of
    # onnxruntime stack every run's tensors and need one shape: pad to the longest sentence.
    width = max(len(e.ids) for e in encodings) if method != "minmax" else 0
    pad_id = tokenizer.token_to_id("[PAD]") or 0

    class _Sentences(CalibrationDataReader):  # type: ignore[misc]  # onnxruntime is untyped
        def __init__(self) -> None:
            self._feeds = self._make()

        def _make(self) -> Iterator[dict[str, Any]]:
            import numpy as np

            for encoding in encodings:
                n = len(encoding.ids)
                pad = max(width - n, 0)
                feeds = {
                    "input_ids": np.array([encoding.ids + [pad_id] * pad], dtype=np.int64),
                    "attention_mask": np.array([[1] * n + [0] * pad], dtype=np.int64),
                    "token_type_ids": np.array([encoding.type_ids + [0] * pad], dtype=np.int64),
                }
                yield {k: v for k, v in feeds.items() if k in input_names}

        def get_next(self) -> dict[str, Any] | None:
            return next(self._feeds, None)

    methods = {
        "minmax": CalibrationMethod.MinMax,
        "percentile": CalibrationMethod.Percentile,
        "entropy": CalibrationMethod.Entropy,
    }
    staged = work / "model_static.onnx"
    quantize_static(
        prepared,
        staged,
        _Sentences(),
        quant_format=QuantFormat.QDQ,
        op_types_to_quantize=["MatMul", "Gemm"],
        nodes_to_quantize=weighted,
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=methods[method],
        # Float MatMul outputs: no second rounding before the bias Add (onnxruntime then runs
        # DequantizeLinear -> MatMul as one integer kernel with a float result).
        extra_options={"MatMulConstBOnly": True, "OpTypesToExcludeOutputQuantization": ["MatMul", "Gemm"]},
    )
    model = onnx.load(str(staged))
    embeddings = quantize_embeddings(model)
    onnx.save(model, str(target))
    if any(node.op_type == "DynamicQuantizeLinear" for node in model.graph.node):
        raise ExportError("static quantization left a DynamicQuantizeLinear in the graph")
    dequantized = {o for node in model.graph.node if node.op_type == "DequantizeLinear" for o in node.output}
    matmuls = sum(n.op_type in ("MatMul", "Gemm") and n.input[1] in dequantized for n in model.graph.node)
    return {
        "method": "static QDQ: MatMul with a weight operand (int8 per-channel weights, uint8 activations, "
        "fixed scales), embeddings int8 weight-only; attention products, Softmax, LayerNorm, Gelu float",
        "calibration_method": method,
        "calibration_sentences": len(texts),
        "quantized_matmuls": int(matmuls),
        "quantized_embeddings": embeddings,
    }


def fast_tokenizer(src: Path) -> Any:
    """The `tokenizers.Tokenizer` behind the source's fast tokenizer (what the runtime will use)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(src, local_files_only=True, use_fast=True)
    if not tokenizer.is_fast:
        raise ExportError(f"{src} has no fast tokenizer (tokenizer.json); the runtime needs one")
    return tokenizer.backend_tokenizer


def quantize_embeddings(model: Any) -> int:
    """Store each embedding table that feeds a Gather as int8 (one symmetric scale per table) and
    dequantize the gathered rows: the model shrinks by ~3/4 of those tables, activations untouched."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    initializers = {t.name: t for t in graph.initializer}
    users: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            users[name] = users.get(name, 0) + 1
    done = 0
    for node in list(graph.node):
        table = initializers.get(node.input[0]) if node.op_type == "Gather" else None
        if table is None or users[table.name] != 1 or table.data_type != TensorProto.FLOAT:
            continue
        weights = numpy_helper.to_array(table).astype(np.float32)
        scale = np.float32(max(float(np.abs(weights).max()), 1e-12) / 127.0)
        quantized = np.clip(np.rint(weights / scale), -127, 127).astype(np.int8)
        graph.initializer.remove(table)
        graph.initializer.extend(
            [
                numpy_helper.from_array(quantized, f"{table.name}_int8"),
                numpy_helper.from_array(np.array(scale, dtype=np.float32), f"{table.name}_scale"),
                numpy_helper.from_array(np.array(0, dtype=np.int8), f"{table.name}_zero_point"),
            ]
        )
        gathered = f"{node.output[0]}_int8"
        dequantize = helper.make_node(
            "DequantizeLinear",
            [gathered, f"{table.name}_scale", f"{table.name}_zero_point"],
            [node.output[0]],
            name=f"{node.name}_dequantize",
        )
        node.input[0] = f"{table.name}_int8"
        node.output[0] = gathered
        graph.node.insert(list(graph.node).index(node) + 1, dequantize)
        done += 1
    return done
