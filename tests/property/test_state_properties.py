"""Invariants of the per-ticker state, against a deliberately naive implementation.

Arrival-order independent (checked here): the fast/slow decayed sums, the per-session sums and
linear window, the z-score, n_events, driver stories, remembered ids. And a batch's signals and
alerts do not depend on the order of its records (the state stage sorts them).
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import Phase, ScoredNews, dumps
from streams.settings import AlertSettings, StateSettings
from streams.stages.state import (
    StateEvent,
    TickerState,
    apply,
    from_dict,
    read,
    to_dict,
)
from streams.stages.state.alerts import step
from streams.stages.state.fold import fold_batch
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


def naive_zscore(events: list[StateEvent], score_fast: float, cfg: StateSettings) -> float | None:
    """(score_fast - mean) / max(sd, floor) over the weighted mean scores of the sessions before
    the newest, at most min(zscore_sessions, window - 1) business days back; None below the
    minimum count."""
    by_session: dict[date, list[StateEvent]] = defaultdict(list)
    for e in events:
        by_session[e.session].append(e)
    newest = max(by_session)
    span = min(cfg.zscore_sessions, cfg.linear_window_sessions - 1)
    means = []
    for session, group in by_session.items():
        total_w = sum(e.weight for e in group)
        if session != newest and total_w > 0 and int(np.busday_count(session, newest)) <= span:
            means.append(sum(e.weight * e.score for e in group) / total_w)
    if len(means) < max(2, cfg.zscore_min_sessions):
        return None
    sd = float(np.std(means, ddof=1))
    return (score_fast - float(np.mean(means))) / max(sd, cfg.zscore_min_std)


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
    za, zb = read(a, CFG).zscore, read(b, CFG).zscore
    assert (za is None) == (zb is None)
    if za is not None and zb is not None:  # session means up to rounding, over a floored spread
        assert abs(za - zb) <= 1e-6 * max(1.0, abs(za))
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
        z = naive_zscore(group, values.score_fast, CFG)
        assert (values.zscore is None) == (z is None)
        if values.zscore is not None and z is not None:
            assert abs(values.zscore - z) <= 1e-6 * max(1.0, abs(z))
        assert values.n_events == len(group)


def test_reference_signals_one_per_applied_story() -> None:
    e1 = StateEvent("a", "AAA", T0, EPOCH, "regular", -0.9, 0.9)
    e2 = StateEvent("b", "AAA", T0 + 3600.0, EPOCH, "regular", 0.1, 0.9)
    out = reference_signals([e1, e2, e1], CFG)
    assert [e.news_id for e, _ in out] == ["a", "b"]
    assert [v.n_events for _, v in out] == [1, 2]
    assert out[1][1].score_fast == pytest.approx((-0.9 * 0.5 + 0.1) / 1.5, rel=1e-12)


def _encoded(event: StateEvent) -> bytes:
    return dumps(
        ScoredNews(
            id=event.news_id,
            ticker=event.ticker,
            published_at_utc=datetime.fromtimestamp(event.t, tz=UTC),
            session=event.session,
            phase=Phase.REGULAR,
            score=event.score,
            confidence=event.confidence,
            n_sentences=1,
            weight=event.weight,
            headline=event.headline,
            source="test",
            model="m",
            ingested_at=datetime.fromtimestamp(T0, tz=UTC),
        )
    )


@settings(max_examples=100, deadline=None)
@given(events=story_lists(), data=st.data())
def test_a_batch_gives_the_same_signals_and_alerts_in_any_order(events: list[StateEvent], data: st.DataObject) -> None:
    shuffled = data.draw(st.permutations(events))
    alert_cfg = AlertSettings(story_threshold=-0.8, min_confidence=0.5)  # alerts common enough to compare

    def fold(batch: list[StateEvent]) -> tuple[list[tuple[bytes, bytes]], list[bytes]]:
        later = datetime(2100, 1, 1, tzinfo=UTC)
        out = fold_batch([_encoded(e) for e in batch], lambda key: TickerState(), CFG, alert_cfg, later)
        return out.signals, [value for _, value in out.alerts]

    assert fold(events) == fold(shuffled)


@settings(max_examples=100, deadline=None)
@given(events=story_lists(), data=st.data())
def test_time_ordered_input_gives_the_same_alerts_however_it_is_batched(events: list[StateEvent], data: st.DataObject) -> None:
    # Replays of the same time-ordered input: batch boundaries (timing) must not matter. Ordered
    # as the state stage orders (published_at as the record carries it, microseconds, then id):
    # two float times within a microsecond are one time there, and the id decides.
    ordered = sorted(events, key=lambda e: (datetime.fromtimestamp(e.t, tz=UTC), e.news_id))
    alert_cfg = AlertSettings(story_threshold=-0.8, min_confidence=0.5)
    later = datetime(2100, 1, 1, tzinfo=UTC)

    def fold(sizes: list[int]) -> tuple[list[tuple[bytes, bytes]], list[bytes]]:
        states: dict[bytes, TickerState] = {}
        signals, alerts, start = [], [], 0
        for size in [*sizes, len(ordered)]:
            batch = ordered[start : start + size]
            start += size
            out = fold_batch([_encoded(e) for e in batch], lambda key: states.get(key, TickerState()), CFG, alert_cfg, later)
            states.update(out.states)
            signals += out.signals
            alerts += [value for _, value in out.alerts]
        return signals, alerts

    sizes = data.draw(st.lists(st.integers(1, 5), max_size=10))
    assert fold(sizes) == fold([])


def test_a_story_from_the_future_does_not_silence_the_ticker() -> None:
    # One story a year ahead got through (a replay of a file with it); five strongly negative
    # current stories arrive after it: late by a year, still judged by the story rule.
    alert_cfg = AlertSettings()
    state = TickerState()
    state = step(
        state, StateEvent("future", "AAA", T0 + 365 * 86400.0, EPOCH + timedelta(days=365), "regular", 0.2, 0.9), CFG, alert_cfg
    ).state
    raised = []
    for i in range(5):
        result = step(state, StateEvent(f"bad{i}", "AAA", T0 + 7200.0 * i, EPOCH, "regular", -1.45, 0.97), CFG, alert_cfg)
        state = result.state
        raised += [result.alert] if result.alert is not None else []
    assert raised and raised[0].news_id == "bad0"
