"""Sentence and story sentiment scores from an exported classifier (DESIGN.md "Scoring").

Per sentence, with the label probabilities read by name from the model's config:
    p_adj = P_pos / (P_pos + P_neg);  s_raw = p_adj - 0.5;  score = s_raw if s_raw >= 0
    else negative_penalty * s_raw
Per story: the mean of its sentence scores weighted by polarity confidence (1 - P_neutral).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tokenizers import Tokenizer

from inference.batching import Batch, run_batched
from inference.runtime import CPU, LogitsSession, ModelError, open_session
from inference.sentences import SentenceSplitter

__all__ = [
    "BUNDLED_MODEL",
    "CALIBRATION_FILE",
    "LabelIndex",
    "Scorer",
    "SentenceScore",
    "StoryScore",
    "load_scorer",
    "sentence_score",
    "story_score",
]

BUNDLED_MODEL = Path(__file__).resolve().parent / "model"
CALIBRATION_FILE = "calibration.json"
"""In a model dir: `{"temperature": T, ...}` from `tickertone model calibrate`; probabilities are
softmax(logits / T)."""
CPU_MAX_PAD = 6
"""Padding tokens a CPU batch may carry (`inference.batching`: 4-8 measured best, BENCHMARKS.md)."""
# Used when export.json does not say: FinBERT-style models are trained on short sentences and
# the tail of a long sentence rarely changes its polarity.
_DEFAULT_MAX_LENGTH = 128


@dataclass(frozen=True, slots=True)
class SentenceScore:
    """One sentence: label probabilities, `s_raw` in [-0.5, 0.5], penalised `score`."""

    p_pos: float
    p_neg: float
    p_neu: float
    s_raw: float
    score: float


@dataclass(frozen=True, slots=True)
class StoryScore:
    """One story: weighted sentence score, confidence in [0, 1], sentences scored.

    `confidence` is the mean polarity confidence (1 - P_neutral) of its sentences: near 1 when
    the sentences clearly take a side, near 0 when they are neutral (0 with no sentences).
    """

    score: float
    confidence: float
    n_sentences: int

    @property
    def finite(self) -> bool:
        """False when the model gave non-finite probabilities for a sentence of the story."""
        return math.isfinite(self.score) and math.isfinite(self.confidence)


def sentence_score(p_pos: float, p_neg: float, p_neu: float, negative_penalty: float = 3.0) -> SentenceScore:
    """The DESIGN formula for one sentence; a sentence with P_pos + P_neg == 0 scores 0.

    Non-finite probabilities (a broken model, an overflow in reduced precision) give a NaN
    score, never a silent 0: the story then fails `StoryScore.finite` and is dead-lettered."""
    if not math.isfinite(p_pos + p_neg + p_neu):
        nan = float("nan")
        return SentenceScore(p_pos=p_pos, p_neg=p_neg, p_neu=p_neu, s_raw=nan, score=nan)
    polar = p_pos + p_neg
    s_raw = p_pos / polar - 0.5 if polar > 0 else 0.0
    score = s_raw if s_raw >= 0 else negative_penalty * s_raw
    return SentenceScore(p_pos=p_pos, p_neg=p_neg, p_neu=p_neu, s_raw=s_raw, score=score)


def story_score(sentences: Sequence[SentenceScore]) -> StoryScore:
    """Sentence scores averaged with weights (1 - P_neutral); 0 when every weight is 0; NaN
    score and confidence when any sentence's score is NaN."""
    if any(math.isnan(s.score) for s in sentences):
        return StoryScore(score=float("nan"), confidence=float("nan"), n_sentences=len(sentences))
    weights = [1.0 - s.p_neu for s in sentences]
    total = sum(weights)
    score = sum(w * s.score for w, s in zip(weights, sentences, strict=True)) / total if total > 0 else 0.0
    confidence = total / len(sentences) if sentences else 0.0
    return StoryScore(score=score, confidence=confidence, n_sentences=len(sentences))


@dataclass(frozen=True)
class LabelIndex:
    """Output columns of the positive, negative and neutral labels."""

    positive: int
    negative: int
    neutral: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LabelIndex:
        """Read `id2label` (names matched case-insensitively); never assumes an order."""
        id2label = config.get("id2label")
        if not isinstance(id2label, Mapping):
            raise ModelError("config.json has no id2label mapping")
        by_name = {str(name).strip().lower(): int(idx) for idx, name in id2label.items()}
        missing = [n for n in ("positive", "negative", "neutral") if n not in by_name]
        if missing:
            raise ModelError(
                f"config.json id2label {dict(id2label)} lacks label(s) {', '.join(missing)}: "
                "the scorer needs positive, negative and neutral"
            )
        return cls(positive=by_name["positive"], negative=by_name["negative"], neutral=by_name["neutral"])


