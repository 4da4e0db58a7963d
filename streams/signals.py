"""State stage, pure: ScoredNews in, state events out; state values out as TickerSignal / Alert."""

from __future__ import annotations

from datetime import datetime, timezone

from schemas import Alert, ScoredNews, TickerSignal
from streams.state import AlertDecision, SignalValues, StateEvent

__all__ = ["state_event", "ticker_signal", "alert_record"]


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
    )


def alert_record(decision: AlertDecision, emitted_at: datetime) -> Alert:
    """The Alert message for a decision; its drivers become the headlines and ids."""
    values = decision.values
    return Alert(
        ticker=decision.ticker,
        direction=decision.direction,
        severity=decision.severity,
        reason=str(decision.reason),
        as_of=datetime.fromtimestamp(decision.at, tz=timezone.utc),
        emitted_at=emitted_at,
        score_fast=values.score_fast,
        score_slow=values.score_slow,
        zscore=values.zscore,
        story_score=decision.drivers[0].score if decision.drivers else None,
        headlines=tuple(story.headline for story in decision.drivers),
        news_ids=tuple(story.news_id for story in decision.drivers),
    )
