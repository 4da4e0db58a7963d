"""The scorer on a real (tiny, random) exported BERT: labels, batching, stories, errors."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from inference import ModelError, Scorer, load_scorer
from inference.scorer import story_score
from schemas.errors import TickertoneError
from support.paths import SAMPLE_HEADLINES as SAMPLE

TINY = Path(__file__).parent / "resources" / "tiny_model"

TEXTS = [
    "Apple shares plunge 10% after weak iPhone guidance",
    "Stocks That Hit 52-Week Highs On Friday",
    "x",
    "Tesla beats estimates and raises its outlook for deliveries well above what analysts expected",
]


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return load_scorer(TINY, "cpu")


def _copy_with_config(tmp_path: Path, **changes: object) -> Path:
    model = tmp_path / "model"
    shutil.copytree(TINY, model)
    config = json.loads((model / "config.json").read_text())
    config.update(changes)
    (model / "config.json").write_text(json.dumps(config))
    return model


def _raw_probabilities(text: str) -> np.ndarray:
    """Softmax of the ONNX graph's logits for one unpadded sentence, without the scorer."""
    from tokenizers import Tokenizer

    enc = Tokenizer.from_file(str(TINY / "tokenizer.json")).encode(text)
    ids = np.array([enc.ids], dtype=np.int64)
    session = ort.InferenceSession(str(TINY / "model_fp32.onnx"), providers=["CPUExecutionProvider"])
    (logits,) = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)})
    e = np.exp(logits[0].astype(np.float64) - logits[0].max())
    return e / e.sum()


def test_describes_the_loaded_model(scorer: Scorer) -> None:
    assert (scorer.model_name, scorer.provider, scorer.precision) == ("tiny-random-bert", "CPUExecutionProvider", "fp32")


def test_sentence_scores_follow_the_config_labels(scorer: Scorer) -> None:
    # tiny_model's id2label is finbert-tone's: 0 Neutral, 1 Positive, 2 Negative.
    for text, got in zip(TEXTS, scorer.score_texts(TEXTS), strict=True):
        p = _raw_probabilities(text)
        assert (got.p_neu, got.p_pos, got.p_neg) == pytest.approx(tuple(p), abs=1e-5)
        s_raw = p[1] / (p[1] + p[2]) - 0.5
        assert got.s_raw == pytest.approx(s_raw, abs=1e-5)
        assert got.score == pytest.approx(s_raw if s_raw >= 0 else 3.0 * s_raw, abs=1e-5)


def test_permuted_id2label_moves_the_probabilities(scorer: Scorer, tmp_path: Path) -> None:
    # Same graph, labels renamed (and re-cased): column 0 is now positive, 1 negative, 2 neutral.
    model = _copy_with_config(
        tmp_path,
        id2label={"0": "POSITIVE", "1": "negative", "2": "Neutral"},
        label2id={"POSITIVE": 0, "negative": 1, "Neutral": 2},
    )
    permuted = load_scorer(model, "cpu").score_texts(TEXTS)
    for orig, perm in zip(scorer.score_texts(TEXTS), permuted, strict=True):
        assert perm.p_pos == pytest.approx(orig.p_neu, abs=1e-6)
        assert perm.p_neg == pytest.approx(orig.p_pos, abs=1e-6)
        assert perm.p_neu == pytest.approx(orig.p_neg, abs=1e-6)


@pytest.mark.parametrize(
    "id2label",
    [{"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"}, {"0": "positive", "1": "negative"}, None],
    ids=["generic-names", "no-neutral", "missing"],
)
def test_config_without_the_three_labels_is_a_clear_error(tmp_path: Path, id2label: object) -> None:
    model = _copy_with_config(tmp_path, id2label=id2label)
    with pytest.raises(ModelError, match="id2label") as info:
        load_scorer(model, "cpu")
    assert isinstance(info.value, TickertoneError)


@pytest.mark.parametrize("missing", ["config.json", "tokenizer.json", "model_fp32.onnx"])
def test_incomplete_model_dir_is_a_clear_error(tmp_path: Path, missing: str) -> None:
    model = tmp_path / "model"
    shutil.copytree(TINY, model)
    (model / missing).unlink()
    with pytest.raises(ModelError):
        load_scorer(model, "cpu")


def _sample_texts(n: int) -> list[str]:
    with SAMPLE.open(newline="", encoding="utf-8") as f:
        headlines = list(dict.fromkeys(row["headline"] for row in csv.DictReader(f)))[:n]
    # Long, truncated sentences next to short headlines: batches of very different widths.
    return headlines + [" ".join(headlines[i : i + 6]) for i in range(0, n, 7)]


@pytest.mark.parametrize("batch_size", [7, 64])
def test_batched_equals_unbatched(batch_size: int) -> None:
    texts = _sample_texts(150)
    one_by_one = load_scorer(TINY, "cpu", batch_size=1).probabilities(texts)
    batched = load_scorer(TINY, "cpu", batch_size=batch_size).probabilities(texts)
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5, rtol=0)


def test_score_stories_scores_all_sentences_like_one_story_at_a_time(scorer: Scorer) -> None:
    stories = [
        ("Acme beats estimates", "Revenue rose 12% to $4.1 bn. Mr. Smith expects more. Shares fell."),
        ("Acme misses", None),
        ("   ", "Only a body sentence here."),
        ("", None),
    ]
    together = scorer.score_stories(stories)
    assert together == [scorer.score_story(h, b) for h, b in stories]
    texts = ["Acme beats estimates", "Revenue rose 12% to $4.1 bn.", "Mr. Smith expects more.", "Shares fell."]
    first = scorer.score_texts(texts)
    assert together[0] == story_score(first)
    assert [s.n_sentences for s in together] == [4, 1, 1, 0]
    assert together[3].score == 0.0 and together[3].confidence == 0.0


def test_sentence_cap_applies_to_stories() -> None:
    capped = load_scorer(TINY, "cpu", max_sentences=3)
    body = " ".join(f"Sentence {i} is here." for i in range(10))
    assert capped.score_story("Headline", body).n_sentences == 3


def test_empty_inputs(scorer: Scorer) -> None:
    assert scorer.score_texts([]) == []
    assert scorer.score_stories([]) == []


def test_negative_penalty_is_applied(scorer: Scorer) -> None:
    harsh = load_scorer(TINY, "cpu", negative_penalty=5.0)
    for base, pen in zip(scorer.score_texts(TEXTS), harsh.score_texts(TEXTS), strict=True):
        assert pen.score == pytest.approx(base.s_raw * 5.0 if base.s_raw < 0 else base.s_raw)
