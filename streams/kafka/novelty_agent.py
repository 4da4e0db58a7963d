"""The novelty stage's agent: ScoredNews without novelty from `<app_id>.news.tagged` (keyed by
ticker) in, complete ScoredNews to news.scored out, the per-ticker chains in the table
`ticker-chains-v1` (DESIGN.md "Story intelligence"). It runs with the `state` stage, which it
feeds: both are keyed by ticker.

Per batch: `streams.stages.novelty.fold_novelty`, then the commit protocol
(`streams.kafka.commit`): the complete records and dead letters first, then each touched
ticker's chains, once, to the table's store and its changelog.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

import faust
import orjson

from streams.kafka.batches import Outgoing
from streams.kafka.commit import exits_on_error, publish_then_record
from streams.kafka.compat.producer import write_store
from streams.kafka.events import event_batches
from streams.kafka.rejects import dead_letters
from streams.kafka.tables import changelogged_table
from streams.metrics import Metrics
from streams.settings import Settings
from streams.stages.novelty import fold_novelty
from streams.stages.story import SymbolDirectory
from streams.stages.story.novelty import Chains, chains_from_dict, chains_to_dict

if TYPE_CHECKING:
    from streams.kafka.app import StageTopics

__all__ = ["add_novelty"]


def add_novelty(app: faust.App, settings: Settings, metrics: Metrics, topics: StageTopics) -> None:
    """Add the novelty agent and its table to `app`."""
    cfg = settings.story
    directory = SymbolDirectory.load(cfg.symbols_csv, builtin=cfg.builtin_directory)
    table = changelogged_table(app, "ticker-chains-v1", settings, "ticker -> recent stories' novelty chains", raw_values=True)
    scored_topic, deadletter_topic = topics.scored.get_topic_name(), topics.deadletter.get_topic_name()

    def load(key: bytes) -> Chains:
        stored = table.get(key)
        return Chains() if stored is None else chains_from_dict(orjson.loads(stored))

    def store(chains: dict[bytes, Chains]) -> list[Outgoing]:
        """Write the chains to the table's store; return their changelog records."""
        values = {key: orjson.dumps(chains_to_dict(value)) for key, value in chains.items()}
        for key, value in values.items():
            write_store(table, key, value)
        changelog = table.changelog_topic.get_topic_name()
        return [(changelog, key, value) for key, value in values.items()]

    @app.agent(topics.tagged, name="novelty")
    @exits_on_error
    async def novelty_agent(stream: faust.StreamT[bytes]) -> None:
        async for events in event_batches(stream, cfg.batch_max, cfg.batch_wait_s):
            out = fold_novelty([event.value for event in events], load, directory, cfg)
            outputs: list[Outgoing] = [(scored_topic, key, value) for key, value in out.outputs]
            now = datetime.now(UTC)
            rejected = [(events[i], error) for i, error in out.rejected]
            outputs += dead_letters(deadletter_topic, rejected, now, metrics, topics.limits)
            await publish_then_record(app.producer, outputs, partial(store, out.chains), topics.limits)
            metrics.scored.inc(len(out.outputs))
            metrics.duplicates.labels("novelty").inc(out.duplicates)
