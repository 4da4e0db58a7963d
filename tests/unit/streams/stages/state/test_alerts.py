"""Alert policy: the gate, the story and z rules, the severity table, the two-way cooldown with
escalation, the drivers' window and the deterministic alert id (DESIGN.md "Alert")."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, timedelta

import pytest

from streams.settings import AlertSettings, StateSettings
from streams.stages.state.alerts import (
    AlertReason,
    Direction,
    Severity,
    alert_id,
    evaluate_alert,
    severity,
    step,
)
from streams.stages.state.decay import Decayed
from streams.stages.state.ticker import SignalValues, StateEvent, TickerState

# Explicit values, so these tests do not move with the defaults.
CFG = AlertSettings(
    story_threshold=-1.0,
    min_confidence=0.8,
    min_relevance=0.6,
    min_novelty=0.5,
    zscore_k=3.0,
    zscore_critical_k=6.0,
    cooldown_s=900.0,
    driver_window_s=7200.0,
)
SCFG = StateSettings()
W, C = Severity.WARNING, Severity.CRITICAL
STORY, Z = AlertReason.STORY_SCORE, AlertReason.ZSCORE
SESSION = date(2024, 1, 8)


def ev(news_id: str, t: float, score: float, confidence: float = 0.9, **fields: object) -> StateEvent:
    event = StateEvent(news_id, "ACME", t, SESSION, "regular", score, confidence, 1.0, f"headline {news_id}")
    return replace(event, **fields)  # type: ignore[arg-type]


def values(zscore: float | None) -> SignalValues:
    return SignalValues(0.0, 0.0, 0.0, 0.0, zscore, 0.0, 1, 0.0)


def decide(event: StateEvent, zscore: float | None = None, cfg: AlertSettings = CFG) -> tuple[Severity, AlertReason] | None:
    decision = evaluate_alert(TickerState(), TickerState(), event, values(zscore), cfg)
    return None if decision is None else (decision.severity, decision.reason)


@pytest.mark.parametrize(
    ("score", "confidence", "expected"),
    [
        (-1.0, 0.8, (W, STORY)),  # both limits inclusive
        (-0.99, 0.99, None),
        (-1.4, 0.79, None),  # confidence gate
        (-1.5, 0.99, (W, STORY)),  # a strong score alone is not critical (no critical_threshold)
        (0.5, 1.0, None),  # positive alerts off by default
    ],
)
def test_story_rule(score: float, confidence: float, expected: tuple[Severity, AlertReason] | None) -> None:
    assert decide(ev("a", 0.0, score, confidence)) == expected


@pytest.mark.parametrize(
    "fields",
    [
        {"relevance": 0.59},  # below min_relevance
        {"novelty": 0.4},  # a repeat of a chain
        {"headline": "Stocks That Hit 52-Week Lows On Thursday"},  # list pieces never alert...
        {"headline": "Mid-Day Market Update: Acme Falls"},  # ... whatever their relevance
        {"event_direction": 1, "event_type": "earnings"},  # a beat never raises a negative alert
    ],
)
def test_gate_stops_a_strongly_negative_story(fields: dict[str, object]) -> None:
    assert decide(ev("a", 0.0, -1.5, 0.99)) == (W, STORY)
    assert decide(ev("a", 0.0, -1.5, 0.99, **fields)) is None


def test_gate_limits_are_inclusive() -> None:
    assert decide(ev("a", 0.0, -1.5, 0.99, relevance=0.6, novelty=0.5)) == (W, STORY)


# (before, after) states whose fast score the story lowered (0.2 -> -0.05) or raised.
LOWER = (TickerState(fast=Decayed(0.2, 1.0, 1.0, 0.0)), TickerState(fast=Decayed(-0.1, 2.0, 2.0, 1.0)))
RAISE = (TickerState(fast=Decayed(-0.4, 1.0, 1.0, 0.0)), TickerState(fast=Decayed(-0.3, 2.0, 2.0, 1.0)))


@pytest.mark.parametrize(
    ("states", "zscore", "score", "expected"),
    [
        (LOWER, -3.0, -0.3, (W, Z)),  # inclusive
        (LOWER, -2.99, -0.3, None),
        (LOWER, -6.0, -0.3, (C, Z)),  # an extreme move is critical
        (LOWER, -6.0, 0.1, None),  # the story itself must be negative
        (RAISE, -8.0, -0.1, None),  # a story that did not lower the fast score did not drive it
        (LOWER, None, -0.3, None),  # no baseline yet
        (LOWER, -3.5, -1.2, (W, STORY)),  # both rules: the story rule names it
        (LOWER, -6.5, -1.2, (C, STORY)),  # ... and the severity is the higher one
    ],
)
def test_zscore_rule(
    states: tuple[TickerState, TickerState], zscore: float | None, score: float, expected: tuple[Severity, AlertReason] | None
) -> None:
    before, after = states
    decision = evaluate_alert(before, after, ev("a", 1.0, score), values(zscore), CFG)
    assert (None if decision is None else (decision.severity, decision.reason)) == expected


def test_a_late_story_is_judged_by_the_story_rule_only() -> None:
    before, after = TickerState(fast=Decayed(0.2, 1.0, 1.0, 5000.0)), TickerState(fast=Decayed(-0.1, 2.0, 2.0, 5000.0))
    # Its z-score would be the newest state's, which holds stories after it.
    assert evaluate_alert(before, after, ev("late", 1000.0, -0.3), values(-9.0), CFG) is None
    decision = evaluate_alert(before, after, ev("late", 1000.0, -1.2), values(-9.0), CFG)
    assert decision is not None and (decision.severity, decision.reason) == (W, STORY)


def _h(event_type: str, direction: int, headline: str) -> dict[str, object]:
    return {"event_type": event_type, "event_direction": direction, "headline": headline}


@pytest.mark.parametrize(
    ("fields", "zscore", "expected"),
    [
        (_h("bankruptcy", -1, "Acme Files For Chapter 11"), None, C),
        (_h("guidance", -1, "Acme Lowers FY24 Guidance"), None, C),  # a cut
        (_h("guidance", -1, "Acme Cuts Sales Outlook Again"), None, C),
        (_h("guidance", -1, "Acme Sees FY24 EPS $1 vs $1.10 Est"), None, W),  # merely below the estimate
        (_h("guidance", -1, "Acme Shares Trading Lower After Guidance Below Estimates"), None, W),
        (_h("guidance", -1, "Piper Presents Lower Income Spending Outlook"), None, W),
        (_h("regulatory", -1, "FDA Rejects Acme's Drug Application"), None, C),
        (_h("regulatory", -1, "Acme Receives Complete Response Letter From FDA"), None, C),
        (_h("regulatory", -1, "FDA Re-Examines Safety Of Acme Drug"), None, W),  # bad, not a rejection
        (_h("legal", -1, "SEC Charges Acme With Accounting Fraud"), None, C),
        (_h("legal", -1, "Acme CFO Indicted"), None, C),
        (_h("legal", -1, "Class Action Lawsuit Filed Against Acme"), None, W),
        (_h("legal", -1, "Bank Of Acme Sued Over Overdraft Charges"), None, W),
        (_h("legal", -1, "Acme Faces Lawsuit Over Fraud Protection Fees"), None, W),
        (_h("trading_halt", 0, "SEC Suspends Trading In Acme Shares"), None, C),
        (_h("trading_halt", 0, "Acme Shares Halted, News Pending"), None, W),
        (_h("trading_halt", 0, "Acme Halted On Circuit Breaker"), None, W),  # volatility, not news
        (_h("earnings", -1, "Acme Q3 EPS $0.10 Misses $0.12 Estimate"), None, W),
        (_h("analyst_rating", -1, "Goldman Downgrades Acme To Sell"), None, W),
        ({"event_type": "other"}, -5.99, W),
        ({"event_type": "other"}, -6.0, C),  # an extreme move
    ],
)
def test_severity_table(fields: dict[str, object], zscore: float | None, expected: Severity) -> None:
    assert severity(ev("a", 0.0, -1.2, **fields), zscore, -1, CFG) is expected


def test_critical_threshold_when_set() -> None:
    cfg = CFG.model_copy(update={"critical_threshold": -1.4, "critical_confidence": 0.95})
    assert severity(ev("a", 0.0, -1.45, 0.96), None, -1, cfg) is C
    assert severity(ev("a", 0.0, -1.45, 0.94), None, -1, cfg) is W
    assert severity(ev("a", 0.0, -1.35, 0.99), None, -1, cfg) is W


def _run(events: list[StateEvent], cfg: AlertSettings = CFG) -> list[tuple[str, Severity]]:
    state, raised = TickerState(), []
    for event in events:
        result = step(state, event, SCFG, cfg)
        state = result.state
        if result.alert is not None:
            raised.append((result.alert.news_id, result.alert.severity))
    return raised


def test_cooldown_looks_both_ways_in_event_time() -> None:
    bad = {"score": -1.2}
    assert _run([ev("a", 1000.0, **bad), ev("b", 1899.0, **bad), ev("c", 1900.0, **bad)]) == [("a", W), ("c", W)]
    # A late story within the cooldown before an alert is quiet; one a cooldown earlier is not.
    assert _run([ev("a", 1000.0, **bad), ev("late", 101.0, **bad), ev("older", 100.0, **bad)]) == [("a", W), ("older", W)]


def test_newest_first_keeps_one_alert_per_burst_like_time_order() -> None:
    burst = [ev(f"s{i}", 1000.0 + 300 * i, -1.2) for i in range(3)]  # 0, 300, 600 s apart
    assert len(_run(burst)) == len(_run(burst[::-1])) == 1


def test_a_warning_can_escalate_to_critical_within_the_cooldown() -> None:
    warning, critical = {"score": -1.2}, {"score": -1.2, "event_type": "bankruptcy", "event_direction": -1}
    events = [ev("w", 0.0, **warning), ev("c", 60.0, **critical), ev("c2", 120.0, **critical), ev("w2", 180.0, **warning)]
    assert _run(events) == [("w", W), ("c", C)]


def test_cooldown_is_per_direction() -> None:
    cfg = CFG.model_copy(update={"positive": True})
    events = [ev("n", 0.0, -1.2), ev("p", 10.0, 0.45), ev("n2", 20.0, -1.2)]
    assert [news_id for news_id, _ in _run(events, cfg)] == ["n", "p"]


def test_positive_rule_mirrors_when_enabled() -> None:
    cfg = CFG.model_copy(update={"positive": True})
    assert decide(ev("a", 0.0, 0.4), cfg=cfg) == (W, STORY)
    assert decide(ev("a", 0.0, 0.49, 0.95), cfg=cfg) == (C, STORY)
    assert decide(ev("a", 0.0, 0.39), cfg=cfg) is None
    assert decide(ev("a", 0.0, 0.45, event_direction=-1), cfg=cfg) is None  # bad news never alerts up


def test_drivers_are_the_alerting_story_then_its_window_newest_first() -> None:
    hour = 3600.0
    state = TickerState()
    for news_id, t, score in [("old", 0.0, -0.5), ("in1", 2 * hour, -0.4), ("pos", 2.5 * hour, 0.3), ("in2", 2.9 * hour, -0.2)]:
        state = step(state, ev(news_id, t, score), SCFG, CFG).state
    result = step(state, ev("trigger", 3 * hour, -1.2), SCFG, CFG)
    assert result.alert is not None
    # "old" is 3 h before: outside the 2 h window; "pos" is of the other direction.
    assert [s.news_id for s in result.alert.drivers] == ["trigger", "in2", "in1"]
    assert result.alert.drivers[0].relevance == 1.0 and result.alert.drivers[0].event_type == "other"


def test_a_late_alert_lists_no_story_from_after_it() -> None:
    state = TickerState()
    for news_id, t in [("before", 1000.0), ("after", 9000.0)]:
        state = step(state, ev(news_id, t, -0.3), SCFG, CFG).state
    result = step(state, ev("late", 5000.0, -1.2), SCFG, CFG)
    assert result.alert is not None
    assert [s.news_id for s in result.alert.drivers] == ["late", "before"]


def test_alert_id_is_a_hash_of_ticker_story_and_rule() -> None:
    expected = hashlib.blake2b(b"ACME\x1fbz-1\x1fstory_score", digest_size=16).hexdigest()
    assert alert_id("ACME", "bz-1", "story_score") == expected
    others = {alert_id("ACME", "bz-1", "zscore"), alert_id("ACMF", "bz-1", "story_score")}
    others.add(alert_id("ACME", "bz-2", "story_score"))
    assert expected not in others and len(others) == 3
    decision = step(TickerState(), ev("bz-1", 0.0, -1.2), SCFG, CFG).alert
    assert decision is not None and decision.alert_id == expected


def test_step_skips_a_redelivered_story() -> None:
    first = step(TickerState(), ev("a", 0.0, -1.2), SCFG, CFG)
    again = step(first.state, ev("a", 0.0, -1.2), SCFG, CFG)
    assert again.values is None and again.alert is None and again.state is first.state


def test_flat_sessions_then_a_mildly_positive_story_raise_nothing() -> None:
    # Identical session means have no spread: the floor keeps z finite, and a story that is not
    # negative never alerts anyway. Monday to Friday, then the next Monday.
    state = TickerState()
    for day in range(5):
        state = step(state, ev(f"s{day}", day * 86400.0, 0.2, session=SESSION + timedelta(days=day)), SCFG, CFG).state
    result = step(state, ev("up", 7 * 86400.0, 0.05, session=SESSION + timedelta(days=7)), SCFG, CFG)
    assert result.values is not None
    # The fast score is the new story's (the others are days of half-lives old).
    assert result.values.zscore == pytest.approx((0.05 - 0.2) / SCFG.zscore_min_std, abs=1e-9)
    assert result.alert is None


def test_direction_enum_is_the_wire_one() -> None:
    decision = step(TickerState(), ev("a", 0.0, -1.2), SCFG, CFG).alert
    assert decision is not None and decision.direction is Direction.NEGATIVE


@pytest.mark.parametrize(
    ("fields", "raised"),
    [
        (_h("bankruptcy", -1, "Acme Files For Bankruptcy"), True),
        (_h("regulatory", -1, "FDA Rejects Acme Drug"), True),
        (_h("guidance", -1, "Acme Cuts Outlook"), True),
        (_h("legal", -1, "Acme Indicted For Fraud"), True),
        (_h("legal", -1, "Acme Faces Patent Lawsuit"), False),
        (_h("earnings", -1, "Acme Misses"), False),
        ({**_h("bankruptcy", -1, "Acme Files For Bankruptcy"), "relevance": 0.3}, False),  # the gate still holds
        ({**_h("bankruptcy", -1, "Acme Files For Bankruptcy"), "weight": 0.0}, False),  # a muted source
    ],
)
def test_a_severe_event_alerts_whatever_the_models_confidence(fields: dict[str, object], raised: bool) -> None:
    # The classifier was unsure (confidence 0.1, score -0.56): the event itself is the evidence.
    expected = (C, AlertReason.EVENT) if raised else None
    assert decide(ev("a", 0.0, -0.56, 0.1, **fields)) == expected


@pytest.mark.parametrize("marks", [1, 16])
def test_newest_first_keeps_the_cooldown_however_many_alerts(marks: int) -> None:
    # 144 strongly negative stories 10 minutes apart, cooldown 1 h: one alert per hour either way.
    cfg = CFG.model_copy(update={"cooldown_s": 3600.0, "cooldown_marks": marks})
    stories = [ev(f"s{i}", 600.0 * i, -1.4) for i in range(144)]
    forward, backward = _run(stories, cfg), _run(stories[::-1], cfg)
    assert len(forward) == 24
    assert abs(len(backward) - len(forward)) <= 1


def test_a_weight_of_zero_never_alerts() -> None:
    assert decide(ev("a", 0.0, -1.5, 0.99, weight=0.0)) is None
