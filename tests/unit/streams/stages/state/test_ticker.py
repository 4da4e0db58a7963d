"""Per-ticker state: linear window, z-score baseline, dedupe, drivers, serialization."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import orjson
import pytest

from streams.settings import StateSettings
from streams.stages.state.codec import from_dict, to_dict
from streams.stages.state.ticker import (
    SignalValues,
    StateEvent,
    Story,
    TickerState,
    apply,
    read,
    session_index,
)

MON = date(2024, 1, 8)  # a Monday
DAY = 86400.0


def ev(
    news_id: str,
    session: date,
    score: float,
    t: float | None = None,
    w: float = 1.0,
    headline: str = "",
) -> StateEvent:
    t = (session - MON).days * DAY + 14 * 3600.0 if t is None else t
    return StateEvent(news_id, "ACME", t, session, "regular", score, 0.9, w, headline)


def run(events: list[StateEvent], cfg: StateSettings) -> TickerState:
    state = TickerState()
    for e in events:
        state, _ = apply(state, e, cfg)
    return state


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (MON, MON),
        (MON, MON + timedelta(days=4)),  # Mon -> Fri
        (MON + timedelta(days=4), MON + timedelta(days=7)),  # Fri -> next Mon: 1 session
        (date(2023, 12, 29), date(2024, 1, 2)),  # across a year end
        (date(1999, 3, 3), date(2031, 7, 16)),
    ],
)
def test_session_index_counts_weekdays_like_numpy(a: date, b: date) -> None:
    assert session_index(b.toordinal()) - session_index(a.toordinal()) == np.busday_count(a, b)


D = [MON + timedelta(days=i) for i in range(10)]  # D[0] Mon .. D[4] Fri, D[7] Mon, D[9] Wed


@pytest.mark.parametrize(
    ("n", "stories", "expected"),
    [
        # stories: (session, score, weight) in arrival order; n: linear_window_sessions
        pytest.param(3, [], 0.0, id="empty"),
        pytest.param(3, [(D[0], 0.3, 1.0)], 0.3, id="one-session"),
        pytest.param(
            3,
            [(D[0], 0.3, 1.0), (D[1], -0.6, 1.0), (D[1], 0.0, 2.0), (D[2], 0.5, 1.0)],
            (3 * 0.5 + 2 * -0.2 + 1 * 0.3) / 6,  # Tue mean (-0.6 + 0) / 3 = -0.2
            id="weights-3-2-1",
        ),
        pytest.param(
            3,
            [(D[0], 0.3, 1.0), (D[1], -0.2, 1.0), (D[2], 0.5, 1.0), (D[3], 0.1, 1.0)],
            (3 * 0.1 + 2 * 0.5 + 1 * -0.2) / 6,  # Mon is 3 sessions old: out
            id="oldest-drops",
        ),
        pytest.param(
            3, [(D[4], 0.4, 1.0), (D[7], 0.1, 1.0)], (3 * 0.1 + 2 * 0.4) / 5, id="weekend-is-no-gap"
        ),
        pytest.param(
            2, [(D[7], 0.4, 1.0), (D[9], 0.1, 1.0)], 0.1, id="gap-session-counts"
        ),
        pytest.param(
            3,
            [(D[2], 0.5, 1.0), (D[0], 0.3, 1.0), (D[1], -0.2, 1.0)],
            (3 * 0.5 + 2 * -0.2 + 1 * 0.3) / 6,
            id="late-within-window",
        ),
        pytest.param(2, [(D[2], 0.5, 1.0), (D[0], -1.0, 1.0)], 0.5, id="late-outside-window"),
        pytest.param(
            3, [(D[0], 0.3, 1.0), (D[1], -0.9, 0.0)], 0.3, id="zero-weight-session-no-mean"
        ),
        pytest.param(
            90, [(D[0], -0.3, 1.0), (D[1], 0.2, 1.0)], (90 * 0.2 + 89 * -0.3) / 179, id="n90"
        ),
    ],
)
def test_linear_window(n: int, stories: list[tuple[date, float, float]], expected: float) -> None:
    cfg = StateSettings(linear_window_sessions=n)
    events = [ev(f"s{i}", s, score, w=w) for i, (s, score, w) in enumerate(stories)]
    assert read(run(events, cfg), cfg).linear_window_score == pytest.approx(expected, rel=1e-12)


def test_late_story_outside_window_still_counts_in_sums() -> None:
    cfg = StateSettings(linear_window_sessions=2)
    state = run([ev("a", D[2], 0.5), ev("b", D[0], -1.0)], cfg)
    assert [s[0] for s in state.sessions] == [D[2].toordinal()]
    assert (state.n_events, state.slow.B > 1.0) == (2, True)


# Fast half-life 1 s and stories a day apart: the fast score is exactly the last story's score.
ZCFG = StateSettings(fast_half_life_s=1.0, zscore_min_sessions=3, zscore_min_std=0.01)


@pytest.mark.parametrize(
    ("stories", "expected_z"),
    [
        # stories: (session, score) in arrival order; baseline: mean scores of the older sessions
        pytest.param([(D[0], 0.1), (D[1], 0.3), (D[2], 0.2)], None, id="below-min-sessions"),
        pytest.param(
            [(D[0], 0.1), (D[1], 0.3), (D[2], 0.2), (D[3], -0.3)],
            (-0.3 - 0.2) / 0.1,  # baseline 0.1, 0.3, 0.2: mean 0.2, sample sd 0.1
            id="z-minus-5",
        ),
        pytest.param(
            [(D[0], 0.1), (D[1], 0.1), (D[2], 0.1), (D[3], -0.3)], (-0.3 - 0.1) / 0.01, id="sd-floored"
        ),
        pytest.param(
            [(D[0], 0.1), (D[0], 0.5), (D[1], 0.3), (D[2], 0.2), (D[3], -0.3)],
            # day 0's mean is (0.1 + 0.5) / 2: baseline 0.3, 0.3, 0.2
            (-0.3 - 0.8 / 3) / math.sqrt(((0.3 - 0.8 / 3) ** 2 * 2 + (0.2 - 0.8 / 3) ** 2) / 2),
            id="session-means",
        ),
        pytest.param(
            [(D[0], 0.1), (D[1], 0.3), (D[3], -0.3), (D[2], 0.2)],
            (-0.3 - 0.2) / 0.1,  # a late story for an older session joins the baseline
            id="late-story-joins-baseline",
        ),
    ],
)
def test_zscore(stories: list[tuple[date, float]], expected_z: float | None) -> None:
    events = [
        ev(f"s{i}", s, score, t=(s - MON).days * DAY + 1000.0 * i)  # 2**-1000: gone
        for i, (s, score) in enumerate(stories)
    ]
    z = read(run(events, ZCFG), ZCFG).zscore
    if expected_z is None:
        assert z is None
    else:
        assert z == pytest.approx(expected_z, rel=1e-9)


def test_zscore_baseline_is_the_last_zscore_sessions() -> None:
    cfg = StateSettings(fast_half_life_s=1.0, zscore_sessions=2, zscore_min_sessions=2, zscore_min_std=0.01)
    # D[0] at 5.0 is three sessions back: outside a two-session baseline of 0.1 and 0.3.
    events = [ev(f"s{i}", s, score, t=(s - MON).days * DAY) for i, (s, score) in enumerate(
        [(D[0], 5.0), (D[1], 0.1), (D[2], 0.3), (D[3], -0.8)])]
    expected = (-0.8 - 0.2) / math.sqrt(((0.1 - 0.2) ** 2 + (0.3 - 0.2) ** 2) / 1)
    assert read(run(events, cfg), cfg).zscore == pytest.approx(expected, rel=1e-9)


def test_read_is_the_same_in_any_arrival_order() -> None:
    cfg = StateSettings(zscore_min_sessions=2)
    events = [ev(f"s{i}", D[i % 4], ((-1) ** i) * 0.1 * (i % 5), t=(D[i % 4] - MON).days * DAY + 60.0 * i) for i in range(20)]
    forward, backward = read(run(events, cfg), cfg), read(run(events[::-1], cfg), cfg)
    assert forward.zscore is not None and backward.zscore is not None
    assert backward.zscore == pytest.approx(forward.zscore, rel=1e-9)
    assert backward.score_fast == pytest.approx(forward.score_fast, rel=1e-9)
    assert backward.linear_window_score == pytest.approx(forward.linear_window_score, rel=1e-9)
    assert backward.as_of == forward.as_of


def test_read_maps_fields() -> None:
    cfg = StateSettings()
    state = run([ev("a", D[0], -0.6, t=0.0), ev("b", D[0], 0.2, t=3600.0, w=3.0)], cfg)
    # fast (1 h): N = -0.3 + 0.6, D = 0.5 + 3, B = 0.5 + 1
    expected_fast = (-0.3 + 0.6) / 3.5
    values = read(state, cfg)
    assert values.score_fast == pytest.approx(expected_fast, rel=1e-12)
    assert values.exposure == pytest.approx(0.3, rel=1e-12)
    assert values.buzz == pytest.approx(1.5, rel=1e-12)
    slow_d = 2 ** (-1 / 72)
    assert values.score_slow == pytest.approx((-0.6 * slow_d + 0.6) / (slow_d + 3), rel=1e-12)
    assert (values.n_events, values.zscore, values.as_of) == (2, None, 3600.0)


def test_empty_state_reads_zero() -> None:
    assert read(TickerState(), StateSettings()) == SignalValues(0.0, 0.0, 0.0, 0.0, None, 0.0, 0, 0.0)


def test_redelivered_story_returns_the_same_state() -> None:
    cfg = StateSettings()
    state, applied = apply(TickerState(), ev("a", D[0], -0.6), cfg)
    again, applied_again = apply(state, ev("a", D[0], -0.6), cfg)
    assert (applied, applied_again, again is state) == (True, False, True)


def test_recent_ids_bounded_and_keeps_the_last_ones() -> None:
    cfg = StateSettings(recent_ids=16)  # chunks of 2
    state = run([ev(f"s{i}", D[0], 0.1, t=float(i)) for i in range(100)], cfg)
    remembered = {i for i in range(100) if state.seen(f"s{i}")}
    assert set(range(84, 100)) <= remembered
    assert len(remembered) <= 16 + 1
    _, applied = apply(state, ev("s0", D[0], 0.1, t=0.0), cfg)
    assert applied  # forgotten: a redelivery this old is counted again (documented bound)


def test_recent_ids_are_also_bounded_by_event_time() -> None:
    cfg = StateSettings(recent_ids=16, recent_ids_s=3500.0)  # chunks of 2
    state = run([ev(f"s{i}", D[0], 0.1, t=600.0 * i) for i in range(8)], cfg)  # 0 .. 4200 s
    assert state.seen("s7") and state.seen("s6")
    # s0, s1 (0, 600 s): their chunk's newest story is over 3500 s behind the newest (4200 s).
    assert not state.seen("s0") and not state.seen("s1")
    assert state.seen("s2")  # 1200 s: its chunk's newest story (1800 s) is within 3500 s


def test_ids_are_remembered_by_a_fixed_size_key() -> None:
    hostile = "x" * 100_000
    state = run([ev(hostile, D[0], 0.1)], StateSettings())
    assert state.seen(hostile) and not state.seen(hostile[:-1])
    assert all(len(key) == 8 for key in state.recent_ids)


def test_a_weight_below_the_minimum_counts_as_zero() -> None:
    cfg = StateSettings()
    tiny = ev("a", D[0], -1.5, t=0.0, w=1e-320)
    assert tiny.weight == 0.0
    state = run([tiny, ev("b", D[0], 0.2, t=1.0, w=5e-324)], cfg)
    values = read(state, cfg)
    assert (values.score_fast, values.score_slow, values.n_events) == (0.0, 0.0, 2)
    assert values.buzz > 1.9


def test_drivers_newest_first_bounded_by_story_time() -> None:
    cfg = StateSettings(driver_stories=2)
    events = [
        ev("n1", D[0], -0.5, t=10.0, headline="h1"),
        ev("p1", D[0], 0.3, t=11.0, headline="p"),
        ev("n3", D[0], -0.7, t=30.0, headline="h3"),
        ev("n2", D[0], -0.9, t=20.0, headline="h2"),  # late: slots in by time
        ev("z", D[0], 0.0, t=40.0),  # neutral: neither list
    ]
    state = run(events, cfg)
    assert state.negatives == (Story("n3", "h3", -0.7, 30.0), Story("n2", "h2", -0.9, 20.0))
    assert state.positives == (Story("p1", "p", 0.3, 11.0),)
    assert state.negatives[0].event_type == "other" and state.negatives[0].novelty == 1.0


@pytest.mark.parametrize(
    "bad",
    [
        {"score": math.nan},
        {"t": math.inf},
        {"confidence": -math.inf},
        {"weight": -1.0},
        {"relevance": math.nan},
        {"novelty": math.inf},
    ],
)
def test_state_event_rejects_non_finite_and_negative_weight(bad: dict) -> None:
    fields = {"news_id": "a", "ticker": "X", "t": 0.0, "session": D[0], "phase": "regular",
              "score": 0.1, "confidence": 0.5, **bad}
    with pytest.raises(ValueError, match="finite"):
        StateEvent(**fields)


def test_to_dict_round_trips_through_orjson_exactly() -> None:
    cfg = StateSettings(recent_ids=8, linear_window_sessions=3)
    events = [
        # awkward floats on purpose: thirds, tiny offsets, weights 0.1*k
        ev(f"s{i}", D[i % 5], (-1) ** i * 0.1 * (i % 7) + 1e-17 * i, t=1.7e9 + i * 1234.567 / 3,
           w=0.1 * (i % 4))
        for i in range(30)
    ]
    state = replace(run(events, cfg), negative_alerts=((1.7e9 + 1 / 3, 2),), positive_alerts=((1.7e9, 1),))
    data = orjson.loads(orjson.dumps(to_dict(state)))
    back = from_dict(data)
    assert back == state
    assert back.window_older == state.window_older
    assert to_dict(back) == to_dict(state)


def test_from_dict_rejects_another_version() -> None:
    data = to_dict(TickerState())
    with pytest.raises(ValueError, match="version"):
        from_dict({**data, "v": 1})
