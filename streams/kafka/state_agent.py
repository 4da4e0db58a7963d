"""The state stage's agent: batches of ScoredNews in, TickerSignal and Alert records out, the
per-ticker state in the table `ticker-state-v3` (DESIGN.md "Per-ticker state").

Per batch: fold the records into the tickers' states (`streams.stages.state.fold.fold_batch`),
then the commit protocol (`streams.kafka.commit`): signals, alerts and dead letters first, then
each touched ticker's new state, once, to the table's store and its changelog.

The table name carries the state schema version: a new layout starts a new changelog. Values
are `to_dict`'s JSON written with orjson (the records Faust's own JSON codec would write).
The changelog records go out batched like the outputs, to the partition of the key's murmur2
hash (where `use_partitioner` puts them too); recovery, standbys and the store are Faust's.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import faust
import orjson
from faust.types import TableT

from streams.kafka.batches import Outgoing
from streams.kafka.commit import exits_on_error, publish_then_record
from streams.kafka.compat.producer import write_store
from streams.kafka.events import event_batches
from streams.kafka.rejects import dead_letters
from streams.kafka.tables import changelogged_table
from streams.metrics import Metrics
from streams.settings import Settings
from streams.stages.state import TickerState, from_dict, to_dict
from streams.stages.state.fold import fold_batch

if TYPE_CHECKING:
    from streams.kafka.app import StageTopics

__all__ = ["STATE_TABLE", "add_state", "stored_state"]

STATE_TABLE = "ticker-state-v3"
"""The state table's name (its changelog: `<app_id>-ticker-state-v3-changelog`)."""
DECODED_KEPT = 1024
"""Tickers whose decoded state the agent keeps beside the table (the most recently written)."""


def stored_state(table: TableT[bytes, Any], key: bytes) -> TickerState | None:
    """Read-only: the state the table holds for `key` (None when this worker holds none), for
    the HTTP queries (`streams.serve`). The agent alone writes the table."""
    stored = table.get(key)
    return None if stored is None else from_dict(orjson.loads(stored))


def add_state(app: faust.App, settings: Settings, metrics: Metrics, topics: StageTopics) -> None:
    """Add the state agent and its table to `app`."""
    state_cfg, alert_cfg = settings.state, settings.alerts
    future_tolerance_s = settings.ingest.future_tolerance_s
    table = changelogged_table(app, STATE_TABLE, settings, "ticker -> decayed sentiment state", raw_values=True)
    signals_topic, alerts_topic = topics.signals.get_topic_name(), topics.alerts.get_topic_name()
    deadletter_topic = topics.deadletter.get_topic_name()
    latest_topic = topics.latest.get_topic_name()
    # Each state kept beside the bytes written for it skips decoding while the table still holds
    # those very bytes. Only the memory store does: a value restored from the changelog is a new
    # object (decoded), and RocksDB returns a new object on every read. The most recently written
    # `DECODED_KEPT` are kept: a decoded state takes a few times its record's memory, and the
    # table's bytes alone (at most 16 KiB a ticker) bound the rest.
    keep_written = state_cfg.store.startswith("memory:")
    written: dict[bytes, tuple[bytes, TickerState]] = {}

    def load(key: bytes) -> TickerState:
        stored = table.get(key)
        if stored is None:
            return TickerState()
        known = written.get(key)
        return known[1] if known is not None and known[0] is stored else from_dict(orjson.loads(stored))

    def store(states: dict[bytes, TickerState]) -> list[Outgoing]:
        """Write the states to the table's store; return their changelog records."""
        values = {key: orjson.dumps(to_dict(state)) for key, state in states.items()}
        for key, value in values.items():
            write_store(table, key, value)  # one by one: Faust's RocksDB store has no bulk update
        if keep_written:
            for key, state in states.items():
                written.pop(key, None)  # re-inserted last: the dict's order is the write order
                written[key] = (values[key], state)
            while len(written) > DECODED_KEPT:
                del written[next(iter(written))]
        changelog = table.changelog_topic.get_topic_name()
        return [(changelog, key, value) for key, value in values.items()]

    @app.agent(topics.scored, name="state")
    @exits_on_error
    async def state_agent(stream: faust.StreamT[bytes]) -> None:
        async for events in event_batches(stream, state_cfg.batch_max, state_cfg.batch_wait_s):
            now = datetime.now(UTC)
            out = fold_batch([event.value for event in events], load, state_cfg, alert_cfg, now, future_tolerance_s)
            outputs: list[Outgoing] = [(signals_topic, k, v) for k, v in out.signals]
            outputs += [(alerts_topic, k, v) for k, v in out.alerts]
            outputs += [(latest_topic, k, v) for k, v in dict(out.signals).items()]  # each ticker's last
            rejected = [(events[i], error) for i, error in out.rejected]
            outputs += dead_letters(deadletter_topic, rejected, now, metrics, topics.limits)
            await publish_then_record(app.producer, outputs, partial(store, out.states), topics.limits)
            now_s = time.time()
            for ingested_at in out.ingested_at:
                metrics.latency_seconds.observe(max(now_s - ingested_at, 0.0))
            for ticker, score in out.fast_scores.items():
                metrics.top_movers.observe(ticker, score)
            for severity, event_type in out.severities:
                metrics.alerts.labels(severity, event_type).inc()
            metrics.signals.inc(len(out.signals))
            metrics.duplicates.labels("state").inc(out.duplicates)
