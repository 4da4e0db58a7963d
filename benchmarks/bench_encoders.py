"""CPU cost of candidate encoders for the bundled model: PyTorch sentences/s of each, same run.

Each encoder is loaded as a 3-label sequence classifier (an untrained head where the checkpoint
has none: speed only, not accuracy) and scores the same texts, sorted by length into batches of
`--batch`, fp32, `--threads` intra-op threads, best of `--rounds` alternating rounds. The ratio
to the first encoder is what choosing the other would cost the score stage on this CPU.

    .venv-train/bin/python benchmarks/bench_encoders.py /tmp/tickertone-minilm-l6-twitter-v2 \\
        /tmp/mpnet/all-mpnet-base-v2 --rounds 3
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from inference.evaluate import read_split_csv
from inference.twitter import SHIPPED_VALIDATION


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("encoders", type=Path, nargs="+", help="Hugging Face model dirs (the first is the reference)")
    p.add_argument("--texts", type=int, default=704, help="twitter validation texts to score")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()

    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.set_num_threads(args.threads)
    texts = [s.text for s in read_split_csv(SHIPPED_VALIDATION)[: args.texts]]
    runners = {}
    for path in args.encoders:
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=3, local_files_only=True).eval()
        params = sum(p.numel() for p in model.parameters())
        order = sorted(texts, key=lambda t: len(tokenizer(t)["input_ids"]))
        chunks = [order[i : i + args.batch] for i in range(0, len(order), args.batch)]
        # 128 tokens: what the runtime keeps of a sentence.
        batches = [tokenizer(chunk, padding=True, truncation=True, max_length=128, return_tensors="pt") for chunk in chunks]
        if path.name in runners:
            raise SystemExit(f"two encoders named {path.name}: give dirs with distinct names")
        runners[path.name] = (model, batches, params)
    best = {name: float("inf") for name in runners}
    for _ in range(args.rounds):
        for name, (model, batches, _) in runners.items():
            start = time.perf_counter()
            with torch.inference_mode():
                for batch in batches:
                    model(**batch)
            best[name] = min(best[name], time.perf_counter() - start)
    reference = next(iter(runners))
    print(f"| encoder | parameters | sentences/s | vs {reference} |\n|---|---:|---:|---:|")
    for name, (_, _, params) in runners.items():
        rate = len(texts) / best[name]
        print(f"| {name} | {params / 1e6:.1f} M | {rate:,.0f} | {best[reference] / best[name]:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
