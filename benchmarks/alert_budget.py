"""The alert budget on the bundled sample, and how much arrival order moves the alerts.

Stories: the bundled sample through the ingest and score stages in process (as `tickertone
evaluate` reads news), then, for each arrival order, the novelty stage (novelty is counted by
arrival) and the state stage's `fold_batch`, all with the default settings:
- `time`: (published_at, id) order in the state agent's batches (a replay sorted by time);
- `time, one by one`: the same order, one record per batch;
- `newest first`: the reverse, one record per batch (the worst a backfill or a vendor dump can do);
- `shuffled #k`: random orders (seeded), one record per batch.

Checked on the `time` run (DESIGN.md "Alert", the budget): alerts <= 3% of stories (distinct
story ids), critical <= 30% of alerts, none headed by a market, sector or list piece, none on a
story whose lead event is good news, every listed story inside the alert window; and the
`newest first` run's count within 10% of it (the documented margin). Exit 1 when one fails. `--table FILE`
writes a markdown table of 20 alerts spread over the run (every k-th) for a reader to judge.

    PYTHONPATH=. .venv/bin/python benchmarks/alert_budget.py [--shuffles 5] [--table FILE]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from schemas import Alert, ScoredNews, decode, dumps
from streams.evaluate.stories import load_news
from streams.settings import Settings, load_settings
from streams.stages.exchange_time import ExchangeMap
from streams.stages.novelty import fold_novelty
from streams.stages.score import StoryContext, load_configured_scorer, scored_news
from streams.stages.state import TickerState
from streams.stages.state.fold import fold_batch
from streams.stages.story.novelty import Chains
from streams.stages.story.roundup import is_roundup

SAMPLE = Path(__file__).parents[1] / "streams" / "sample"
NOW = datetime(2100, 1, 1, tzinfo=UTC)  # any time after the sample: no story is from the future
MAX_ALERT_SHARE = 0.03
MAX_CRITICAL_SHARE = 0.30
MAX_ORDER_MARGIN = 0.10  # newest first vs time order, relative to the time-order count


def tagged_sample(settings: Settings) -> tuple[list[bytes], StoryContext]:
    """The score stage's records for the bundled sample, in (published_at, id) order."""
    exchange_map = ExchangeMap.load(settings.ingest.exchange_map, settings.ingest.default_mic)
    loaded = load_news(SAMPLE / "benzinga_headlines.csv", exchange_map, settings.ingest.max_message_bytes)
    scorer = load_configured_scorer(settings.scoring)
    context = StoryContext.load(settings.story, settings.scoring)
    results = scorer.score_stories([(story.headline, story.body) for story in loaded.stories])
    tagged = [
        dumps(record)
        for story, result in zip(loaded.stories, results, strict=True)
        for record in scored_news(story, result, scorer.model_name, context)
    ]
    return tagged, context


@dataclass
class Run:
    """One arrival order's outcome: the alerts and the scored records (by story and ticker)."""

    name: str
    stories: int  # distinct story ids
    pairs: int  # story x ticker records
    alerts: list[Alert]
    records: dict[tuple[str, str], ScoredNews]


def run(name: str, tagged: Sequence[bytes], context: StoryContext, settings: Settings, batch: int) -> Run:
    """Novelty then state over `tagged` in the order given, `batch` records per state batch."""
    chains: dict[bytes, Chains] = {}
    novel = fold_novelty(tagged, lambda key: chains.get(key, Chains()), context.directory, context.settings)
    values = [value for _, value in novel.outputs]
    states: dict[bytes, TickerState] = {}
    alerts: list[Alert] = []
    for start in range(0, len(values), batch):
        out = fold_batch(
            values[start : start + batch],
            lambda key: states.get(key, TickerState()),
            settings.state,
            settings.alerts,
            NOW,
            settings.ingest.future_tolerance_s,
        )
        states.update(out.states)
        alerts += [decode(Alert, value) for _, value in out.alerts]
    records = {(r.id, r.ticker): r for r in (decode(ScoredNews, value) for value in values)}
    return Run(name, len({news_id for news_id, _ in records}), len(values), alerts, records)