class Scorer:
    """Scores sentences and stories; holds no state between calls (safe on executor threads).

    `model_name`, `provider` and `precision` describe the loaded model (metrics, logs).
    """

    def __init__(
        self,
        session: LogitsSession,
        tokenizer: Tokenizer,
        labels: LabelIndex,
        *,
        model_name: str,
        provider: str,
        precision: str,
        pad_id: int = 0,
        max_sentences: int = 16,
        negative_penalty: float = 3.0,
        batch_size: int = 64,
        temperature: float = 1.0,
        max_pad: int | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        if not temperature > 0.0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        self.temperature = temperature
        self.max_pad = max_pad
        self.model_name = model_name
        self.provider = provider
        self.precision = precision
        self.negative_penalty = negative_penalty
        self.batch_size = batch_size
        self.splitter = SentenceSplitter(max_sentences)
        self._session = session
        self._tokenizer = tokenizer
        self._labels = labels
        self._pad_id = pad_id

    @property
    def label_index(self) -> LabelIndex:
        """Where positive, negative and neutral sit among the model's outputs."""
        return self._labels

    def score_texts(self, texts: list[str]) -> list[SentenceScore]:
        """Score each text as one sentence, in length-bucketed batches; input order kept."""
        if not texts:
            return []
        probs = self.probabilities(texts)
        lab = self._labels
        return [
            sentence_score(float(p[lab.positive]), float(p[lab.negative]), float(p[lab.neutral]), self.negative_penalty)
            for p in probs
        ]

    def score_story(self, headline: str, body: str | None = None) -> StoryScore:
        """Split headline + body into sentences (headline first, capped) and score the story."""
        return self.score_stories([(headline, body)])[0]

    def score_stories(self, stories: Sequence[tuple[str, str | None]]) -> list[StoryScore]:
        """Score many stories with one batched pass over all of their sentences."""
        per_story = [self.splitter.split(headline, body) for headline, body in stories]
        scores = self.score_texts([s for sentences in per_story for s in sentences])
        results = []
        start = 0
        for sentences in per_story:
            results.append(story_score(scores[start : start + len(sentences)]))
            start += len(sentences)
        return results

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """The model's raw logits, (len(texts), num_labels), in config order."""
        encodings = self._tokenizer.encode_batch(list(texts))
        return run_batched(
            [e.ids for e in encodings],
            [e.type_ids for e in encodings],
            self._infer,
            batch_size=self.batch_size,
            pad_id=self._pad_id,
            max_pad=self.max_pad,
        )

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Softmax of the logits divided by the model's calibrated `temperature` (1 when the
        model dir has no calibration.json), (len(texts), num_labels), in config order."""
        # float64 so that P_pos + P_neg of a confidently neutral sentence does not underflow.
        z = self.logits(texts).astype(np.float64) / self.temperature
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        probs: np.ndarray = e / e.sum(axis=1, keepdims=True)
        return probs

    def _infer(self, batch: Batch) -> np.ndarray:
        feeds = {
            "input_ids": batch.input_ids,
            "attention_mask": batch.attention_mask,
            "token_type_ids": batch.token_type_ids,
        }
        return self._session.run({k: v for k, v in feeds.items() if k in self._session.input_names})


def load_scorer(
    model: Path | str | None = None,
    provider: str | None = None,
    *,
    max_sentences: int = 16,
    negative_penalty: float = 3.0,
    batch_size: int = 64,
    precision: str | None = None,
    intra_op_threads: int | None = None,
    optimization: str = "all",
) -> Scorer:
    """A scorer for an exported model dir (None = the bundled model in inference/model/).

    `provider`: None picks CUDA when available, else CPU; "cpu"/"cuda" or a full
    onnxruntime provider name forces one. `precision` (int8/fp16/fp32) overrides the
    per-provider default (fp16 on CUDA, int8 on CPU). `intra_op_threads` and `optimization` (graph
    optimization level: basic, extended, all) set the ONNX Runtime session (`runtime.session_options`).
    """
    model_dir = Path(model) if model is not None else BUNDLED_MODEL
    config = _read_json(model_dir / "config.json")
    labels = LabelIndex.from_config(config)
    export_info = _read_json(model_dir / "export.json") if (model_dir / "export.json").is_file() else {}
    calibration = _read_json(model_dir / CALIBRATION_FILE) if (model_dir / CALIBRATION_FILE).is_file() else {}
    max_length = int(export_info.get("max_length", _DEFAULT_MAX_LENGTH))
    tokenizer, pad_id = _load_tokenizer(model_dir, max_length)
    session = open_session(model_dir, provider, precision, intra_op_threads=intra_op_threads, optimization=optimization)
    return Scorer(
        session,
        tokenizer,
        labels,
        model_name=str(export_info.get("model_name") or config.get("_name_or_path") or model_dir.name),
        provider=session.provider,
        precision=session.precision,
        pad_id=pad_id,
        max_sentences=max_sentences,
        negative_penalty=negative_penalty,
        batch_size=batch_size,
        temperature=float(calibration.get("temperature", 1.0)),
        max_pad=CPU_MAX_PAD if session.provider == CPU else None,
    )


def _load_tokenizer(model_dir: Path, max_length: int) -> tuple[Tokenizer, int]:
    path = model_dir / "tokenizer.json"
    if not path.is_file():
        raise ModelError(f"{path} is missing (the scorer needs a fast tokenizer)")
    tokenizer = Tokenizer.from_file(str(path))
    # Padding is done per length bucket (inference.batching); the saved file may ask for
    # padding to max_length, which would undo the bucketing.
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length)
    pad_token: Any = "[PAD]"
    config_path = model_dir / "tokenizer_config.json"
    if config_path.is_file():
        pad_token = _read_json(config_path).get("pad_token") or pad_token
    if isinstance(pad_token, dict):  # transformers may save it as a serialized AddedToken
        pad_token = pad_token.get("content", "[PAD]")
    pad_id = tokenizer.token_to_id(str(pad_token))
    return tokenizer, pad_id if pad_id is not None else 0


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"{path} is missing: not an exported model directory") from exc
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ModelError(f"{path} is not a JSON object")
    return data
