"""The bundled model scores a sentence the same whatever shares its batch (replay == live).

Dynamically quantized int8 (DynamicQuantizeLinear) takes one activation scale over the whole
batch, so batch-mates moved probabilities by up to 0.87. The bundled model is statically
quantized: every scale is a constant, and only float rounding noise may differ between batches.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest

from inference.scorer import BUNDLED_MODEL, Scorer, load_scorer
from support.paths import SAMPLE_HEADLINES as HEADLINES

TOLERANCE = 1e-4


def _headlines(n: int = 64) -> list[str]:
    with HEADLINES.open(newline="", encoding="utf-8") as handle:
        distinct = list(dict.fromkeys(row["headline"].strip() for row in csv.DictReader(handle) if row["headline"].strip()))
    picked = [distinct[i] for i in np.random.default_rng(7).permutation(len(distinct))[:n]]
    assert len(picked) == n
    return picked


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    loaded = load_scorer(None, "cpu")
    assert loaded.precision == "int8"
    return loaded


@pytest.fixture(scope="module")
def alone(scorer: Scorer) -> tuple[list[str], np.ndarray]:
    texts = _headlines()
    scorer.batch_size = 1
    probs = np.vstack([scorer.probabilities([t]) for t in texts])  # each sentence in a batch of one
    return texts, probs


def _batched(scorer: Scorer, texts: list[str], batch_size: int) -> np.ndarray:
    scorer.batch_size = batch_size
    try:
        return scorer.probabilities(texts)
    finally:
        scorer.batch_size = 64


@pytest.mark.parametrize("batch_size", [64, 16, 5])
def test_sentence_alone_equals_sentence_in_a_mixed_batch(
    scorer: Scorer, alone: tuple[list[str], np.ndarray], batch_size: int
) -> None:
    texts, expected = alone
    got = _batched(scorer, texts, batch_size)
    assert np.abs(got - expected).max() < TOLERANCE


def test_companions_and_padding_do_not_move_a_sentence(scorer: Scorer, alone: tuple[list[str], np.ndarray]) -> None:
    texts, expected = alone
    # Other orders, duplicates, and long strongly polar companions: different batch-mates and a
    # wider padded batch for every headline.
    long_positive = (
        "Record quarterly revenue beat every estimate as margins expanded and the company raised its full-year guidance " * 3
    )
    long_negative = "The company swung to a heavy loss, cut its dividend, withdrew guidance and warned of layoffs " * 3
    mixed = [long_positive, *reversed(texts), long_negative, *texts[:10]]
    got = _batched(scorer, mixed, 64)
    reversed_alone = expected[::-1]
    assert np.abs(got[1:65] - reversed_alone).max() < TOLERANCE
    assert np.abs(got[66:] - expected[:10]).max() < TOLERANCE


def test_bundled_graph_has_no_batch_wide_quantization() -> None:
    # Operator types are plain strings in the ONNX protobuf (the runtime venv has no `onnx`).
    data = (BUNDLED_MODEL / "model_int8.onnx").read_bytes()
    assert b"DynamicQuantizeLinear" not in data  # its scale is computed over the whole batch
    assert b"QuantizeLinear" in data and b"DequantizeLinear" in data
