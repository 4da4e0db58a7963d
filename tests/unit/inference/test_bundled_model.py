"""The bundled default model (and the opt-in non-commercial one): loads offline, reads
finbert-tone labels, keeps its measured accuracy on the shipped held-out sets."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from inference.cli import add_model_commands
from inference.evaluate import (
    AGREEMENT_FILES,
    DEFAULT_SPLIT_SEED,
    SHIPPED_TEST_SPLIT,
    evaluate,
    load_phrasebank,
    read_split_csv,
    split_phrasebank,
)
from inference.model_report import evaluate_sets

REPO = Path(__file__).resolve().parents[3]
MODEL = REPO / "inference" / "model"
PHRASEBANK_MODEL = REPO / "models" / "minilm-l6-phrasebank-nc"


def test_bundled_model_dir_follows_the_export_contract() -> None:
    manifest = json.loads((MODEL / "export.json").read_text())
    assert manifest["precisions"] == ["int8"]
    assert len(manifest["source_sha256"]) == 64
    for name in ("model_int8.onnx", "config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        assert (MODEL / name).is_file(), name
    assert json.loads((MODEL / "calibration.json").read_text())["temperature"] > 0
    config = json.loads((MODEL / "config.json").read_text())
    assert config["id2label"] == {"0": "Neutral", "1": "Positive", "2": "Negative"}
    assert config["label2id"] == {"Neutral": 0, "Positive": 1, "Negative": 2}


def test_bundled_model_runs_on_plain_onnxruntime() -> None:
    session = ort.InferenceSession(str(MODEL / "model_int8.onnx"), providers=["CPUExecutionProvider"])
    ids = np.array([[101, 7592, 2002, 102]], dtype=np.int64)  # [CLS] ... [SEP]
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
    (logits,) = session.run(["logits"], {i.name: feeds[i.name] for i in session.get_inputs()})
    assert logits.shape == (1, 3)


def test_shipped_split_is_the_documented_one() -> None:
    # 20% of each label of the 4,836 distinct PhraseBank sentences (see inference.evaluate).
    sentences = read_split_csv(SHIPPED_TEST_SPLIT)
    counts = {label: sum(s.label == label for s in sentences) for label in ("positive", "negative", "neutral")}
    assert counts == {"positive": 272, "negative": 121, "neutral": 574}
    assert len({s.text for s in sentences}) == len(sentences)


def test_bundled_model_accuracy_on_the_held_out_sets() -> None:
    _, rows = evaluate_sets(None, provider="cpu")
    accuracy = {row.name: row.accuracy for row in rows}
    # Measured 0.8550 / 0.7777 / 0.6523 (MODEL.md); the floors leave room for kernel differences.
    assert accuracy["twitter validation"] >= 0.85
    assert accuracy["phrasebank test"] >= 0.77
    assert accuracy["labeled headlines"] >= 0.64
    # Calibration on the calibration side carries over to the validation side.
    twitter = rows[0]
    assert twitter.ece_calibrated < twitter.ece_raw


def test_the_non_commercial_variant_keeps_its_phrasebank_accuracy() -> None:
    result = evaluate(PHRASEBANK_MODEL, DEFAULT_SPLIT_SEED, provider="cpu")
    assert result.precision == "int8"
    assert result.metrics.n == 967
    # Measured 0.8356 / AllAgree 0.9603 (MODEL.md).
    assert result.metrics.accuracy >= 0.83
    assert result.metrics.allagree_accuracy >= 0.94
    assert "NON-COMMERCIAL" in (PHRASEBANK_MODEL / "SOURCE.md").read_text()


def _write_phrasebank(directory: Path) -> None:
    """A release in miniature: 50Agree in UTF-8 with U+FFFD, the others Latin-1, overlapping."""
    rows50 = [f"Sentence {i} about profit .@{label}" for i, label in enumerate(["positive", "negative", "neutral"] * 10)]
    rows50 += ["Espoo-based Ba\ufffdo Oyj grew .@positive", "Conflicted line .@positive", "Conflicted line .@negative"]
    (directory / AGREEMENT_FILES[50]).write_text("\n".join(rows50) + "\n", encoding="utf-8")
    for level in (66, 75, 100):
        rows = ["Espoo-based Baño Oyj grew .@positive", *rows50[:6]]
        (directory / AGREEMENT_FILES[level]).write_bytes(("\n".join(rows) + "\n").encode("latin-1"))


def test_phrasebank_files_merge_by_sentence(tmp_path: Path) -> None:
    _write_phrasebank(tmp_path)
    sentences = {s.text: s for s in load_phrasebank(tmp_path)}
    assert len(sentences) == 31  # 30 + the accented one; the conflicting pair is dropped
    assert sentences["Espoo-based Baño Oyj grew ."].agreement == 100  # Latin-1 spelling wins
    assert sentences["Sentence 0 about profit ."].agreement == 100
    assert sentences["Sentence 9 about profit ."].agreement == 50


def test_split_is_stratified_disjoint_and_seeded(tmp_path: Path) -> None:
    _write_phrasebank(tmp_path)
    sentences = load_phrasebank(tmp_path)
    train, test = split_phrasebank(sentences, seed=3)
    assert {s.text for s in train}.isdisjoint(s.text for s in test)
    assert len(train) + len(test) == len(sentences)
    assert sorted(s.label for s in test) == ["negative", "negative", "neutral", "neutral", "positive", "positive"]
    assert split_phrasebank(list(reversed(sentences)), seed=3) == (train, test)  # input order is irrelevant
    assert split_phrasebank(sentences, seed=4)[1] != test


def test_model_eval_command(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    add_model_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["model", "eval", "--provider", "cpu", "--json"])
    assert args.func(args) == 0
    table = json.loads(capsys.readouterr().out)
    assert [row["name"] for row in table["sets"]] == ["twitter validation", "phrasebank test", "labeled headlines"]
    assert table["sets"][0]["accuracy"] >= 0.85 and table["sets"][0]["target"] == 0.88
    bench = parser.parse_args(["model", "bench", "--batch-sizes", "1"])  # options added on first parse
    assert bench.batch_sizes == "1"
    # `model bench --model X` once failed with "unrecognized arguments".
    bench = parser.parse_args(["model", "bench", "--model", str(MODEL), "--precision", "int8", "--sentences", "8"])
    assert (bench.model, bench.precision, bench.sentences) == (MODEL, "int8", 8)
    assert bench.func.__module__ == "inference.bench"
