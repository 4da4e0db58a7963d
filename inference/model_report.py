"""`tickertone model eval`'s table and `tickertone model calibrate`: a model on every shipped set.

Sets (all under `inference/eval/`, see its LICENSE.md):
- `twitter validation` (MIT): the held-out side of the twitter split (`inference.twitter`),
  never trained on; target accuracy `TWITTER_TARGET`.
- `phrasebank test` (CC BY-NC-SA): the held-out PhraseBank split; for a model not trained on
  PhraseBank it is a domain-shift check (long, formal sentences from company releases).
- `labeled headlines`: the hand-labelled headlines of the bundled sample whose relevance is
  `subject` and that have an event; the gold label is the sign of the sum of the event
  directions (0: neutral). It measures direction agreement on the headlines users score.

Per set: accuracy, macro-F1, and the top-label ECE of the raw probabilities and of the
calibrated ones (softmax of logits / T, T from the model dir's calibration.json). `calibrate`
fits T on the twitter calibration side (`inference.calibration`) and writes that file.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from inference.calibration import expected_calibration_error, fit_temperature, nll, softmax
from inference.evaluate import LABELS, SHIPPED_TEST_SPLIT, LabeledSentence, prediction_metrics, read_split_csv
from inference.scorer import BUNDLED_MODEL, CALIBRATION_FILE, Scorer, load_scorer
from inference.twitter import SHIPPED_CALIBRATION, SHIPPED_VALIDATION

__all__ = [
    "HEADLINES",
    "TWITTER_TARGET",
    "SetResult",
    "calibrate",
    "evaluate_sets",
    "format_table",
    "labeled_headlines",
    "logits_in_label_order",
]

TWITTER_TARGET = 0.88
HEADLINES = Path(__file__).with_name("eval") / "labeled_headlines.csv"


@dataclass(frozen=True)
class SetResult:
    name: str
    n: int
    accuracy: float
    macro_f1: float
    ece_raw: float
    ece_calibrated: float
    target: float | None = None


def labeled_headlines(path: Path = HEADLINES) -> list[LabeledSentence]:
    """The `subject` headlines with at least one event, labelled by the sign of the directions."""
    out = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["relevance"] != "subject" or not row["events"].strip():
                continue
            total = sum(int(part.rsplit(":", 1)[1]) for part in row["events"].split(";") if part.strip())
            label = "positive" if total > 0 else "negative" if total < 0 else "neutral"
            out.append(LabeledSentence(row["headline"], label, 0))
    return out


def logits_in_label_order(scorer: Scorer, texts: list[str]) -> np.ndarray:
    """Logits with columns in `LABELS` order (positive, negative, neutral), whatever the model's."""
    raw = scorer.logits(texts)
    index = scorer.label_index
    return raw[:, [index.positive, index.negative, index.neutral]]


def _gold(sentences: list[LabeledSentence]) -> np.ndarray:
    return np.array([LABELS.index(s.label) for s in sentences])


def evaluate_set(scorer: Scorer, name: str, sentences: list[LabeledSentence], target: float | None = None) -> SetResult:
    logits = logits_in_label_order(scorer, [s.text for s in sentences])
    gold = _gold(sentences)
    metrics = prediction_metrics(sentences, [LABELS[i] for i in logits.argmax(axis=1)])
    return SetResult(
        name, metrics.n, metrics.accuracy, metrics.macro_f1,
        expected_calibration_error(softmax(logits), gold),
        expected_calibration_error(softmax(logits, scorer.temperature), gold),
        target,
    )


def evaluate_sets(
    model_dir: Path | None = None, provider: str | None = None, precision: str | None = None
) -> tuple[Scorer, list[SetResult]]:
    """The model on every shipped set, in the module docstring's order."""
    scorer = load_scorer(model_dir, provider, precision=precision)
    return scorer, [
        evaluate_set(scorer, "twitter validation", read_split_csv(SHIPPED_VALIDATION), TWITTER_TARGET),
        evaluate_set(scorer, "phrasebank test", read_split_csv(SHIPPED_TEST_SPLIT)),
        evaluate_set(scorer, "labeled headlines", labeled_headlines()),
    ]


def format_table(scorer: Scorer, model_dir: Path | None, rows: list[SetResult]) -> str:
    """The results as a Markdown table with a header line naming the model."""
    lines = [
        f"model {model_dir or BUNDLED_MODEL} [{scorer.model_name}, {scorer.precision}, {scorer.provider}], "
        f"temperature {scorer.temperature:.3f}",
        "",
        "| set | n | accuracy | macro-F1 | ECE raw | ECE calibrated | target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        target = "" if r.target is None else f">= {r.target:.2f} ({'met' if r.accuracy >= r.target else 'not met'})"
        lines.append(
            f"| {r.name} | {r.n} | {r.accuracy:.4f} | {r.macro_f1:.4f} | {r.ece_raw:.4f} | {r.ece_calibrated:.4f} | {target} |"
        )
    return "\n".join(lines) + "\n"


def as_json(scorer: Scorer, rows: list[SetResult]) -> str:
    return json.dumps(
        {"model": scorer.model_name, "precision": scorer.precision, "provider": scorer.provider,
         "temperature": scorer.temperature, "sets": [asdict(r) for r in rows]},
        indent=2,
    )


def calibrate(model_dir: Path, data: Path = SHIPPED_CALIBRATION, provider: str | None = None,
              precision: str | None = None) -> dict[str, object]:
    """Fit the temperature of `model_dir` on `data` (a split CSV) and write its calibration.json."""
    scorer = load_scorer(model_dir, provider, precision=precision)
    sentences = read_split_csv(data)
    logits, gold = logits_in_label_order(scorer, [s.text for s in sentences]), _gold(sentences)
    temperature = fit_temperature(logits, gold)
    result: dict[str, object] = {
        "temperature": round(temperature, 6),
        "fitted_on": data.name,
        "n": len(sentences),
        "precision": scorer.precision,
        "nll": {"raw": round(nll(logits, gold), 6), "calibrated": round(nll(logits, gold, temperature), 6)},
        "ece": {
            "raw": round(expected_calibration_error(softmax(logits), gold), 6),
            "calibrated": round(expected_calibration_error(softmax(logits, temperature), gold), 6),
        },
    }
    (model_dir / CALIBRATION_FILE).write_text(json.dumps(result, indent=2) + "\n")
    return result
