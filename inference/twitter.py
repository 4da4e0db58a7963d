"""The twitter financial-news sentiment set (MIT): loading and the fixed train/calibration/
validation split that training, calibration and `tickertone model eval` share.

Steps of `split_twitter`:
1. Read `sent_train.csv` (text,label; 0 Bearish, 1 Bullish, 2 Neutral), strip URLs and spacing.
2. Identify each text by its `dedupe_key`; drop texts that carry two different labels and keep
   one copy of the rest, so no text is on two sides of the split.
3. Per label, sort by key, shuffle with `random.Random(seed)`, put `round(0.15 * n)` in
   validation, the next `round(0.10 * n)` in calibration, the rest in train.
Validation and calibration for the default seed ship as `inference/eval/twitter_valid.csv` and
`twitter_calibration.csv`, so evaluation and calibration need no other data.
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass
from pathlib import Path

from inference.evaluate import LABELS, LabeledSentence, dedupe_key, read_split_csv, write_split_csv

__all__ = [
    "SHIPPED_CALIBRATION",
    "SHIPPED_VALIDATION",
    "TWITTER_SPLIT_SEED",
    "TwitterSplit",
    "load_twitter",
    "split_twitter",
]

TWITTER_SPLIT_SEED = 2026
VALIDATION_FRACTION = 0.15
CALIBRATION_FRACTION = 0.10
# twitter-financial-news-sentiment's label ids.
TWITTER_LABELS = {"0": "negative", "1": "positive", "2": "neutral"}
SHIPPED_VALIDATION = Path(__file__).with_name("eval") / "twitter_valid.csv"
SHIPPED_CALIBRATION = Path(__file__).with_name("eval") / "twitter_calibration.csv"

_URL = re.compile(r"https?://\S+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class TwitterSplit:
    train: list[LabeledSentence]
    calibration: list[LabeledSentence]
    validation: list[LabeledSentence]

    def write(self, directory: Path) -> None:
        """Write the calibration and validation sides (the shipped files' format)."""
        write_split_csv(directory / SHIPPED_CALIBRATION.name, self.calibration)
        write_split_csv(directory / SHIPPED_VALIDATION.name, self.validation)


def load_twitter(path: Path) -> list[LabeledSentence]:
    """Distinct, consistently labelled texts of `sent_train.csv`, URLs removed, sorted by key.
    `agreement` is 0: the set has no annotator agreement."""
    texts: dict[str, str] = {}
    labels: dict[str, set[str]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            text = _SPACE.sub(" ", _URL.sub("", row["text"])).strip()
            if not text:
                continue
            key = dedupe_key(text)
            texts.setdefault(key, text)
            labels.setdefault(key, set()).add(TWITTER_LABELS[row["label"].strip()])
    return [LabeledSentence(texts[k], next(iter(labels[k])), 0) for k in sorted(texts) if len(labels[k]) == 1]


def split_twitter(sentences: list[LabeledSentence], seed: int = TWITTER_SPLIT_SEED) -> TwitterSplit:
    """The stratified split of the module docstring; the same for the same sentences and seed."""
    rng = random.Random(seed)
    split = TwitterSplit([], [], [])
    for label in LABELS:
        group = sorted((s for s in sentences if s.label == label), key=lambda s: dedupe_key(s.text))
        rng.shuffle(group)
        n_valid, n_calib = round(VALIDATION_FRACTION * len(group)), round(CALIBRATION_FRACTION * len(group))
        split.validation.extend(group[:n_valid])
        split.calibration.extend(group[n_valid : n_valid + n_calib])
        split.train.extend(group[n_valid + n_calib :])
    return split


def shipped(path: Path) -> list[LabeledSentence]:
    """A shipped split file."""
    return read_split_csv(path)
