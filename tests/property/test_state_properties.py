"""Invariants of the per-ticker state, against a deliberately naive implementation.

Arrival-order independent (checked here): the fast/slow decayed sums, the per-session sums and
linear window, n_events, driver stories, remembered ids. Path dependent (not checked for order;
documented in streams.stages.state.ticker): the z-score baseline, hence `zscore`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from streams.settings import StateSettings
from streams.stages.state import (
    StateEvent,
    TickerState,
    apply,
    from_dict,
    read,
    to_dict,
)
from support.reference import reference_final, reference_signals

CFG = StateSettings(linear_window_sessions=5)  # small window so stories fall out of it
T0 = 1.7e9
EPOCH = date(2023, 11, 14)  # the UTC date of T0


@st.composite
def story_lists(draw: st.DrawFn, max_size: int = 30) -> list[StateEvent]:
    n = draw(st.integers(0, max_size))
    out = []
    for i in range(n):
        offset = draw(st.floats(0.0, 20 * 86400.0, allow_nan=False))
        out.append(
            StateEvent(
                news_id=f"n{i}",
                ticker=draw(st.sampled_from(["AAA", "BBB", "CCC"])),
                t=T0 + offset,
                session=EPOCH + timedelta(days=int(offset // 86400)),
                phase="regular",
                score=draw(st.floats(-1.5, 0.5, allow_nan=False)),
                confidence=draw(st.floats(0.0, 1.0, allow_nan=False)),
                weight=draw(st.sampled_from([0.0, 0.5, 1.0, 2.0])),
                headline=f"h{i}",
            )
        )
    return out


def run(events: list[StateEvent]) -> dict[str, TickerState]:
    states: dict[str, TickerState] = {}
    for e in events:
        states[e.ticker], _ = apply(states.get(e.ticker, TickerState()), e, CFG)
    return states


# --- the naive reference: every quantity straight from its definition -------------------------


def naive_sums(events: list[StateEvent], h: float) -> tuple[float, float, float]:
    """(N, D, B) = sums of w*s*f, w*f, f with f = 2**(-(T - t)/h), T the latest story time."""
    last = max(e.t for e in events)
    fs = [2.0 ** (-(last - e.t) / h) for e in events]
    return (
        math.fsum(e.weight * e.score * f for e, f in zip(events, fs, strict=True)),
        math.fsum(e.weight * f for e, f in zip(events, fs, strict=True)),
        math.fsum(fs),
    )


def naive_window(events: list[StateEvent], n: int) -> float:
    """Per-session weighted means; weight n - (business days from the newest session)."""
    by_session: dict[date, list[StateEvent]] = defaultdict(list)
    for e in events:
        by_session[e.session].append(e)
    newest = max(by_session)
    num = den = 0.0
    for session, group in by_session.items():
        age = int(np.busday_count(session, newest))
        total_w = sum(e.weight for e in group)
        if age < n and total_w > 0:
            num += (n - age) * sum(e.weight * e.score for e in group) / total_w
            den += n - age
    return num / den if den else 0.0


def close(a: float, b: float, scale: float) -> bool:
    """Equal up to rounding relative to `scale`, the magnitude of the terms that were summed."""
    return abs(a - b) <= 1e-9 * max(scale, abs(a), abs(b), 1e-300)


def assert_same_order_free_state(a: TickerState, b: TickerState, scale: float) -> None:
    for da, db in ((a.fast, b.fast), (a.slow, b.slow)):
        assert da.T == db.T
        assert close(da.N, db.N, scale) and close(da.D, db.D, scale) and close(da.B, db.B, scale)
    assert [s[0] for s in a.sessions] == [s[0] for s in b.sessions]
    for (_, ws_a, w_a), (_, ws_b, w_b) in zip(a.sessions, b.sessions, strict=True):
        assert close(ws_a, ws_b, scale) and close(w_a, w_b, scale)
    assert close(read(a, CFG).linear_window_score, read(b, CFG).linear_window_score, 1.5)
    assert (a.n_events, a.negatives, a.positives) == (b.n_events, b.negatives, b.positives)
    ids_a = set(a.recent_ids).union(*a.id_chunks)
    assert ids_a == set(b.recent_ids).union(*b.id_chunks)


def scale_of(events: list[StateEvent]) -> float:
    return sum(abs(e.weight * e.score) + e.weight + 1.0 for e in events)


@settings(max_examples=200, deadline=None)
@given(events=story_lists(), data=st.data())
def test_arrival_order_does_not_matter(events: list[StateEvent], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(events))
    a, b = run(events), run(shuffled)
    assert a.keys() == b.keys()
    for ticker in a:
        group = [e for e in events if e.ticker == ticker]
        assert_same_order_free_state(a[ticker], b[ticker], scale_of(group))


@settings(max_examples=200, deadline=None)
@given(events=story_lists(), data=st.data())
def test_redelivery_changes_nothing(events: list[StateEvent], data: st.DataObject) -> None:
    redelivered = list(events)
    for e in data.draw(st.lists(st.sampled_from(events), max_size=10) if events else st.just([])):
        redelivered.insert(data.draw(st.integers(0, len(redelivered))), e)
    first_seen = list({e.news_id: e for e in redelivered}.values())  # keys keep first position
    assert run(redelivered) == run(first_seen)
    assert reference_signals(redelivered, CFG) == reference_signals(first_seen, CFG)


@settings(max_examples=200, deadline=None)
@given(events=story_lists())
def test_to_dict_round_trip(events: list[StateEvent]) -> None:
    cfg = StateSettings(recent_ids=8, driver_stories=2, linear_window_sessions=5)
    state = TickerState()
    for e in events:
        state, _ = apply(state, e, cfg)
        back = from_dict(orjson.loads(orjson.dumps(to_dict(state))))
        assert back == state
        assert read(back, cfg) == read(state, cfg)


@settings(max_examples=200, deadline=None)
@given(events=story_lists())
def test_reference_matches_the_closed_form(events: list[StateEvent]) -> None:
    final = reference_final(events, CFG)
    assert final.keys() == {e.ticker for e in events}
    for ticker, values in final.items():
        group = [e for e in events if e.ticker == ticker]
        scale = scale_of(group)
        n_fast, d_fast, b_fast = naive_sums(group, CFG.fast_half_life_s)
        n_slow, d_slow, _ = naive_sums(group, CFG.slow_half_life_s)
        assert close(values.exposure, n_fast, scale)
        assert close(values.buzz, b_fast, scale)
        # score = N / D: compare cross-multiplied so a tiny D does not blow up the tolerance
        assert close(values.score_fast * d_fast, n_fast, scale)
        assert close(values.score_slow * d_slow, n_slow, scale)
        window = naive_window(group, CFG.linear_window_sessions)
        assert close(values.linear_window_score, window, 1.5)
        assert values.n_events == len(group)


def test_reference_signals_one_per_applied_story() -> None:
    e1 = StateEvent("a", "AAA", T0, EPOCH, "regular", -0.9, 0.9)
    e2 = StateEvent("b", "AAA", T0 + 3600.0, EPOCH, "regular", 0.1, 0.9)
    out = reference_signals([e1, e2, e1], CFG)
    assert [e.news_id for e, _ in out] == ["a", "b"]
    assert [v.n_events for _, v in out] == [1, 2]
    assert out[1][1].score_fast == pytest.approx((-0.9 * 0.5 + 0.1) / 1.5, rel=1e-12)
