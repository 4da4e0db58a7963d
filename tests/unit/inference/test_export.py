"""Export of a tiny random BERT (built from a config, no downloads) to fp32, fp16 and int8 ONNX.

int8 is static (calibrated, constant scales), so a sentence's scores do not depend on its batch.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

torch = pytest.importorskip("torch", reason="exporting needs the export extra (torch)")
transformers = pytest.importorskip("transformers", reason="exporting needs the export extra (transformers)")
pytest.importorskip("optimum.exporters.onnx", reason="exporting needs the export extra (optimum[onnxruntime])")

# The imports below need the extra the guards above checked for.
from inference.evaluate import DEFAULT_SPLIT_SEED, load_phrasebank, split_phrasebank  # noqa: E402
from inference.export import ExportError, ensure_exported, export_model, source_sha256  # noqa: E402
from inference.quantize import calibration_texts  # noqa: E402

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
def calibration_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Calibration sentences in the tiny vocabulary (the default headlines would all be [UNK])."""
    words = sorted({w for s in SENTENCES for w in s.split()})
    rng = np.random.default_rng(1)
    rows = [" ".join(rng.choice(words, size=int(rng.integers(3, 9)))) for _ in range(60)]
    path = tmp_path_factory.mktemp("calibration") / "sentences.csv"
    path.write_text("text\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture(scope="module")
def exported(tiny_model: Path, calibration_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_model(
        tiny_model,
        tmp_path_factory.mktemp("export"),
        precisions=("fp32", "fp16", "int8"),
        max_length=32,
        calibration=calibration_csv,
    )


def _probabilities(model_dir: Path, precision: str, sentences: list[str] = SENTENCES) -> np.ndarray:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_padding()
    encodings = tokenizer.encode_batch(sentences)
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
    int8 = manifest["int8"]
    assert int8["method"].startswith("static QDQ")
    assert (int8["calibration"], int8["calibration_method"], int8["calibration_sentences"]) == ("sentences.csv", "minmax", 60)
    assert int8["quantized_matmuls"] >= 2 * 6  # Q, K, V, attention output, FFN in and out per layer
    assert int8["quantized_embeddings"] == 3


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


def test_int8_is_statically_quantized_and_batch_invariant(exported: Path) -> None:
    data = (exported / "model_int8.onnx").read_bytes()
    assert b"DynamicQuantizeLinear" not in data and b"QuantizeLinear" in data
    alone = np.vstack([_probabilities(exported, "int8", [s]) for s in SENTENCES])
    batched = _probabilities(exported, "int8", SENTENCES + ["profit profit profit rose rose sharply sharply"] * 3)
    # Static scales: batch-mates and padding change nothing beyond float rounding.
    assert np.abs(batched[: len(SENTENCES)] - alone).max() < 1e-5


def test_calibration_from_phrasebank_uses_the_train_side_only(tmp_path: Path) -> None:
    from inference.evaluate import AGREEMENT_FILES

    rows = [f"Company {i} reported {word} results .@{label}" for i, (word, label) in
            enumerate([("better", "positive"), ("worse", "negative"), ("flat", "neutral")] * 20)]
    for name in AGREEMENT_FILES.values():
        (tmp_path / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    train, test = split_phrasebank(load_phrasebank(tmp_path), seed=DEFAULT_SPLIT_SEED)
    texts = calibration_texts(tmp_path, size=1000)
    assert sorted(texts) == sorted(s.text for s in train)
    assert not set(texts) & {s.text for s in test}
    assert len(calibration_texts(tmp_path, size=10)) == 10
    assert calibration_texts(tmp_path, size=10) == calibration_texts(tmp_path, size=10)  # seeded draw


def test_calibration_csv_needs_a_text_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("title\nsomething\n")
    with pytest.raises(ExportError, match="columns"):
        calibration_texts(path)


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
