"""Asymmetric-negative alerts, pure: decided from the state before and after a story
(DESIGN.md "Alert"; thresholds in `AlertSettings`).

Steps for one applied story, negative direction (positive alerts, off unless `positive`, mirror
it with `positive_story_threshold` / `positive_critical_threshold` and `+k`):
1. gate: the story itself is negative (score < 0) and its lead event is not good news for the
   company (event_direction <= 0); it is not a market, sector or list piece; its relevance is
   at least `min_relevance` and its novelty at least `min_novelty`;
2. rules: `event` for a severe event of negative direction (`severe_event`: the event
   classifier's own evidence, whatever the model's score or confidence); `story_score` when
   score <= `story_threshold` with confidence >= `min_confidence`; `zscore` when the story is
   not late (its time is at or after the state's time before it), the fast score's z-score
   exists and is <= -`zscore_k`, and the story lowered the fast score. A late story's fast
   score would include stories after it, so only the first two rules judge it;
3. severity (`severity`): critical for a severe event, a halt with bad news or an extreme move;
4. cooldown, in event time and both ways: no alert within `cooldown_s` of an earlier-recorded
   alert of the same direction and the same or a higher severity (a warning can escalate to a
   critical). So a late story is judged against the alerts around its own time, and a
   newest-first replay keeps one alert per burst as a time-ordered one does;
5. the alert lists the stories of its direction from the last `driver_window_s` up to it, the
   alerting story first, then newest first; its `alert_id` is a hash of (ticker, story id, rule).

What depends on arrival order: the cooldown (which story of a burst alerts first), the z rule
(late stories never raise it) and novelty (counted by arrival upstream). In (published_at, id)
order every decision is a function of the stories up to it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from enum import StrEnum

from schemas import Direction, Severity  # the message enums: one definition for state and wire
from streams.settings import AlertSettings, StateSettings
from streams.stages.state.ticker import AlertMark, SignalValues, StateEvent, Story, TickerState, apply, read
from streams.stages.story.roundup import is_roundup

__all__ = [
    "AlertDecision",
    "AlertReason",
    "Direction",
    "Severity",
    "StepResult",
    "alert_id",
    "evaluate_alert",
    "severe_event",
    "record_alert",
    "severity",
    "step",
]


class AlertReason(StrEnum):
    """Which rule raised the alert."""

    EVENT = "event"
    STORY_SCORE = "story_score"
    ZSCORE = "zscore"


# The severe events (`severe_event`): each a type of negative direction and, where the type also
# covers ordinary bad news, the headline words that make it severe. Whole-headline phrases, not
# single words: "trading lower" is no guidance cut, "overdraft charges" no criminal case.
_SEVERE_WORDS = {
    "bankruptcy": None,  # bankruptcy, default, insolvency: severe as such
    "guidance": re.compile(
        r"\b(?:lowers|lowered|lowering|cuts|cutting|cut|slash(?:es|ed|ing)?|withdr(?:aws|ew|awn)|suspends?|suspended|"
        r"pulls|pulled)\b[^.;:]{0,40}\b(?:guidance|outlook|forecast|view)\b",
        re.IGNORECASE,
    ),
    "regulatory": re.compile(
        r"\breject\w*|\bcomplete response letter\b|\bCRL\b|\b(?:declines?|declined|refuses?|refused|fails?|failed) to "
        r"(?:approve|win approval)|\bnot (?:to )?approve\w*|\bdenie[sd]\b|\bwithdraws? (?:its )?approval\b",
        re.IGNORECASE,
    ),
    "legal": re.compile(
        r"\b(?:securities|accounting|wire|bank|tax|investor) fraud\b|\bfraud (?:charges?|probe|investigation|case|"
        r"allegations?|scheme)\b|\b(?:charged|indicted|accused) (?:with|of|for)\b|\bindict(?:ed|ment)\b|"
        r"\bcriminal (?:charges?|probe|investigation|case|complaint)\b|\bsec (?:charges|sues)\b|"
        r"\b(?:doj|justice department) (?:probe|investigation|charges|sues|opens)\b|\baccounting (?:probe|irregularit\w+)",
        re.IGNORECASE,
    ),
    # A halt is severe when a regulator suspends the stock, not for news pending or volatility.
    "trading_halt": re.compile(
        r"\b(?:sec|regulators?|finra)\b[^.;:]{0,40}\bsuspend\w*|\btrading suspension\b|\bdelist\w*",
        re.IGNORECASE,
    ),
}


@dataclass(frozen=True, slots=True)
class AlertDecision:
    """An alert to publish. `at`: the alerting story's time; `drivers`: that story first, then
    the state's stories of the same direction from the `driver_window_s` before it, newest
    first; `alert_id`: `alert_id(ticker, news_id, reason)`."""

    ticker: str
    news_id: str
    at: float
    direction: Direction
    severity: Severity
    reason: AlertReason
    values: SignalValues
    drivers: tuple[Story, ...]
    alert_id: str


def alert_id(ticker: str, news_id: str, reason: str) -> str:
    """Deterministic id of the alert `reason` raised by story `news_id` for `ticker`: 128 bits of
    BLAKE2b, hex. A redelivered or replayed alert carries the same id."""
    text = "\x1f".join((ticker, news_id, reason))
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def severity(event: StateEvent, zscore: float | None, sign: int, cfg: AlertSettings) -> Severity:
    """The severity table (DESIGN.md "Alert"), for an alert of direction `sign` (-1, +1).

    Negative, critical when any holds: a severe event (`severe_event`); a story at or below
    `critical_threshold` (when set) with confidence >= `critical_confidence`; an extreme move,
    z <= -`zscore_critical_k`. Positive, critical: score >= `positive_critical_threshold` with
    confidence >= `critical_confidence`, or z >= `zscore_critical_k`. Anything else: warning.
    """
    extreme_move = zscore is not None and sign * zscore >= cfg.zscore_critical_k
    if sign > 0:
        extreme_story = event.score >= cfg.positive_critical_threshold and event.confidence >= cfg.critical_confidence
        return Severity.CRITICAL if extreme_story or extreme_move else Severity.WARNING
    severe = severe_event(event) or (
        cfg.critical_threshold is not None
        and event.score <= cfg.critical_threshold
        and event.confidence >= cfg.critical_confidence
    )
    return Severity.CRITICAL if severe or extreme_move else Severity.WARNING


def severe_event(event: StateEvent) -> bool:
    """A lead event that is severe bad news in itself, of negative direction: bankruptcy or
    default; a guidance cut (the company lowers, cuts, slashes, withdraws, suspends or pulls its
    guidance, outlook or forecast: not results merely below the estimate); a regulatory
    rejection (rejected, a complete response letter, declined or failed approval, denied); a
    legal event about fraud or criminal charges (not an ordinary lawsuit); a trading halt that
    is a regulator's suspension or a delisting (not news pending, not volatility)."""
    if event.event_type not in _SEVERE_WORDS:
        return False
    if event.event_direction >= 0 and event.event_type != "trading_halt":  # a halt has no direction
        return False
    words = _SEVERE_WORDS[event.event_type]
    return words is None or words.search(event.headline) is not None


