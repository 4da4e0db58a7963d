"""Asymmetric-negative alerts, pure: decided from the state before and after a story.

Rules (thresholds in `AlertSettings`), for the negative direction:
- story: `score <= story_threshold` with `confidence >= min_confidence`; critical when
  `score <= critical_threshold`;
- zscore: the fast score's `zscore <= -zscore_k` and this story lowered the fast score (a story
  that did not push it down did not drive the alert); critical when `zscore <= -zscore_critical_k`.
When both hold, the higher severity wins (the story rule on a tie). Positive alerts (off unless
`positive`) mirror this with `positive_story_threshold` / `positive_critical_threshold` and `+k`.
Cooldown: per ticker and direction, `cooldown_s` of event time since the last alert, so a
replay raises the same alerts; a late story (before the last alert) never alerts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from schemas import Direction, Severity  # the message enums: one definition for state and wire
from streams.settings import AlertSettings, StateSettings
from streams.stages.state.ticker import SignalValues, StateEvent, Story, TickerState, apply, read

__all__ = [
    "Severity",
    "AlertReason",
    "Direction",
    "AlertDecision",
    "evaluate_alert",
    "record_alert",
    "StepResult",
    "step",
]


class AlertReason(StrEnum):
    """Which rule raised the alert."""

    STORY_SCORE = "story_score"
    ZSCORE = "zscore"


@dataclass(frozen=True, slots=True)
class AlertDecision:
    """An alert to publish. `drivers`: the triggering story first, then the state's most recent
    stories of the same direction (newest first, no repeats)."""

    ticker: str
    news_id: str
    at: float
    direction: Direction
    severity: Severity
    reason: AlertReason
    values: SignalValues
    drivers: tuple[Story, ...]


def evaluate_alert(
    before: TickerState,
    after: TickerState,
    event: StateEvent,
    values: SignalValues,
    cfg: AlertSettings,
) -> AlertDecision | None:
    """The alert `event` raises, if any, given the states around it and `values = read(after)`.

    The cooldown clocks are read from `before`; store a raised alert with `record_alert`.
    """
    negative = _severity(
        story=event.score <= cfg.story_threshold,
        story_critical=event.score <= cfg.critical_threshold,
        confident=event.confidence >= cfg.min_confidence,
        z=values.zscore <= -cfg.zscore_k and after.fast.score < before.fast.score,
        z_critical=values.zscore <= -cfg.zscore_critical_k,
    )
    if negative is not None:
        if _cooling(before.last_negative_alert_at, event.t, cfg.cooldown_s):
            return None
        return _decision(event, values, Direction.NEGATIVE, *negative, after.negatives)
    if not cfg.positive:
        return None
    positive = _severity(
        story=event.score >= cfg.positive_story_threshold,
        story_critical=event.score >= cfg.positive_critical_threshold,
        confident=event.confidence >= cfg.min_confidence,
        z=values.zscore >= cfg.zscore_k and after.fast.score > before.fast.score,
        z_critical=values.zscore >= cfg.zscore_critical_k,
    )
    if positive is None or _cooling(before.last_positive_alert_at, event.t, cfg.cooldown_s):
        return None
    return _decision(event, values, Direction.POSITIVE, *positive, after.positives)


def record_alert(state: TickerState, decision: AlertDecision) -> TickerState:
    """`state` with the cooldown clock of the decision's direction set to its time."""
    if decision.direction is Direction.NEGATIVE:
        return replace(state, last_negative_alert_at=decision.at)
    return replace(state, last_positive_alert_at=decision.at)


@dataclass(frozen=True, slots=True)
class StepResult:
    """What one story does: the new state (to re-assign in the table), its signal values (None:
    a redelivered id, nothing to emit, the state unchanged) and its alert (None if none)."""

    state: TickerState
    values: SignalValues | None
    alert: AlertDecision | None


def step(
    state: TickerState, event: StateEvent, state_cfg: StateSettings, alert_cfg: AlertSettings
) -> StepResult:
    """apply, read, evaluate_alert, record_alert for one story: the agent's per-event work."""
    after, applied = apply(state, event, state_cfg)
    if not applied:
        return StepResult(state, None, None)
    values = read(after, state_cfg)
    alert = evaluate_alert(state, after, event, values, alert_cfg)
    if alert is not None:
        after = record_alert(after, alert)
    return StepResult(after, values, alert)


def _severity(
    *, story: bool, story_critical: bool, confident: bool, z: bool, z_critical: bool
) -> tuple[Severity, AlertReason] | None:
    story_level = (2 if story_critical else 1) if story and confident else 0
    z_level = (2 if z_critical else 1) if z else 0
    if story_level == z_level == 0:
        return None
    if story_level >= z_level:
        return _LEVELS[story_level], AlertReason.STORY_SCORE
    return _LEVELS[z_level], AlertReason.ZSCORE


_LEVELS = {1: Severity.WARNING, 2: Severity.CRITICAL}


def _cooling(last_at: float | None, t: float, cooldown_s: float) -> bool:
    return last_at is not None and t - last_at < cooldown_s


def _decision(
    event: StateEvent,
    values: SignalValues,
    direction: Direction,
    severity: Severity,
    reason: AlertReason,
    recent: tuple[Story, ...],
) -> AlertDecision:
    trigger = Story(event.news_id, event.headline, event.score, event.t)
    drivers = (trigger, *(s for s in recent if s.news_id != event.news_id))
    return AlertDecision(
        event.ticker, event.news_id, event.t, direction, severity, reason, values, drivers
    )
