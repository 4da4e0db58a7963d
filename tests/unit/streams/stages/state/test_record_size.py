"""A ticker's changelog record stays under 16 KiB with the default settings, whatever the feed
sends: the largest record the state can hold is built here by folding hostile stories in."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import orjson
import pytest

from streams.settings import AlertSettings, StateSettings
from streams.stages.state.codec import from_dict, to_dict
from streams.stages.state.ticker import StateEvent, TickerState, apply, driver_id, id_key

RECORD_LIMIT = 16 * 1024
# Strings whose JSON is as long as it gets per character: a control character takes 6 bytes, an
# astral-plane character 4.
HOSTILE_IDS = ("\x01" * 256, "\U0001f4a5" * 256, '"' * 256)
HOSTILE_HEADLINE = "\x01\U0001f4a5\"" * 333


def worst_state(cfg: StateSettings, hostile_id: str) -> TickerState:
    """Every session of the linear window with news, the most ids the count bound keeps, full
    driver lists of hostile stories, every alert mark used, and long float reprs everywhere."""
    state = TickerState()
    first = date(2026, 1, 5)
    n = 0
    days = cfg.linear_window_sessions * 7 // 5 + 7  # calendar days spanning the window
    for k in range(days):
        day = first + timedelta(days=k)
        if day.weekday() >= 5:
            continue
        # The last week carries more stories than the count bound keeps.
        for j in range(8 if k < days - 7 else 150):
            n += 1
            t = 1_767_600_000.123457 + k * 86_400 + j * 60 + n * 1e-3
            score = (-1) ** j * (0.123456789012345 + n * 1e-9)
            state, _ = apply(
                state,
                StateEvent(f"{hostile_id}{n:08d}", "AAPL", t, day, "regular", score, 0.987654321, 0.123456789,
                           HOSTILE_HEADLINE, "regulatory_rejection", -1, 0.876543219, 0.333333337),
                cfg,
            )
    marks = tuple((1_767_600_000.123457 + i * 3_600.000001, 2) for i in range(AlertSettings().cooldown_marks))
    longest = -1.2345678901234567e-05  # a float whose shortest repr is as long as any
    sessions = tuple((day, longest, -longest) for day, _, _ in state.sessions)
    return dataclasses.replace(state, sessions=sessions, negative_alerts=marks, positive_alerts=marks, window_older=None)


@pytest.mark.parametrize("hostile_id", HOSTILE_IDS, ids=["control", "astral", "quote"])
def test_the_largest_record_stays_under_16_kib(hostile_id: str) -> None:
    cfg = StateSettings()
    state = worst_state(cfg, hostile_id)
    kept_ids = len(state.recent_ids) + sum(len(chunk) for chunk in state.id_chunks)
    assert kept_ids >= cfg.recent_ids  # the count bound is what limits the ids here
    assert len(state.sessions) == cfg.linear_window_sessions
    assert len(state.negatives) == len(state.positives) == StateSettings().driver_stories
    record = orjson.dumps(to_dict(state))
    assert len(record) <= RECORD_LIMIT, len(record)
    assert from_dict(orjson.loads(record)) == state


def test_a_long_id_is_cut_with_its_key_and_a_short_one_is_kept() -> None:
    assert driver_id("benzinga-123") == "benzinga-123"
    long_id = "x" * 200
    cut = driver_id(long_id)
    assert cut == "x" * (128 - len(orjson.dumps("\u2026" + id_key(long_id))) + 2) + "\u2026" + id_key(long_id)
    assert len(orjson.dumps(cut)) - 2 <= 128
    # Two ids sharing the kept prefix stay apart.
    assert driver_id("x" * 199 + "y") != cut


def test_a_headline_is_cut_at_a_character_not_inside_one() -> None:
    state, _ = apply(
        TickerState(),
        StateEvent("a", "AAPL", 1.0, date(2026, 1, 5), "regular", -0.5, 0.9, headline="\U0001f4a5" * 100),
        StateSettings(),
    )
    assert state.negatives[0].headline == "\U0001f4a5" * 50  # 4 bytes each: 50 fill the 200-byte budget
