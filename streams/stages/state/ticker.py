"""The full per-ticker state, pure: `apply(state, event, cfg)` folds one scored story in,
`read(state, cfg)` gives the signal values. The Faust agent only decodes, calls and re-assigns.

What is arrival-order independent (up to float rounding) and what is not:
- independent: the fast and slow decayed sums, the per-session sums and the linear window,
  `n_events`, the driver stories, duplicate detection (while `recent_ids` holds every id);
- path dependent: the z-score baseline. It takes one sample per session change: when the first
  story of a session newer than any seen arrives, the fast score as it stood just before is
  folded in (Welford). A late story for an older session updates the sums but never rewrites
  the baseline, so a replay in the same order gives the same z-scores, another order may not.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import NamedTuple

from streams.settings import StateSettings
from streams.stages.state.decay import Decayed, update

__all__ = [
    "StateEvent",
    "Story",
    "IdChunk",
    "SignalValues",
    "TickerState",
    "apply",
    "read",
    "read_at",
    "session_index",
    "STATE_VERSION",
]

STATE_VERSION = 1

# (session ordinal, sum of w*s, sum of w) for one session; kept sorted by session, oldest first.
SessionSums = tuple[int, float, float]


@dataclass(frozen=True, slots=True)
class StateEvent:
    """One scored story for one ticker. `t` is `published_at` as UTC epoch seconds; `session`
    is the exchange session the story acts on."""

    news_id: str
    ticker: str
    t: float
    session: date
    phase: str
    score: float
    confidence: float
    weight: float = 1.0
    headline: str = ""

    def __post_init__(self) -> None:
        # One NaN or inf would poison the sums for good; the sum is non-finite iff a term is.
        total = self.t + self.score + self.confidence + self.weight
        if not math.isfinite(total) or self.weight < 0:
            raise ValueError(
                f"story {self.news_id!r} for {self.ticker!r}: t, score, confidence and weight "
                f"must be finite and weight >= 0 (got t={self.t}, score={self.score}, "
                f"confidence={self.confidence}, weight={self.weight})"
            )


class Story(NamedTuple):
    """A story kept to explain alerts (the headlines that drove it)."""

    news_id: str
    headline: str
    score: float
    t: float


@dataclass(frozen=True, slots=True)
class SignalValues:
    """The signal fields of DESIGN's TickerSignal that come from the state.

    `exposure` and `buzz` are the fast (intraday) half-life's `N` and `B`.
    """

    score_fast: float
    score_slow: float
    exposure: float
    buzz: float
    zscore: float
    linear_window_score: float
    n_events: int


class IdChunk(frozenset[str]):
    """A sealed chunk of story ids: a frozenset (O(1) duplicate checks) that also keeps its ids
    sorted, the changelog's deterministic form, computed once when sealed rather than on every
    table write."""

    __slots__ = ("ordered",)
    ordered: tuple[str, ...]

    def __new__(cls, ids: Iterable[str]) -> IdChunk:
        chunk = super().__new__(cls, ids)
        chunk.ordered = tuple(sorted(chunk))
        return chunk


@dataclass(frozen=True, slots=True)
class TickerState:
    """Everything kept per ticker. Build the empty state with `TickerState()`.

    `sessions`: per-session sums, oldest first, only sessions within the linear window of the
    newest one (`sessions[-1]`, the newest session seen). `base_*`: Welford count, mean and sum
    of squared deviations of the session-closing fast score. `recent_ids` (newest, open chunk,
    arrival order) and `id_chunks` (sealed chunks, oldest first): at least the last
    `cfg.recent_ids` applied story ids; sealed as `IdChunk`s so the duplicate check stays O(1)
    and each event copies one small chunk, not all ids. `negatives` / `positives`: the most
    recent (by story time, then id) stories with score < 0 / > 0, newest first.
    `last_negative_alert_at` / `last_positive_alert_at`: event time of the last alert of each
    direction (the cooldown clocks).
    `window_older`: derived, not serialized; see `_older_sums`.
    """

    fast: Decayed = Decayed()
    slow: Decayed = Decayed()
    sessions: tuple[SessionSums, ...] = ()
    base_n: int = 0
    base_mean: float = 0.0
    base_m2: float = 0.0
    n_events: int = 0
    recent_ids: tuple[str, ...] = ()
    id_chunks: tuple[IdChunk, ...] = ()
    negatives: tuple[Story, ...] = ()
    positives: tuple[Story, ...] = ()
    last_negative_alert_at: float | None = None
    last_positive_alert_at: float | None = None
    window_older: tuple[float, float, float, float] | None = field(
        default=None, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        if self.window_older is None:  # built by hand or by from_dict: derive the cache
            object.__setattr__(self, "window_older", _older_sums(self.sessions))

    def seen(self, news_id: str) -> bool:
        """True when `news_id` is among the remembered applied story ids."""
        if news_id in self.recent_ids:
            return True
        for chunk in self.id_chunks:  # a plain loop: cheaper per event than any() over a generator
            if news_id in chunk:
                return True
        return False


def session_index(ordinal: int) -> int:
    """Weekday number of a date ordinal: consecutive weekdays get consecutive numbers.

    The linear window counts sessions as weekdays (exchange holidays count as sessions without
    news; a weekend date maps to the following Monday). Ordinal 1 (0001-01-01) is a Monday.
    """
    weeks, day = divmod(ordinal - 1, 7)
    return 5 * weeks + min(day, 5)


def apply(state: TickerState, event: StateEvent, cfg: StateSettings) -> tuple[TickerState, bool]:
    """Fold `event` into `state`. Returns `(state, False)` unchanged for a redelivered story id.

    Steps: dedupe by id; fold the closing fast score into the baseline if the event opens a new
    session; update both decayed sums; add to the session sums (dropping sessions that fall out
    of the window); remember the id and, if it is among the newest, the story as a driver.
    """
    if state.seen(event.news_id):
        return state, False
    ws = event.weight * event.score
    base_n, base_mean, base_m2 = state.base_n, state.base_mean, state.base_m2
    sessions = state.sessions
    day = event.session.toordinal()
    newest = sessions[-1][0] if sessions else None
    window_older = state.window_older
    if newest is None or day > newest:
        if newest is not None:
            x = state.fast.score
            base_n += 1
            delta = x - base_mean
            base_mean += delta / base_n
            base_m2 += delta * (x - base_mean)
        sessions = _trim((*sessions, (day, ws, event.weight)), cfg.linear_window_sessions)
        window_older = _older_sums(sessions)
    elif day == newest:
        _, sum_ws, sum_w = sessions[-1]
        sessions = (*sessions[:-1], (day, sum_ws + ws, sum_w + event.weight))
    elif session_index(newest) - session_index(day) < cfg.linear_window_sessions:
        sessions = _add_older(sessions, day, ws, event.weight)
        window_older = _older_sums(sessions)
    recent_ids, id_chunks = _remember(state.recent_ids, state.id_chunks, event.news_id, cfg)
    negatives, positives = state.negatives, state.positives
    if event.score < 0.0:
        negatives = _keep_newest(negatives, event, cfg.driver_stories)
    elif event.score > 0.0:
        positives = _keep_newest(positives, event, cfg.driver_stories)
    new = TickerState(
        update(state.fast, event.t, event.score, event.weight, cfg.fast_half_life_s),
        update(state.slow, event.t, event.score, event.weight, cfg.slow_half_life_s),
        sessions,
        base_n,
        base_mean,
        base_m2,
        state.n_events + 1,
        recent_ids,
        id_chunks,
        negatives,
        positives,
        state.last_negative_alert_at,
        state.last_positive_alert_at,
        window_older,
    )
    return new, True


def read(state: TickerState, cfg: StateSettings) -> SignalValues:
    """The signal values of `state` as of its latest story.

    `zscore = (score_fast - mean) / sqrt(sample variance)` of the baseline once it holds at
    least `max(2, zscore_min_sessions)` sessions and the variance is > 0; else 0.0.
    `linear_window_score`: mean of the per-session mean scores (sum w*s / sum w) weighted
    `n - k` for a session `k` weekday-sessions older than the newest (`n` =
    `linear_window_sessions`: newest weight n, oldest kept weight 1); 0.0 without sessions.
    """
    fast = state.fast
    zscore = 0.0
    if state.base_n >= max(2, cfg.zscore_min_sessions):
        var = state.base_m2 / (state.base_n - 1)
        if var > 0.0:
            zscore = (fast.score - state.base_mean) / math.sqrt(var)
    return SignalValues(
        score_fast=fast.score,
        score_slow=state.slow.score,
        exposure=fast.exposure,
        buzz=fast.buzz,
        zscore=zscore,
        linear_window_score=_window_score(state, cfg.linear_window_sessions),
        n_events=state.n_events,
    )


def read_at(state: TickerState, t: float, cfg: StateSettings) -> SignalValues:
    """The signal values of `state` as of time `t` (epoch seconds), no story having come since.

    The decayed sums are carried from the latest story to `t`: `exposure` and `buzz` decay by
    `2 ** (-(t - T) / fast_half_life_s)`; the scores (`N / D` ratios, per-session means and the
    z-score of the fast score) do not change with time alone. Raises ValueError when `t` is
    before the latest story: those values would use a story from after `t` (look-ahead).
    """
    values = read(state, cfg)
    latest = state.fast.T
    if latest is None:
        return values
    if t < latest:
        raise ValueError(f"read_at({t}) is before the state's latest story at {latest}")
    f = 2.0 ** (-(t - latest) / cfg.fast_half_life_s)
    return replace(values, exposure=values.exposure * f, buzz=values.buzz * f)


def _window_score(state: TickerState, n: int) -> float:
    """Weighted mean of session means, weight `n - k` (`k` sessions older than the newest).

    With the older sessions' sums `S0 = sum m`, `S1 = sum k*m`, `C0 = count`, `C1 = sum k`
    cached, this is `(n*S0 - S1 + n*m_newest) / (n*C0 - C1 + n)`: O(1) per event.
    """
    if not state.sessions:
        return 0.0
    s0, s1, c0, c1 = state.window_older or (0.0, 0.0, 0.0, 0.0)
    num, den = n * s0 - s1, n * c0 - c1
    _, sum_ws, sum_w = state.sessions[-1]
    if sum_w > 0.0:  # a session of zero-weight stories has no mean
        num += n * (sum_ws / sum_w)
        den += n
    return num / den if den > 0.0 else 0.0


def _older_sums(sessions: tuple[SessionSums, ...]) -> tuple[float, float, float, float]:
    """`(sum m, sum k*m, count, sum k)` over all but the newest session, `m` its mean score and
    `k` its distance in sessions from the newest. Recomputed from scratch (not maintained by
    subtraction) whenever those sessions change, so it carries no order-dependent drift."""
    if len(sessions) < 2:
        return 0.0, 0.0, 0.0, 0.0
    newest = session_index(sessions[-1][0])
    s0 = s1 = c0 = c1 = 0.0
    for day, sum_ws, sum_w in sessions[:-1]:
        if sum_w > 0.0:
            k = newest - session_index(day)
            m = sum_ws / sum_w
            s0 += m
            s1 += k * m
            c0 += 1.0
            c1 += k
    return s0, s1, c0, c1


def _remember(
    open_ids: tuple[str, ...], chunks: tuple[IdChunk, ...], news_id: str, cfg: StateSettings
) -> tuple[tuple[str, ...], tuple[IdChunk, ...]]:
    """Append `news_id`; seal the open chunk when full, dropping the oldest sealed chunk when
    the others still hold `cfg.recent_ids` ids."""
    size = max(1, cfg.recent_ids // _CHUNKS)
    open_ids = (*open_ids, news_id)
    if len(open_ids) < size:
        return open_ids, chunks
    chunks = (*chunks, IdChunk(open_ids))
    if (len(chunks) - 1) * size >= cfg.recent_ids:
        chunks = chunks[1:]
    return (), chunks


_CHUNKS = 8  # sealed chunks per cfg.recent_ids: the bound overshoots by at most one chunk


def _trim(sessions: tuple[SessionSums, ...], n: int) -> tuple[SessionSums, ...]:
    """Drop the sessions n or more weekday-sessions older than the newest."""
    cutoff = session_index(sessions[-1][0]) - n
    drop = 0
    while session_index(sessions[drop][0]) <= cutoff:
        drop += 1
    return sessions[drop:] if drop else sessions


def _add_older(
    sessions: tuple[SessionSums, ...], day: int, ws: float, w: float
) -> tuple[SessionSums, ...]:
    i = bisect_left(sessions, (day,))
    if i < len(sessions) and sessions[i][0] == day:
        _, sum_ws, sum_w = sessions[i]
        return (*sessions[:i], (day, sum_ws + ws, sum_w + w), *sessions[i + 1 :])
    return (*sessions[:i], (day, ws, w), *sessions[i:])


def _keep_newest(stories: tuple[Story, ...], event: StateEvent, k: int) -> tuple[Story, ...]:
    """Insert the event's story into `stories` (newest first by (t, id)), keeping at most k."""
    key = (event.t, event.news_id)
    i = 0
    while i < len(stories) and (stories[i].t, stories[i].news_id) > key:
        i += 1
    if i >= k:
        return stories
    story = Story(event.news_id, event.headline, event.score, event.t)
    return (*stories[:i], story, *stories[i : k - 1])
