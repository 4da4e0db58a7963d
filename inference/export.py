"""Export a Hugging Face sequence-classification model dir to ONNX (fp32, fp16, int8).

Needs the `export` extra (torch, transformers, optimum[onnxruntime]); never contacts a hub.
Steps of `export_model`:
1. Load the model with eager attention (the exporter then emits the MatMul/Softmax pattern that
   the onnxruntime transformer optimizer fuses into Attention) and export it with optimum.
2. fp32: that graph as is (onnxruntime fuses it again when a session loads it).
3. fp16: the onnxruntime transformer optimizer (model_type bert, GPU fusions), then float16
   weights with float32 inputs/outputs; its fused-operator counts go into export.json.
4. int8: static quantization (QDQ), so that a sentence's scores never depend on its batch-mates.
   Dynamic quantization (DynamicQuantizeLinear) takes one activation scale over the whole batch,
   which moved probabilities by up to 0.87 between batch 1 and batch 64. Here the activation
   ranges are fixed at export time from calibration sentences (`calibration`: a CSV with a
   text/sentence/headline column, or a PhraseBank release dir whose train side is used; default
   the bundled sample headlines), one sentence per run (MinMax: no padding; Percentile/Entropy
   need one shape, so those pad to the longest sentence). Only the MatMuls/Gemms with a weight
   operand are quantized (int8 per-channel weights, uint8 activations, float outputs); the
   attention products, Softmax, LayerNorm and Gelu stay float. The embedding tables are stored
   as int8 and dequantized after the Gather (weight only). Every scale is a graph constant.
5. config.json, the fast tokenizer and export.json (with the int8 method and calibration) beside
   the models.
The output dir is what `inference.runtime`/`inference.scorer` load (`TICKERTONE_MODEL`).
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import os
import random
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from inference.runtime import ModelError

__all__ = [
    "CALIBRATION_METHODS",
    "DEFAULT_CACHE_DIR",
    "DEFAULT_CALIBRATION",
    "EXPORT_PRECISIONS",
    "ExportError",
    "calibration_texts",
    "ensure_exported",
    "export_model",
    "source_sha256",
]

log = logging.getLogger(__name__)

EXPORT_PRECISIONS = ("fp32", "fp16", "int8")
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "tickertone" / "exports"
# Files of a Hugging Face model dir that decide what the export contains.
_SOURCE_SUFFIXES = (".json", ".txt", ".model", ".safetensors", ".bin")
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
# Calibration sentences for the int8 activation ranges: the sample headlines shipped with the repo.
DEFAULT_CALIBRATION = Path(__file__).resolve().parents[1] / "streams" / "sample" / "benzinga_headlines.csv"
CALIBRATION_METHODS = ("minmax", "percentile", "entropy")
_CALIBRATION_SIZE = 400
_CALIBRATION_SEED = 0
_TEXT_COLUMNS = ("text", "sentence", "headline")
# Operators the optimizer reports that show which fusions happened.
_FUSED_OPS = ("Attention", "MultiHeadAttention", "EmbedLayerNormalization", "SkipLayerNormalization", "BiasGelu", "FastGelu", "Gelu", "LayerNormalization")


class ExportError(ModelError):
    """The source dir cannot be exported: not a sequence-classification model, or a tool is missing.

    Operators: install the `export` extra (`pip install 'tickertone[export]'`) and point SRC at a
    local Hugging Face model dir holding config.json, the weights and a tokenizer.
    """


def source_sha256(src: Path) -> str:
    """SHA-256 over the names and bytes of the model files at the top of `src`, in name order."""
    if not src.is_dir():
        raise ExportError(f"{src} is not a directory")
    digest = hashlib.sha256()
    files = sorted(p for p in src.iterdir() if p.is_file() and p.suffix in _SOURCE_SUFFIXES and not p.name.startswith("."))
    if not files:
        raise ExportError(f"{src} holds no model files")
    for path in files:
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def export_model(
    src: Path,
    out: Path,
    precisions: Sequence[str] = ("fp32", "int8"),
    opset: int = 17,
    max_length: int = 128,
    *,
    calibration: Path | None = None,
    calibration_size: int = _CALIBRATION_SIZE,
    calibration_method: str = "minmax",
) -> Path:
    """Export `src` into `out` (created, files replaced) in `precisions`; returns `out`.

    `calibration` (int8 only): CSV of sentences or PhraseBank release dir (its train side);
    None is `DEFAULT_CALIBRATION`. `calibration_size` sentences are drawn from it (seeded).
    """
    unknown = sorted(set(precisions) - set(EXPORT_PRECISIONS))
    if unknown or not precisions:
        raise ExportError(f"precisions must be some of {EXPORT_PRECISIONS}, got {list(precisions)}")
    if calibration_method not in CALIBRATION_METHODS:
        raise ExportError(f"calibration method must be one of {CALIBRATION_METHODS}, got {calibration_method!r}")
    src, out = Path(src), Path(out)
    calibration = Path(calibration) if calibration is not None else DEFAULT_CALIBRATION
    texts = calibration_texts(calibration, calibration_size) if "int8" in precisions else []
    sha = source_sha256(src)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out, prefix=".export-") as work:
        raw, config = _export_fp32(src, Path(work), opset)
        fused_ops: dict[str, dict[str, int]] = {}
        if "fp16" in precisions:
            fused_ops["fp16"] = _optimize_fp16(raw, out / "model_fp16.onnx", config)
        int8: dict[str, Any] = {}
        if "int8" in precisions:
            # A calibration sentence must fit the position table (a tiny test model has fewer than 128).
            width = min(max_length, int(getattr(config, "max_position_embeddings", max_length) or max_length))
            int8 = _quantize_int8_static(raw, out / "model_int8.onnx", Path(work), src, texts, width, calibration_method)
            int8["calibration"] = calibration.name
        if "fp32" in precisions:
            _save_onnx(raw, out / "model_fp32.onnx")
    _save_config_and_tokenizer(src, out, max_length)
    written = [p for p in EXPORT_PRECISIONS if p in precisions]
    manifest = {
        "model_name": src.resolve().name,
        "source_sha256": sha,
        "precisions": written,
        "max_length": max_length,
        "opset": opset,
        "fused_ops": fused_ops,
        **({"int8": int8} if int8 else {}),
        "versions": _versions(),
    }
    (out / "export.json").write_text(json.dumps(manifest, indent=2) + "\n")
    log.info("exported %s to %s (%s)", src, out, ", ".join(written))
    return out


def ensure_exported(src: Path, cache_dir: Path | None = None) -> Path:
    """An exported dir for `src`: `src` itself if already exported, else a cached export.

    The cache entry is `<cache_dir>/<source_sha256>` with every precision; it is written to a
    temporary sibling and renamed, so a crashed export never looks finished.
    """
    src = Path(src)
    if (src / "export.json").is_file():
        return src
    target = (cache_dir or DEFAULT_CACHE_DIR) / source_sha256(src)
    if (target / "export.json").is_file():
        log.info("using cached export %s for %s", target, src)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
    try:
        export_model(src, staging, EXPORT_PRECISIONS)
        staging.rename(target)
    except OSError:
        if not (target / "export.json").is_file():  # not a concurrent export that finished first
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _export_fp32(src: Path, work: Path, opset: int) -> tuple[Path, Any]:
    os.environ["HF_HUB_OFFLINE"] = "1"  # before transformers/optimum import huggingface_hub
    try:
        from optimum.exporters.onnx import onnx_export_from_model
        from transformers import AutoModelForSequenceClassification
    except ImportError as exc:
        raise ExportError(f"exporting needs the export extra: {exc}") from exc
    try:
        model = AutoModelForSequenceClassification.from_pretrained(src, local_files_only=True, attn_implementation="eager")
    except (OSError, ValueError) as exc:
        raise ExportError(f"{src} is not a loadable sequence-classification model: {exc}") from exc
    model.eval()
    onnx_export_from_model(model, work, opset=opset, task="text-classification", do_validation=False)
    return work / "model.onnx", model.config


def _optimize_fp16(raw: Path, target: Path, config: Any) -> dict[str, int]:
    from onnxruntime.transformers import optimizer

    model = optimizer.optimize_model(
        str(raw),
        model_type="bert",
        num_heads=config.num_attention_heads,
        hidden_size=config.hidden_size,
        opt_level=1,
        use_gpu=True,
    )
    model.convert_float_to_float16(keep_io_types=True)
    stats = model.get_fused_operator_statistics()
    model.save_model_to_file(str(target))
    return {name: int(stats.get(name, 0)) for name in _FUSED_OPS}


def calibration_texts(path: Path, size: int = _CALIBRATION_SIZE, seed: int = _CALIBRATION_SEED) -> list[str]:
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


def _quantize_int8_static(
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
    tokenizer = _fast_tokenizer(src)
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length)

    encodings = tokenizer.encode_batch(list(texts))
    # MinMax: one sentence per run, so padding never enters a range. The histogram methods of
    # onnxruntime stack every run's tensors and need one shape: pad to the longest sentence.
    width = max(len(e.ids) for e in encodings) if method != "minmax" else 0
    pad_id = tokenizer.token_to_id("[PAD]") or 0

    class _Sentences(CalibrationDataReader):
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

    methods = {"minmax": CalibrationMethod.MinMax, "percentile": CalibrationMethod.Percentile, "entropy": CalibrationMethod.Entropy}
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
    embeddings = _quantize_embeddings(model)
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


def _fast_tokenizer(src: Path) -> Any:
    """The `tokenizers.Tokenizer` behind the source's fast tokenizer (what the runtime will use)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(src, local_files_only=True, use_fast=True)
    if not tokenizer.is_fast:
        raise ExportError(f"{src} has no fast tokenizer (tokenizer.json); the runtime needs one")
    return tokenizer.backend_tokenizer


def _quantize_embeddings(model: Any) -> int:
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


def _save_onnx(raw: Path, target: Path) -> None:
    # optimum writes weights inline under 2 GB; a larger model would need its external data file.
    if (raw.parent / "model.onnx_data").exists():
        raise ExportError("models over 2 GB (external ONNX data) are not supported")
    shutil.copyfile(raw, target)


def _save_config_and_tokenizer(src: Path, out: Path, max_length: int) -> None:
    from transformers import AutoConfig, AutoTokenizer

    AutoConfig.from_pretrained(src, local_files_only=True).save_pretrained(out)
    tokenizer = AutoTokenizer.from_pretrained(src, local_files_only=True, use_fast=True)
    if not tokenizer.is_fast:
        raise ExportError(f"{src} has no fast tokenizer (tokenizer.json); the runtime needs one")
    tokenizer.model_max_length = max_length
    tokenizer.save_pretrained(out)
    missing = [name for name in _TOKENIZER_FILES if not (out / name).is_file()]
    if missing:
        raise ExportError(f"tokenizer export lacks {missing}")


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("torch", "transformers", "optimum", "optimum-onnx", "onnx", "onnxruntime"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found