def evaluate_alert(
    before: TickerState,
    after: TickerState,
    event: StateEvent,
    values: SignalValues,
    cfg: AlertSettings,
) -> AlertDecision | None:
    """The alert `event` raises, if any, given the states around it and `values = read(after)`
    (steps in the module docstring). The cooldown marks are read from `before`; store a raised
    alert with `record_alert`."""
    in_order = before.fast.T is None or event.t >= before.fast.T
    directions = ((Direction.NEGATIVE, -1), (Direction.POSITIVE, 1)) if cfg.positive else ((Direction.NEGATIVE, -1),)
    for direction, sign in directions:
        if not _gated(event, sign, cfg):
            continue
        threshold = cfg.story_threshold if sign < 0 else cfg.positive_story_threshold
        event_rule = sign < 0 and severe_event(event)
        story_rule = sign * event.score >= sign * threshold and event.confidence >= cfg.min_confidence
        z_rule = (
            in_order
            and values.zscore is not None
            and sign * values.zscore >= cfg.zscore_k
            and sign * (after.fast.score - before.fast.score) > 0.0
        )
        if not (event_rule or story_rule or z_rule) or is_roundup(event.headline):
            continue  # the list-piece test last: a regex, run only for stories a rule picked
        level = severity(event, values.zscore if in_order else None, sign, cfg)
        marks = before.negative_alerts if sign < 0 else before.positive_alerts
        if _cooling(marks, event.t, _LEVEL[level], cfg.cooldown_s):
            return None
        reason = AlertReason.EVENT if event_rule else AlertReason.STORY_SCORE if story_rule else AlertReason.ZSCORE
        recent = after.negatives if sign < 0 else after.positives
        return AlertDecision(
            ticker=event.ticker,
            news_id=event.news_id,
            at=event.t,
            direction=direction,
            severity=level,
            reason=reason,
            values=values,
            drivers=_drivers(event, recent, cfg.driver_window_s),
            alert_id=alert_id(event.ticker, event.news_id, str(reason)),
        )
    return None


