"""`read_at`: the state's values at a later time, with no story in between."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from streams.settings import StateSettings
from streams.stages.state.ticker import StateEvent, TickerState, apply, read, read_at

CFG = StateSettings()
DAY = date(2024, 1, 8)


def _state() -> TickerState:
    state = TickerState()
    for i, (t, score) in enumerate([(0.0, 0.4), (1800.0, -0.9), (3600.0, 0.2)]):
        state, _ = apply(state, StateEvent(f"n{i}", "ACME", t, DAY, "regular", score, 0.8), CFG)
    return state


def test_at_the_latest_story_it_is_read() -> None:
    state = _state()
    assert read_at(state, 3600.0, CFG) == read(state, CFG)


def test_exposure_and_buzz_decay_with_the_fast_half_life_and_scores_stay() -> None:
    state = _state()
    now, later = read(state, CFG), read_at(state, 3600.0 + 2 * CFG.fast_half_life_s, CFG)
    assert later.exposure == pytest.approx(now.exposure / 4)
    assert later.buzz == pytest.approx(now.buzz / 4)
    assert later.as_of == 3600.0 + 2 * CFG.fast_half_life_s
    assert replace(later, exposure=now.exposure, buzz=now.buzz, as_of=now.as_of) == now


def test_it_equals_the_state_after_a_zero_weight_story_at_that_time() -> None:
    # A weight-0 story adds nothing but moves the state's clock: the decayed sums at its time.
    state = _state()
    t = 3600.0 + 5000.0
    moved, _ = apply(state, StateEvent("tick", "ACME", t, DAY, "regular", 0.0, 0.0, weight=0.0), CFG)
    at = read_at(state, t, CFG)
    assert at.exposure == pytest.approx(moved.fast.exposure, rel=1e-12)
    assert at.buzz == pytest.approx(moved.fast.buzz - 1.0, rel=1e-12)  # B counts the tick itself


def test_a_time_before_the_latest_story_is_refused() -> None:
    with pytest.raises(ValueError, match="before the state's latest story"):
        read_at(_state(), 3599.0, CFG)


def test_the_empty_state_reads_zero_at_any_time() -> None:
    assert read_at(TickerState(), 1e9, CFG) == read(TickerState(), CFG)
