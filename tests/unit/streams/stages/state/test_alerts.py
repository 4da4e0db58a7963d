"""Alert policy: thresholds, confidence gate, z-score rule, severity, cooldown, direction."""

from __future__ import annotations

from datetime import date

import pytest

from streams.settings import AlertSettings, StateSettings
from streams.stages.state.alerts import (
    AlertReason,
    Direction,
    Severity,
    evaluate_alert,
    step,
)
from streams.stages.state.decay import Decayed
from streams.stages.state.ticker import SignalValues, StateEvent, Story, TickerState

CFG = AlertSettings()  # story -0.6 / critical -1.0, confidence 0.6, k 3 / 4.5, cooldown 900 s
SCFG = StateSettings()
W, C = Severity.WARNING, Severity.CRITICAL
STORY, Z = AlertReason.STORY_SCORE, AlertReason.ZSCORE
SESSION = date(2024, 1, 8)


def ev(
    news_id: str, t: float, score: float, confidence: float = 0.9, headline: str = ""
) -> StateEvent:
    return StateEvent(news_id, "ACME", t, SESSION, "regular", score, confidence, 1.0, headline)


def values(zscore: float) -> SignalValues:
    return SignalValues(0.0, 0.0, 0.0, 0.0, zscore, 0.0, 1)


@pytest.mark.parametrize(
    ("score", "confidence", "expected"),
    [
        (-0.6, 0.6, (W, STORY)),  # both limits inclusive
        (-0.59, 0.99, None),
        (-0.9, 0.59, None),  # confidence gate
        (-1.0, 0.6, (C, STORY)),
        (-1.5, 0.99, (C, STORY)),
        (-1.5, 0.1, None),  # the gate holds for critical too
        (0.5, 1.0, None),  # positive alerts off by default
    ],
)
def test_story_rule(score: float, confidence: float, expected: tuple | None) -> None:
    decision = evaluate_alert(
        TickerState(), TickerState(), ev("a", 0.0, score, confidence), values(0.0), CFG
    )
    got = None if decision is None else (decision.severity, decision.reason)
    assert got == expected


# (before, after) states whose fast score the story lowered (0.2 -> -0.05) or raised
LOWER = (
    TickerState(fast=Decayed(0.2, 1.0, 1.0, 0.0)),
    TickerState(fast=Decayed(-0.1, 2.0, 2.0, 1.0)),
)
HIGHER = (LOWER[1], LOWER[0])


@pytest.mark.parametrize(
    ("states", "zscore", "score", "expected"),
    [
        (LOWER, -3.0, -0.1, (W, Z)),
        (LOWER, -2.99, -0.1, None),
        (LOWER, -4.5, -0.1, (C, Z)),
        (HIGHER, -4.6, 0.3, None),  # the story raised the fast score: it drove nothing
        (LOWER, -3.5, -0.7, (W, STORY)),  # equal severity: the story rule names the reason
        (LOWER, -5.0, -0.7, (C, Z)),
        (LOWER, -3.5, -1.2, (C, STORY)),
    ],
)
def test_zscore_rule(states: tuple, zscore: float, score: float, expected: tuple | None) -> None:
    decision = evaluate_alert(*states, ev("a", 1.0, score), values(zscore), CFG)
    got = None if decision is None else (decision.severity, decision.reason)
    assert got == expected


@pytest.mark.parametrize(
    ("score", "zscore", "states", "expected"),
    [
        (0.4, 0.0, LOWER, (W, STORY)),
        (0.48, 0.0, LOWER, (C, STORY)),
        (0.39, 0.0, LOWER, None),
        (0.1, 3.0, HIGHER, (W, Z)),
        (0.1, 4.5, HIGHER, (C, Z)),
        (0.1, 4.5, LOWER, None),
    ],
)
def test_positive_rule_mirrors_when_enabled(
    score: float, zscore: float, states: tuple, expected: tuple | None
) -> None:
    cfg = AlertSettings(positive=True)
    decision = evaluate_alert(*states, ev("a", 1.0, score), values(zscore), cfg)
    got = None if decision is None else (decision.direction, decision.severity, decision.reason)
    assert got == (None if expected is None else (Direction.POSITIVE, *expected))


def alerts_of(events: list[StateEvent], cfg: AlertSettings) -> list[tuple[str, Direction] | None]:
    state, out = TickerState(), []
    for e in events:
        result = step(state, e, SCFG, cfg)
        state = result.state
        out.append(None if result.alert is None else (result.alert.news_id, result.alert.direction))
    return out


def test_cooldown_in_event_time() -> None:
    events = [
        ev("a", 1000.0, -0.8),
        ev("b", 1899.0, -1.2),  # 899 s later, even critical: cooling
        ev("c", 1900.0, -0.8),  # 900 s: alerts again
        ev("d", 1100.0, -0.8),  # late (before the last alert): never
    ]
    neg = Direction.NEGATIVE
    assert alerts_of(events, CFG) == [("a", neg), None, ("c", neg), None]


def test_cooldown_per_direction() -> None:
    events = [ev("a", 0.0, -0.8), ev("b", 10.0, 0.45), ev("c", 20.0, -0.8), ev("d", 30.0, 0.45)]
    cfg = AlertSettings(positive=True)
    assert alerts_of(events, cfg) == [
        ("a", Direction.NEGATIVE),
        ("b", Direction.POSITIVE),
        None,
        None,
    ]


def test_step_stores_the_cooldown_clock_and_skips_duplicates() -> None:
    first = step(TickerState(), ev("a", 500.0, -0.8), SCFG, CFG)
    assert first.state.last_negative_alert_at == 500.0
    again = step(first.state, ev("a", 500.0, -0.8), SCFG, CFG)
    assert (again.values, again.alert, again.state is first.state) == (None, None, True)


def test_drivers_trigger_first_then_recent_negatives() -> None:
    state = TickerState()
    for e in [ev("x", 10.0, -0.3, headline="hx"), ev("y", 20.0, 0.2, headline="hy")]:
        state = step(state, e, SCFG, CFG).state
    alert = step(state, ev("late", 5.0, -0.9, headline="bad"), SCFG, CFG).alert
    assert alert is not None
    assert alert.drivers == (Story("late", "bad", -0.9, 5.0), Story("x", "hx", -0.3, 10.0))
    assert (alert.ticker, alert.at, alert.values.n_events) == ("ACME", 5.0, 3)
