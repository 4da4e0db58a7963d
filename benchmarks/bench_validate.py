"""Valid messages per second on one core: `validate_news` beside the jsonschema library.

Messages are the bundled sample's stories as `tickertone replay` publishes them. Both sides
parse with orjson; ours also parses the times and builds the NewsItem, the alternative only
answers valid/invalid (Draft202012Validator on the same schema file).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_validate.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections.abc import Callable
from pathlib import Path

import orjson
from jsonschema import Draft202012Validator

from schemas import schema_path, validate_news

SAMPLE = Path(__file__).parents[1] / "streams" / "sample" / "benzinga_headlines.csv"


def sample_messages() -> list[bytes]:
    """The sample's rows as NewsItem JSON bytes."""
    with SAMPLE.open(newline="", encoding="utf-8") as handle:
        return [
            orjson.dumps(
                {
                    "id": f"{row['source']}-{row['row_id']}",
                    "published_at": row["published_utc"],
                    "headline": row["headline"],
                    "tickers": [row["ticker"]],
                    "source": row["source"],
                    "schema_version": 1,
                }
            )
            for row in csv.DictReader(handle)
        ]


def best_rate(check: Callable[[bytes], object], messages: list[bytes], repeat: int) -> float:
    """Messages per CPU second of the fastest of `repeat` passes over `messages`.

    CPU time of this process, not wall time: on a shared machine, time spent waiting for the
    core is not the validator's.
    """
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        for message in messages:
            check(message)
        best = min(best, time.process_time() - started)
    return len(messages) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="passes per validator; the best counts")
    args = parser.parse_args()

    messages = sample_messages()
    validator = Draft202012Validator(json.loads(schema_path("news_item").read_text(encoding="utf-8")))

    def with_jsonschema(message: bytes) -> None:
        validator.validate(orjson.loads(message))

    for message in messages:  # both must accept every message, or the comparison means nothing
        validate_news(message)
        with_jsonschema(message)

    ours = best_rate(validate_news, messages, args.repeat)
    theirs = best_rate(with_jsonschema, messages, args.repeat)
    size = sum(map(len, messages)) / len(messages)
    print(f"{len(messages)} sample stories, mean {size:.0f} bytes, best of {args.repeat} passes, one core (CPU time)")
    print(f"validate_news (orjson + fastjsonschema + NewsItem): {ours:>10,.0f} msg/s")
    print(f"orjson + jsonschema Draft202012Validator:           {theirs:>10,.0f} msg/s")
    print(f"ratio: {ours / theirs:.1f}x")


if __name__ == "__main__":
    main()
