"""What story intelligence costs the score stage per story: with vs without, same run.

Stories: the bundled sample in time order, validated and stamped by the ingest stage, in the
score agent's batches. Each round times every batch both ways, alternating which goes first:
- without: the model's batched pass and one plain ScoredNews per ticker (the model's score, the
  source weight: the stage before events, relevance and novelty), encoded;
- with: `score_batch` (events, relevance, the event-aware score), encoded, then the novelty
  stage's `fold_novelty` over those records (decode, MinHash, chains, effective weight, encode).
The cost is with / without - 1 over the round's total, median over rounds. The novelty stage's
Kafka hop (one more produce and consume per record) is not in it: a hop is measured by
bench_state.py.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_story.py [--stories 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from inference import Scorer
from schemas import NormalizedNews, ScoredNews, dumps
from streams.cli.replay import read_records
from streams.settings import ScoringSettings, StorySettings
from streams.stages.exchange_time import ExchangeMap
from streams.stages.ingest import Origin, ingest
from streams.stages.novelty import fold_novelty
from streams.stages.score import SOURCE_WEIGHT, StoryContext, load_configured_scorer, score_batch
from streams.stages.story.novelty import Chains

SAMPLE = Path(__file__).parents[1] / "streams" / "sample"


def sample_stories(n: int) -> list[NormalizedNews]:
    """The first `n` sample stories by time, through the ingest stage."""
    exchange_map = ExchangeMap.load()
    now = datetime.now(UTC)
    out = []
    for record in read_records(SAMPLE / "benzinga_headlines.csv", by_time=True):
        story = ingest(record.value, Origin("bench", 0, len(out), record.key), exchange_map, 1 << 20, now)
        if isinstance(story, NormalizedNews):
            out.append(story)
        if len(out) == n:
            break
    return out


def without(scorer: Scorer, stories: Sequence[NormalizedNews]) -> int:
    """The model pass and plain records, encoded; returns the record count."""
    results = scorer.score_stories([(story.headline, story.body) for story in stories])
    values = [
        dumps(ScoredNews(
            id=story.id, ticker=stamp.ticker, published_at_utc=story.published_at_utc, session=stamp.session,
            phase=stamp.phase, score=result.score, confidence=result.confidence, n_sentences=result.n_sentences,
            weight=SOURCE_WEIGHT, headline=story.headline, source=story.source, model=scorer.model_name,
            ingested_at=story.ingested_at, model_score=result.score,
        ))
        for story, result in zip(stories, results, strict=True)
        for stamp in story.stamps
    ]
    return len(values)


def with_story(scorer: Scorer, stories: Sequence[NormalizedNews], context: StoryContext, chains: dict[bytes, Chains]) -> int:
    """`score_batch`, encoded, then the novelty fold (chains carried across batches)."""
    tagged = [dumps(record) for record in score_batch(scorer, stories, context).records]
    out = fold_novelty(tagged, lambda key: chains.get(key, Chains()), context.directory, context.settings)
    chains.update(out.chains)
    return len(out.outputs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    scoring = ScoringSettings()
    scorer = load_configured_scorer(scoring)
    context = StoryContext.load(StorySettings(symbols_csv=SAMPLE / "symbols.csv"), scoring)
    stories = sample_stories(args.stories)
    batches = [stories[i : i + scoring.batch_max] for i in range(0, len(stories), scoring.batch_max)]
    print(f"{len(stories)} stories in {len(batches)} batches of {scoring.batch_max}; model {scorer.model_name} "
          f"on {scorer.provider} ({scorer.precision})")
    without(scorer, batches[0])  # warm up the session
    ratios = []
    for round_no in range(args.rounds):
        plain_s = story_s = 0.0
        chains: dict[bytes, Chains] = {}
        for i, batch in enumerate(batches):
            order = (0, 1) if (i + round_no) % 2 == 0 else (1, 0)
            for which in order:
                started = time.perf_counter()
                if which == 0:
                    without(scorer, batch)
                    plain_s += time.perf_counter() - started
                else:
                    with_story(scorer, batch, context, chains)
                    story_s += time.perf_counter() - started
        ratios.append(story_s / plain_s)
        print(f"round {round_no + 1}: without {1e3 * plain_s / len(stories):.3f} ms/story, "
              f"with {1e3 * story_s / len(stories):.3f} ms/story, cost {100 * (story_s / plain_s - 1):+.1f}%")

    parts = _parts(scorer, batches, context)
    print(f"story steps alone: events+relevance {parts[0]:.3f} ms/story, novelty stage {parts[1]:.3f} ms/story")
    print(f"median cost of events, relevance and novelty: {100 * (statistics.median(ratios) - 1):+.1f}% "
          f"of the score stage's time per story")


def _parts(scorer: Scorer, batches: Sequence[Sequence[NormalizedNews]], context: StoryContext) -> tuple[float, float]:
    """ms per story of the story steps alone: records with events and relevance from the model's
    results (no model pass), and the novelty fold."""
    from streams.stages.score import scored_news

    n = sum(len(batch) for batch in batches)
    results = [scorer.score_stories([(s.headline, s.body) for s in batch]) for batch in batches]
    started = time.perf_counter()
    tagged = [
        [dumps(record) for story, result in zip(batch, batch_results, strict=True)
         for record in scored_news(story, result, scorer.model_name, context)]
        for batch, batch_results in zip(batches, results, strict=True)
    ]
    events_s = time.perf_counter() - started
    chains: dict[bytes, Chains] = {}
    started = time.perf_counter()
    for values in tagged:
        out = fold_novelty(values, lambda key: chains.get(key, Chains()), context.directory, context.settings)
        chains.update(out.chains)
    novelty_s = time.perf_counter() - started
    return 1e3 * events_s / n, 1e3 * novelty_s / n


if __name__ == "__main__":
    main()
