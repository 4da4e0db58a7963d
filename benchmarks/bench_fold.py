"""The state stage's pure fold (`streams.stages.state.fold.fold_batch`), no Kafka: events/s.

Records: the bundled sample through the ingest, score and novelty stages in process
(`streams.evaluate.stories`), copied `--copies` times with distinct ids, folded in the state
agent's batches of 1,000 from empty state; best of `--rounds`. To compare two trees, run this
file with each on PYTHONPATH, alternately, in one session (the script only uses public names
that both have):

    PYTHONPATH=/path/to/main .venv/bin/python benchmarks/bench_fold.py
    PYTHONPATH=. .venv/bin/python benchmarks/bench_fold.py
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

from schemas import dumps
from streams.evaluate.stories import load_news, score_events
from streams.settings import AlertSettings, StateSettings, load_settings
from streams.stages.exchange_time import ExchangeMap
from streams.stages.score import StoryContext, load_configured_scorer
from streams.stages.state import TickerState
from streams.stages.state.fold import fold_batch

SAMPLE = Path(__file__).parents[1] / "streams" / "sample" / "benzinga_headlines.csv"


def fold_all(records: list[bytes], at: datetime) -> float:
    """Seconds to fold `records` from empty state in batches of 1,000."""
    states: dict[bytes, TickerState] = {}
    state_cfg, alert_cfg = StateSettings(), AlertSettings()
    started = time.perf_counter()
    for start in range(0, len(records), 1000):
        out = fold_batch(records[start : start + 1000], lambda key: states.get(key, TickerState()), state_cfg, alert_cfg, at)
        states.update(out.states)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--copies", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    settings = load_settings()
    loaded = load_news(SAMPLE, ExchangeMap.load(), settings.ingest.max_message_bytes)
    scored = score_events(
        loaded.stories, load_configured_scorer(settings.scoring), StoryContext.load(settings.story, settings.scoring)
    )
    records = []
    for copy in range(args.copies):
        for record in scored.records:
            data = orjson.loads(dumps(record))
            data["id"] = f"{data['id']}-{copy}"
            records.append(orjson.dumps(data))
    at = datetime(2100, 1, 1, tzinfo=UTC)
    best = float("inf")
    for _ in range(args.rounds):
        best = min(best, fold_all(records, at))
    print(f"{len(records)} events folded: {len(records) / best:,.0f} events/s (best of {args.rounds})")


if __name__ == "__main__":
    main()
