"""Export of a tiny random BERT (built from a config, no downloads) to fp32, fp16 and int8 ONNX."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

torch = pytest.importorskip("torch", reason="exporting needs the export extra (torch)")
transformers = pytest.importorskip("transformers", reason="exporting needs the export extra (transformers)")
pytest.importorskip("optimum.exporters.onnx", reason="exporting needs the export extra (optimum[onnxruntime])")

from inference.export import ensure_exported, export_model, source_sha256

SENTENCES = [
    "profit rose sharply in the quarter",
    "the company cut its outlook after weak sales",
    "shares were unchanged",
    "operating loss widened",
]
ID2LABEL = {0: "Neutral", 1: "Positive", 2: "Negative"}


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer, 2-head BERT classifier with a word-level WordPiece vocabulary of the test words."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    src = tmp_path_factory.mktemp("tiny-bert")
    words = sorted({w for s in SENTENCES for w in s.split()})
    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *words])}
    backend = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    backend.normalizer = normalizers.BertNormalizer(lowercase=True)
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    backend.post_processor = processors.BertProcessing(("[SEP]", vocab["[SEP]"]), ("[CLS]", vocab["[CLS]"]))
    transformers.BertTokenizerFast(tokenizer_object=backend).save_pretrained(src)
    config = transformers.BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        id2label=ID2LABEL,
        label2id={v: k for k, v in ID2LABEL.items()},
    )
    torch.manual_seed(0)
    transformers.BertForSequenceClassification(config).save_pretrained(src)
    return src


@pytest.fixture(scope="module")
def exported(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_model(tiny_model, tmp_path_factory.mktemp("export"), precisions=("fp32", "fp16", "int8"), max_length=32)


def _probabilities(model_dir: Path, precision: str) -> np.ndarray:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_padding()
    encodings = tokenizer.encode_batch(SENTENCES)
    session = ort.InferenceSession(str(model_dir / f"model_{precision}.onnx"), providers=["CPUExecutionProvider"])
    feeds = {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }
    wanted = {i.name for i in session.get_inputs()}
    (logits,) = session.run(["logits"], {k: v for k, v in feeds.items() if k in wanted})
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def test_export_writes_every_precision_and_the_manifest(tiny_model: Path, exported: Path) -> None:
    for name in ("model_fp32.onnx", "model_fp16.onnx", "model_int8.onnx", "config.json", "tokenizer.json",
                 "tokenizer_config.json", "special_tokens_map.json"):
        assert (exported / name).is_file(), name
    manifest = json.loads((exported / "export.json").read_text())
    assert manifest["source_sha256"] == source_sha256(tiny_model)
    assert manifest["precisions"] == ["fp32", "fp16", "int8"]
    assert (manifest["max_length"], manifest["opset"]) == (32, 17)
    assert manifest["model_name"] == tiny_model.name
    config = json.loads((exported / "config.json").read_text())
    assert config["id2label"] == {"0": "Neutral", "1": "Positive", "2": "Negative"}


def test_fp16_graph_has_fused_attention(exported: Path) -> None:
    fused = json.loads((exported / "export.json").read_text())["fused_ops"]["fp16"]
    # Eager attention export: one fused Attention per layer, one fused embedding.
    assert fused["Attention"] == 2
    assert fused["EmbedLayerNormalization"] == 1
    assert fused["SkipLayerNormalization"] >= 2


def test_int8_agrees_with_fp32(exported: Path) -> None:
    fp32 = _probabilities(exported, "fp32")
    int8 = _probabilities(exported, "int8")
    assert np.abs(fp32 - int8).max() < 0.05
    assert (fp32.argmax(axis=1) == int8.argmax(axis=1)).all()


def test_int8_is_smaller_than_fp32(exported: Path) -> None:
    assert (exported / "model_int8.onnx").stat().st_size < (exported / "model_fp32.onnx").stat().st_size


def test_ensure_exported_caches_by_content(tiny_model: Path, tmp_path: Path) -> None:
    first = ensure_exported(tiny_model, cache_dir=tmp_path)
    assert first == tmp_path / source_sha256(tiny_model)
    stamp = (first / "export.json").stat().st_mtime_ns
    assert ensure_exported(tiny_model, cache_dir=tmp_path) == first
    assert (first / "export.json").stat().st_mtime_ns == stamp  # reused, not exported again
    assert ensure_exported(first, cache_dir=tmp_path) == first  # an exported dir is used as is
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no staging dir left behind
