"""Evaluate an exported model on the held-out Financial PhraseBank split (ONNX Runtime only).

The split, shared with `inference.training.train` so that training never sees a test sentence:
1. Read the four PhraseBank files (50/66/75/AllAgree). Each sentence's identity is its
   `dedupe_key` (the 50Agree file has U+FFFD where the others have Latin-1 letters), its
   agreement is the highest file that holds it, its text the cleanest spelling seen.
2. Drop sentences that carry two different labels; keep one copy of the rest.
3. Per label, sort by key, shuffle with `random.Random(seed)`, and put `round(0.2 * n)` in test.
The test half for the default seed ships as `inference/eval/phrasebank_test.csv` (CC BY-NC-SA 3.0,
see `inference/eval/LICENSE.md`), so `tickertone model eval` needs no other data.
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "AGREEMENT_FILES",
    "DEFAULT_SPLIT_SEED",
    "LABELS",
    "SHIPPED_TEST_SPLIT",
    "EvalResult",
    "LabeledSentence",
    "Metrics",
    "dedupe_key",
    "evaluate",
    "load_phrasebank",
    "prediction_metrics",
    "read_split_csv",
    "split_phrasebank",
    "write_split_csv",
]

LABELS = ("positive", "negative", "neutral")
DEFAULT_SPLIT_SEED = 20141
TEST_FRACTION = 0.2
AGREEMENT_FILES = {
    50: "Sentences_50Agree.txt",
    66: "Sentences_66Agree.txt",
    75: "Sentences_75Agree.txt",
    100: "Sentences_AllAgree.txt",
}
SHIPPED_TEST_SPLIT = Path(__file__).with_name("eval") / "phrasebank_test.csv"

_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class LabeledSentence:
    """One PhraseBank sentence: `agreement` is the share of annotators (50, 66, 75 or 100)."""

    text: str
    label: str
    agreement: int


@dataclass(frozen=True)
class Metrics:
    """Accuracy, macro-F1 over `LABELS`, the AllAgree-subset accuracy and confusion[gold][predicted]."""

    n: int
    accuracy: float
    macro_f1: float
    allagree_n: int
    allagree_accuracy: float
    confusion: dict[str, dict[str, int]]


@dataclass(frozen=True)
class EvalResult:
    """One model's metrics on the held-out split, and which session produced them."""

    model_dir: Path
    provider: str
    precision: str
    metrics: Metrics

    def as_dict(self) -> dict[str, object]:
        return {"model_dir": str(self.model_dir), "provider": self.provider, "precision": self.precision, **asdict(self.metrics)}

    def summary(self) -> str:
        m = self.metrics
        return (
            f"{self.model_dir} [{self.precision}, {self.provider}] n={m.n} accuracy={m.accuracy:.4f} "
            f"macro_f1={m.macro_f1:.4f} allagree_accuracy={m.allagree_accuracy:.4f} (n={m.allagree_n})"
        )


def dedupe_key(text: str) -> str:
    """The identity of a sentence across files: case-folded, non-ASCII runs and spacing unified."""
    return _SPACE.sub(" ", _NON_ASCII.sub("?", text)).strip().casefold()


def load_phrasebank(directory: Path) -> list[LabeledSentence]:
    """All distinct, consistently labeled sentences of the PhraseBank release in `directory`."""
    texts: dict[str, str] = {}
    labels: dict[str, set[str]] = {}
    agreement: dict[str, int] = {}
    for level, name in sorted(AGREEMENT_FILES.items()):
        for text, label in _read_phrasebank_file(directory / name):
            key = dedupe_key(text)
            labels.setdefault(key, set()).add(label)
            agreement[key] = level
            if key not in texts or "\ufffd" in texts[key]:
                texts[key] = text
    return [
        LabeledSentence(texts[key], next(iter(labels[key])), agreement[key])
        for key in sorted(texts)
        if len(labels[key]) == 1
    ]


