"""State stage, pure: ScoredNews in, state events out; state values out as TickerSignal / Alert."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from schemas import Alert, ScoredNews, TickerSignal, decode, dumps
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
    )


def ticker_signal(scored: ScoredNews, values: SignalValues, emitted_at: datetime) -> TickerSignal:
    """The signal emitted for `scored`: the ticker's state right after applying it."""
    return TickerSignal(
        ticker=scored.ticker,
        as_of=scored.published_at_utc,
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
    """The Alert message for a decision raised by `trigger`; its drivers become the headlines
    and ids, the trigger's event type, relevance and novelty the alert's."""
    values = decision.values
    return Alert(
        ticker=decision.ticker,
        direction=decision.direction,
        severity=decision.severity,
        reason=str(decision.reason),
        as_of=datetime.fromtimestamp(decision.at, tz=UTC),
        emitted_at=emitted_at,
        score_fast=values.score_fast,
        score_slow=values.score_slow,
        zscore=values.zscore,
        story_score=decision.drivers[0].score if decision.drivers else None,
        headlines=tuple(story.headline for story in decision.drivers),
        news_ids=tuple(story.news_id for story in decision.drivers),
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
    severities: list[str] = field(default_factory=list)
    ingested_at: list[float] = field(default_factory=list)
    fast_scores: dict[str, float] = field(default_factory=dict)
    duplicates: int = 0
    rejected: list[tuple[int, InvalidMessage]] = field(default_factory=list)


def read_scored(value: bytes) -> tuple[ScoredNews, StateEvent]:
    """Decode one ScoredNews and its state event; InvalidMessage when either is unusable."""
    record = decode(ScoredNews, value)
    try:
        return record, state_event(record)
    except ValueError as error:  # non-finite or negative numbers: they would poison the sums
        raise InvalidMessage(Reason.SCHEMA, str(error)) from error


def fold_batch(
    values: Iterable[bytes],
    load: Callable[[bytes], TickerState],
    state_cfg: StateSettings,
    alert_cfg: AlertSettings,
    emitted_at: datetime,
) -> BatchOutput:
    """Apply a batch of encoded ScoredNews in order; `load(key)` gives a ticker's stored state.

    Pure apart from `load`: the Faust agent and the plain-Kafka benchmark loop share it.
    """
    out = BatchOutput()
    for position, value in enumerate(values):
        try:
            record, event = read_scored(value)
        except InvalidMessage as error:
            out.rejected.append((position, error))
            continue
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
            out.severities.append(str(result.alert.severity))
    return out
