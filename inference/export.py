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
The output dir is what `inference.runtime`/`inference.scorer` load (`TICKERTONE_SCORING__MODEL`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from inference.errors import ExportError
from inference.quantize import (
    CALIBRATION_METHODS,
    CALIBRATION_SIZE,
    DEFAULT_CALIBRATION,
    calibration_texts,
    quantize_int8_static,
)

__all__ = [
    "DEFAULT_CACHE_DIR",
    "EXPORT_PRECISIONS",
    "ExportError",
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
# Operators the optimizer reports that show which fusions happened.
_FUSED_OPS = (
    "Attention",
    "MultiHeadAttention",
    "EmbedLayerNormalization",
    "SkipLayerNormalization",
    "BiasGelu",
    "FastGelu",
    "Gelu",
    "LayerNormalization",
)


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
    calibration_size: int = CALIBRATION_SIZE,
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
            int8 = quantize_int8_static(raw, out / "model_int8.onnx", Path(work), src, texts, width, calibration_method)
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