def split_phrasebank(
    sentences: Sequence[LabeledSentence], seed: int = DEFAULT_SPLIT_SEED, test_fraction: float = TEST_FRACTION
) -> tuple[list[LabeledSentence], list[LabeledSentence]]:
    """(train, test): a stratified split, the same for the same sentences and seed."""
    rng = random.Random(seed)
    train: list[LabeledSentence] = []
    test: list[LabeledSentence] = []
    for label in LABELS:
        group = sorted((s for s in sentences if s.label == label), key=lambda s: dedupe_key(s.text))
        rng.shuffle(group)
        cut = round(test_fraction * len(group))
        test.extend(group[:cut])
        train.extend(group[cut:])
    return train, test


def read_split_csv(path: Path) -> list[LabeledSentence]:
    """Sentences from a CSV with columns text, label, agreement (as `write_split_csv` writes)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [LabeledSentence(row["text"], row["label"], int(row["agreement"])) for row in csv.DictReader(handle)]


def write_split_csv(path: Path, sentences: Iterable[LabeledSentence]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label", "agreement"])
        writer.writerows([s.text, s.label, s.agreement] for s in sentences)


def evaluate(
    model_dir: Path | None = None,
    split_seed: int = DEFAULT_SPLIT_SEED,
    *,
    phrasebank: Path | None = None,
    precision: str | None = None,
    provider: str | None = None,
) -> EvalResult:
    """Score the test half of the split with the ONNX scorer and compare with the gold labels.

    `model_dir` None is the bundled model. Without `phrasebank` the shipped test split is used,
    which exists for `DEFAULT_SPLIT_SEED` only. The predicted label is the most probable of
    positive/negative/neutral, whatever the model's own label order.
    """
    from inference.scorer import BUNDLED_MODEL, load_scorer

    if phrasebank is None:
        if split_seed != DEFAULT_SPLIT_SEED:
            raise ValueError(f"the shipped test split is for seed {DEFAULT_SPLIT_SEED}; pass phrasebank= for another seed")
        test = read_split_csv(SHIPPED_TEST_SPLIT)
    else:
        test = split_phrasebank(load_phrasebank(phrasebank), seed=split_seed)[1]
    scorer = load_scorer(model_dir, provider, precision=precision)
    scores = scorer.score_texts([s.text for s in test])
    predicted = [LABELS[int(np.argmax([x.p_pos, x.p_neg, x.p_neu]))] for x in scores]
    model = BUNDLED_MODEL if model_dir is None else model_dir
    return EvalResult(model, scorer.provider, scorer.precision, prediction_metrics(test, predicted))


def prediction_metrics(gold: Sequence[LabeledSentence], predicted: Sequence[str]) -> Metrics:
    """Compare predicted label names with the gold labels."""
    truth = np.array([s.label for s in gold])
    guess = np.array(predicted)
    if truth.shape != guess.shape or not len(truth):
        raise ValueError(f"{len(truth)} gold labels but {len(guess)} predictions")
    f1 = []
    for label in LABELS:
        hits = np.sum((guess == label) & (truth == label))
        predicted_n, actual_n = np.sum(guess == label), np.sum(truth == label)
        f1.append(2 * hits / (predicted_n + actual_n) if predicted_n + actual_n else 0.0)
    unanimous = np.array([s.agreement == 100 for s in gold])
    return Metrics(
        n=len(truth),
        accuracy=float(np.mean(truth == guess)),
        macro_f1=float(np.mean(f1)),
        allagree_n=int(unanimous.sum()),
        allagree_accuracy=float(np.mean(truth[unanimous] == guess[unanimous])) if unanimous.any() else float("nan"),
        confusion={t: {p: int(np.sum((truth == t) & (guess == p))) for p in LABELS} for t in LABELS},
    )


def _read_phrasebank_file(path: Path) -> list[tuple[str, str]]:
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError:  # the release is Latin-1 except 50Agree, which is UTF-8
        content = raw.decode("latin-1")
    rows = []
    for line in content.splitlines():
        if line.strip():
            text, _, label = line.rpartition("@")
            if label.strip() not in LABELS:
                raise ValueError(f"{path}: unexpected label in line {line!r}")
            rows.append((text.strip(), label.strip()))
    return rows
