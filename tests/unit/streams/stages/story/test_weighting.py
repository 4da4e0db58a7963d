"""The event-aware score and the effective weight: DESIGN.md "Story intelligence" worked by hand
for the default settings (min strength 0.5, unknown magnitude 0.5, confidence floor 0.5,
earnings scale 10%, penalty 3)."""

from __future__ import annotations

import pytest

from streams.settings import StorySettings
from streams.stages.story import Event, EventType, effective_weight, event_score

CFG = StorySettings()


def test_an_earnings_beat_of_25_percent_at_confidence_0_8() -> None:
    # m = min(1, 25/10) = 1; size = (0.5 + 0.5*1) * (0.5 + 0.5*0.8) = 0.9; s_raw = +0.45
    beat = Event(EventType.EARNINGS, 1, 25.0, "beat")
    assert event_score(-0.4, 0.8, beat, CFG, 3.0) == pytest.approx(0.45)


def test_an_earnings_miss_of_5_percent_at_confidence_0_6() -> None:
    # m = 0.5; size = 0.75 * 0.8 = 0.6; s_raw = -0.3; score = 3 * -0.3 = -0.9
    miss = Event(EventType.EARNINGS, -1, -5.0, "miss")
    assert event_score(0.2, 0.6, miss, CFG, 3.0) == pytest.approx(-0.9)


def test_a_dividend_raise_has_no_scale_so_its_magnitude_counts_as_unknown() -> None:
    # m = 0.5; size = 0.75 * (0.5 + 0.5*0.2) = 0.45; s_raw = 0.225
    raised = Event(EventType.DIVIDEND, 1, None, "raised")
    assert event_score(0.0, 0.2, raised, CFG, 3.0) == pytest.approx(0.225)


def test_without_a_directed_event_the_classifier_score_stands() -> None:
    assert event_score(-0.7, 0.9, None, CFG, 3.0) == -0.7
    assert event_score(-0.7, 0.9, Event(EventType.TRADING_HALT, 0), CFG, 3.0) == -0.7


def test_effective_weight() -> None:
    assert effective_weight(2.0, 0.5, 0.4, CFG) == pytest.approx(0.4)
    no_novelty = CFG.model_copy(update={"novelty_power": 0.0})
    assert effective_weight(1.0, 0.5, 0.16, no_novelty) == pytest.approx(0.5)
