"""State stage, pure: ScoredNews in, state events out; state values out as TickerSignal / Alert.

`fold_batch` steps: decode every record (unusable ones set aside for the dead-letter topic, as
are stories dated after `max_t`, the wall clock plus the ingest tolerance); sort the rest by
(published_at, id), so a batch's result never depends on the order its records came in; apply
each to its ticker's state (`streams.stages.state.alerts.step`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter

from schemas import Alert, AlertDriver, ScoredNews, TickerSignal, decode, dumps
from schemas.errors import InvalidMessage, Reason
from streams.settings import AlertSettings, StateSettings
from streams.stages.state import AlertDecision, SignalValues, StateEvent, TickerState, step

__all__ = ["state_event", "ticker_signal", "alert_record", "BatchOutput", "read_scored", "fold_batch"]


def state_event(scored: ScoredNews) -> StateEvent:
    """The state's view of one scored story."""
    return StateEvent(
        news_id=scored.id,
        ticker=scored.ticker,
        t=scored.published_at_utc.timestamp(),
        session=scored.session,
        phase=str(scored.phase),
        score=scored.score,
        confidence=scored.confidence,
        weight=scored.weight,
        headline=scored.headline,
        event_type=scored.event_type,
        event_direction=scored.event_direction,
        relevance=scored.relevance,
        novelty=1.0 if scored.novelty is None else scored.novelty,
    )


def ticker_signal(scored: ScoredNews, values: SignalValues, emitted_at: datetime) -> TickerSignal:
    """The signal emitted for `scored`: the ticker's state right after applying it."""
    return TickerSignal(
        ticker=scored.ticker,
        as_of=datetime.fromtimestamp(values.as_of, tz=UTC),
        emitted_at=emitted_at,
        session=scored.session,
        phase=scored.phase,
        score_fast=values.score_fast,
        score_slow=values.score_slow,
        exposure=values.exposure,
        buzz=values.buzz,
        zscore=values.zscore,
        linear_window_score=values.linear_window_score,
        n_events=values.n_events,
        news_id=scored.id,
        model=scored.model,
        event_type=scored.event_type,
        relevance=scored.relevance,
        novelty=1.0 if scored.novelty is None else scored.novelty,
    )


def alert_record(decision: AlertDecision, trigger: ScoredNews, emitted_at: datetime) -> Alert:
    """The Alert message for a decision raised by `trigger`: its drivers, and the trigger's event
    type, relevance and novelty."""
    values = decision.values
    drivers = tuple(
        AlertDriver(
            news_id=story.news_id,
            headline=story.headline,
            published_at=datetime.fromtimestamp(story.t, tz=UTC),
            score=story.score,
            event_type=story.event_type,
            relevance=story.relevance,
            novelty=story.novelty,
        )
        for story in decision.drivers
    )
    return Alert(
        alert_id=decision.alert_id,
        ticker=decision.ticker,
        direction=decision.direction,
        severity=decision.severity,
        reason=str(decision.reason),
        as_of=datetime.fromtimestamp(values.as_of, tz=UTC),
        emitted_at=emitted_at,
        score_fast=values.score_fast,
        score_slow=values.score_slow,
        zscore=values.zscore,
        story_score=decision.drivers[0].score if decision.drivers else None,
        drivers=drivers,
        event_type=trigger.event_type,
        relevance=trigger.relevance,
        novelty=1.0 if trigger.novelty is None else trigger.novelty,
    )


@dataclass
class BatchOutput:
    """What one batch of ScoredNews does to the per-ticker state.

    `states`: the new state of every ticker touched (to write back once per ticker: a small
    changelog). `signals` / `alerts`: `(key, value)` messages in arrival order. `ingested_at`:
    epoch seconds at which each signalled story entered the worker (for the latency metric).
    `rejected`: `(position in the batch, error)` for values that are not a usable ScoredNews,
    for the caller to dead-letter; the rest of the batch is applied as usual.
    """

    states: dict[bytes, TickerState] = field(default_factory=dict)
    signals: list[tuple[bytes, bytes]] = field(default_factory=list)
    alerts: list[tuple[bytes, bytes]] = field(default_factory=list)
    severities: list[tuple[str, str]] = field(default_factory=list)
    ingested_at: list[float] = field(default_factory=list)
    fast_scores: dict[str, float] = field(default_factory=dict)
    duplicates: int = 0
    rejected: list[tuple[int, InvalidMessage]] = field(default_factory=list)


def read_scored(value: bytes, max_t: float | None = None) -> tuple[ScoredNews, StateEvent]:
    """Decode one ScoredNews and its state event; InvalidMessage when either is unusable or
    the story is dated after `max_t` (epoch seconds; None: no limit)."""
    record = decode(ScoredNews, value)
    try:
        event = state_event(record)
    except ValueError as error:  # non-finite or negative numbers: they would poison the sums
        raise InvalidMessage(Reason.SCHEMA, str(error)) from error
    if max_t is not None and event.t > max_t:
        # A story from the future would move the ticker's state time ahead of every real one.
        late = datetime.fromtimestamp(max_t, tz=UTC).isoformat()
        raise InvalidMessage(Reason.FUTURE_TIME, f"story {record.id!r} is published after {late}")
    return record, event


def fold_batch(
    values: Iterable[bytes],
    load: Callable[[bytes], TickerState],
    state_cfg: StateSettings,
    alert_cfg: AlertSettings,
    emitted_at: datetime,
    future_tolerance_s: float | None = None,
) -> BatchOutput:
    """Apply a batch of encoded ScoredNews in (published_at, id) order (module docstring);
    `load(key)` gives a ticker's stored state. Stories dated more than `future_tolerance_s`
    after `emitted_at` are rejected (None: no limit).

    Pure apart from `load`: the Faust agent and the plain-Kafka benchmark loop share it.
    """
    out = BatchOutput()
    max_t = None if future_tolerance_s is None else emitted_at.timestamp() + future_tolerance_s
    usable: list[tuple[float, str, ScoredNews, StateEvent]] = []
    for position, value in enumerate(values):
        try:
            record, event = read_scored(value, max_t)
        except InvalidMessage as error:
            out.rejected.append((position, error))
            continue
        usable.append((event.t, event.news_id, record, event))
    usable.sort(key=itemgetter(0, 1))  # stable: one story's tickers keep their order
    for _, _, record, event in usable:
        key = record.ticker.encode("utf-8")
        state = out.states.get(key)
        result = step(load(key) if state is None else state, event, state_cfg, alert_cfg)
        if result.values is None:  # a story id this ticker already counted
            out.duplicates += 1
            continue
        out.states[key] = result.state
        out.signals.append((key, dumps(ticker_signal(record, result.values, emitted_at))))
        out.ingested_at.append(record.ingested_at.timestamp())
        out.fast_scores[record.ticker] = result.values.score_fast
        if result.alert is not None:
            out.alerts.append((key, dumps(alert_record(result.alert, record, emitted_at))))
            out.severities.append((str(result.alert.severity), event.event_type))
    return out