def budget_failures(result: Run, settings: Settings) -> list[str]:
    """What the run breaks of the budget (module docstring); empty when it holds."""
    failures = []
    n = len(result.alerts)
    critical = sum(alert.severity == "critical" for alert in result.alerts)
    if n > MAX_ALERT_SHARE * result.stories:
        failures.append(f"{n} alerts on {result.stories} stories is over {MAX_ALERT_SHARE:.0%}")
    if n and critical > MAX_CRITICAL_SHARE * n:
        failures.append(f"{critical} of {n} alerts critical is over {MAX_CRITICAL_SHARE:.0%}")
    window = settings.alerts.driver_window_s
    for alert in result.alerts:
        head = alert.drivers[0]
        if is_roundup(head.headline):
            failures.append(f"{alert.ticker}: headed by a list piece: {head.headline!r}")
        if result.records[(head.news_id, alert.ticker)].event_direction > 0:
            failures.append(f"{alert.ticker}: on a positive event: {head.headline!r}")
        for driver in alert.drivers:
            age = (head.published_at - driver.published_at).total_seconds()
            if not 0 <= age <= window:
                failures.append(f"{alert.ticker}: {driver.headline!r} is {age:.0f} s from the alerting story")
    return failures


def summary(result: Run) -> str:
    n = len(result.alerts)
    critical = sum(alert.severity == "critical" for alert in result.alerts)
    return (
        f"| {result.name} | {result.stories} | {result.pairs} | {n} | {n / result.stories:.2%} | {critical} | "
        f"{critical / n if n else 0:.0%} |"
    )


def table(result: Run, rows: int = 20) -> str:
    """Every k-th alert of the run (k = alerts / rows), as a markdown table."""
    step = max(1, len(result.alerts) // rows)
    lines = ["| ticker | severity | rule | event | relevance | novelty | headline |", "|---|---|---|---|---|---|---|"]
    for alert in result.alerts[::step][:rows]:
        head = alert.drivers[0].headline.replace("|", "/")
        lines.append(
            f"| {alert.ticker} | {alert.severity} | {alert.reason} | {alert.event_type} | {alert.relevance:.2f} | "
            f"{alert.novelty:.2f} | {head} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--shuffles", type=int, default=5, help="random arrival orders to run (seeded)")
    parser.add_argument("--table", type=Path, help="write a markdown table of 20 alerts of the time-order run")
    args = parser.parse_args(argv)
    settings = load_settings()
    tagged, context = tagged_sample(settings)
    runs = [
        run("time", tagged, context, settings, settings.state.batch_max),
        run("time, one by one", tagged, context, settings, 1),
        run("newest first", tagged[::-1], context, settings, 1),
    ]
    for k in range(args.shuffles):
        order = list(tagged)
        random.Random(k).shuffle(order)
        runs.append(run(f"shuffled #{k}", order, context, settings, 1))
    print("| order | stories | story x ticker | alerts | of stories | critical | of alerts |\n|---|---|---|---|---|---|---|")
    for result in runs:
        print(summary(result))
    base = runs[0]
    by_event = Counter((alert.event_type, str(alert.severity)) for alert in base.alerts)
    print("\nalerts by event type and severity (time order):")
    for (event_type, level), count in sorted(by_event.items()):
        print(f"  {event_type:<20} {level:<8} {count}")
    if args.table:
        args.table.write_text(table(base) + "\n", encoding="utf-8")
        print(f"\ntable of 20 alerts: {args.table}")
    failures = budget_failures(base, settings)
    newest_first = runs[2]
    if abs(len(newest_first.alerts) - len(base.alerts)) > MAX_ORDER_MARGIN * len(base.alerts):
        failures.append(f"newest first raised {len(newest_first.alerts)} alerts, time order {len(base.alerts)}")
    for failure in failures:
        print(f"BUDGET: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