def record_alert(state: TickerState, decision: AlertDecision, kept: int) -> TickerState:
    """`state` with the decision's `(time, level)` among its direction's cooldown marks: at
    most `kept`, dropping the one farthest in time from the new mark. So the marks stay where
    alerts are being decided: the newest in a time-ordered stream, the oldest in a newest-first
    one; a cooldown only ever needs the marks within `cooldown_s` of a story."""
    mark = (decision.at, _LEVEL[decision.severity])
    if decision.direction is Direction.NEGATIVE:
        return replace(state, negative_alerts=_marked(state.negative_alerts, mark, kept))
    return replace(state, positive_alerts=_marked(state.positive_alerts, mark, kept))


@dataclass(frozen=True, slots=True)
class StepResult:
    """What one story does: the new state (to re-assign in the table), its signal values (None:
    a redelivered id, nothing to emit, the state unchanged) and its alert (None if none)."""

    state: TickerState
    values: SignalValues | None
    alert: AlertDecision | None


def step(state: TickerState, event: StateEvent, state_cfg: StateSettings, alert_cfg: AlertSettings) -> StepResult:
    """apply, read, evaluate_alert, record_alert for one story: the agent's per-event work."""
    after, applied = apply(state, event, state_cfg)
    if not applied:
        return StepResult(state, None, None)
    values = read(after, state_cfg)
    alert = evaluate_alert(state, after, event, values, alert_cfg)
    if alert is not None:
        after = record_alert(after, alert, alert_cfg.cooldown_marks)
    return StepResult(after, values, alert)


_LEVEL = {Severity.WARNING: 1, Severity.CRITICAL: 2}


def _gated(event: StateEvent, sign: int, cfg: AlertSettings) -> bool:
    """Step 1 but the list-piece test (done once a rule picks the story): may this story raise
    an alert of direction `sign` at all?"""
    return (
        sign * event.score > 0.0
        and event.weight > 0.0  # a muted source (weight 0) counts nowhere, alerts included
        and sign * event.event_direction >= 0
        and event.relevance >= cfg.min_relevance
        and event.novelty >= cfg.min_novelty
    )


def _cooling(marks: tuple[AlertMark, ...], t: float, level: int, cooldown_s: float) -> bool:
    """An alert of the same or higher level within `cooldown_s` of `t`, before or after it."""
    return any(abs(t - at) < cooldown_s and kept >= level for at, kept in marks)


def _marked(marks: tuple[AlertMark, ...], mark: AlertMark, kept: int) -> tuple[AlertMark, ...]:
    merged = sorted((*marks, mark))
    while len(merged) > kept:
        merged.remove(max(merged, key=lambda m: abs(m[0] - mark[0])))
    return tuple(merged)


def _drivers(event: StateEvent, recent: tuple[Story, ...], window_s: float) -> tuple[Story, ...]:
    """The alerting story, then the kept stories from `window_s` before it up to it, newest first."""
    start = event.t - window_s
    story = Story.of(event)  # the kept id, which `recent` holds (a long id is cut the same way)
    return (story, *(s for s in recent if s.news_id != story.news_id and start <= s.t <= event.t))
