"""The full per-ticker state, pure: `apply(state, event, cfg)` folds one scored story in,
`read(state, cfg)` gives the signal values. The Faust agent only decodes, calls and re-assigns.

Every value `read` gives is a function of the set of stories applied, not of their arrival
order (up to float rounding): the fast and slow decayed sums, the per-session sums, the linear
window, the z-score (its baseline is the per-session mean scores of the `zscore_sessions`
sessions before the newest one), `n_events` and the driver stories. A redelivered story is
dropped while its id is remembered (`_remember`: bounded by count and by event time). The alert
rules on top of these values are in `streams.stages.state.alerts`.
"""

from __future__ import annotations

import base64
import hashlib
import math
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import NamedTuple

import orjson

from streams.settings import StateSettings
from streams.stages.state.decay import Decayed, update

__all__ = [
    "StateEvent",
    "Story",
    "IdChunk",
    "SignalValues",
    "TickerState",
    "apply",
    "driver_id",
    "id_key",
    "read",
    "read_at",
    "session_index",
    "MIN_WEIGHT",
    "STATE_VERSION",
]

STATE_VERSION = 3

# Effective weights below this count as 0: a subnormal weight (a long novelty chain, a tiny
# relevance power) would make `N / D` a ratio of rounding errors, outside the scores' range.
MIN_WEIGHT = 1e-9
# What a driver story keeps of its headline and id, in bytes of their JSON form: with these,
# the default settings' largest changelog record stays under 16 KiB whatever the feed sends
# (tests/unit/streams/stages/state/test_record_size.py builds that record).
HEADLINE_BYTES = 200
ID_BYTES = 128

# (session ordinal, sum of w*s, sum of w) for one session; kept sorted by session, oldest first.
SessionSums = tuple[int, float, float]
# (event time, severity level) of one raised alert; level 1 warning, 2 critical.
AlertMark = tuple[float, int]


@dataclass(frozen=True, slots=True)
class StateEvent:
    """One scored story for one ticker. `t` is `published_at` as UTC epoch seconds; `session`
    is the exchange session the story acts on; `event_type`, `event_direction`, `relevance` and
    `novelty` are what the story stage found.
    A weight below `MIN_WEIGHT` is stored as exactly 0 (the story counts in `buzz`, not in the
    scores)."""

    news_id: str
    ticker: str
    t: float
    session: date
    phase: str
    score: float
    confidence: float
    weight: float = 1.0
    headline: str = ""
    event_type: str = "other"
    event_direction: int = 0
    relevance: float = 1.0
    novelty: float = 1.0

    def __post_init__(self) -> None:
        # One NaN or inf would poison the sums for good; the sum is non-finite iff a term is.
        total = self.t + self.score + self.confidence + self.weight + self.relevance + self.novelty
        if not math.isfinite(total) or self.weight < 0:
            raise ValueError(
                f"story {self.news_id!r} for {self.ticker!r}: t, score, confidence, weight, relevance and "
                f"novelty must be finite and weight >= 0 (got t={self.t}, score={self.score}, "
                f"confidence={self.confidence}, weight={self.weight}, relevance={self.relevance}, "
                f"novelty={self.novelty})"
            )
        if self.weight < MIN_WEIGHT:
            object.__setattr__(self, "weight", 0.0)


class Story(NamedTuple):
    """A story kept to explain alerts (the stories that drove it)."""

    news_id: str
    headline: str
    score: float
    t: float
    event_type: str = "other"
    relevance: float = 1.0
    novelty: float = 1.0

    @classmethod
    def of(cls, event: StateEvent) -> Story:
        return cls(
            driver_id(event.news_id),
            _fit(event.headline, HEADLINE_BYTES),
            event.score,
            event.t,
            event.event_type,
            event.relevance,
            event.novelty,
        )


@dataclass(frozen=True, slots=True)
class SignalValues:
    """The signal fields of DESIGN's TickerSignal that come from the state.

    `as_of`: the state time (the newest story's time, epoch seconds). `exposure` and `buzz` are
    the fast (intraday) half-life's `N` and `B`. `zscore` is None until the baseline exists.
    """

    score_fast: float
    score_slow: float
    exposure: float
    buzz: float
    zscore: float | None
    linear_window_score: float
    n_events: int
    as_of: float


class IdChunk(frozenset[str]):
    """A sealed chunk of story id keys: a frozenset (O(1) duplicate checks) that also keeps its
    keys sorted (the changelog's deterministic form) and the newest story time among them (for
    the time bound), both computed once when sealed."""

    __slots__ = ("newest_t", "ordered")
    ordered: tuple[str, ...]
    newest_t: float

    def __new__(cls, ids: Iterable[str], newest_t: float) -> IdChunk:
        chunk = super().__new__(cls, ids)
        chunk.ordered = tuple(sorted(chunk))
        chunk.newest_t = newest_t
        return chunk


def driver_id(news_id: str) -> str:
    """The id a driver story keeps: `news_id` itself when its JSON form fits `ID_BYTES`, else
    its longest prefix that fits with "…" and its `id_key` after it (so two long ids that share
    the prefix stay apart, and the same id is always cut the same way)."""
    if _json_bytes(news_id) <= ID_BYTES:
        return news_id
    tail = "\u2026" + id_key(news_id)
    return _fit(news_id, ID_BYTES - _json_bytes(tail)) + tail


def _json_bytes(text: str) -> int:
    """Bytes of `text` as a JSON string, without its quotes (escapes included)."""
    return len(orjson.dumps(text)) - 2


def _fit(text: str, budget: int) -> str:
    """The longest prefix of `text` whose JSON form takes at most `budget` bytes."""
    if _json_bytes(text) <= budget:
        return text
    lo, hi = 0, min(len(text), budget)  # every character takes at least one byte
    while lo < hi:  # the longest prefix that fits: bisect on its length
        mid = (lo + hi + 1) // 2
        if _json_bytes(text[:mid]) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo]


def id_key(news_id: str) -> str:
    """The key a story id is remembered by: 48 bits of BLAKE2b in URL-safe base64 (8
    characters), whatever the id looks like. Among the at most 575 keys a ticker remembers, a
    new id matches one by chance with probability ~2e-12."""
    digest = hashlib.blake2b(news_id.encode("utf-8", "surrogatepass"), digest_size=6).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


@dataclass(frozen=True, slots=True)
class TickerState:
    """Everything kept per ticker. Build the empty state with `TickerState()`.

    `sessions`: per-session sums, oldest first, only sessions within the linear window of the
    newest one (`sessions[-1]`). `recent_ids` (the open chunk, arrival order; its newest story
    time `recent_t`) and `id_chunks` (sealed chunks, oldest first): the `id_key`s of recently
    applied stories (`_remember`). `negatives` / `positives`: the most recent (by story time,
    then id) stories with score < 0 / > 0, newest first. `negative_alerts` / `positive_alerts`:
    `(event time, level)` of the latest alerts of each direction, oldest first (the cooldown).
    `window_older` and `baseline`: derived from `sessions`, not serialized (`_older_sums`;
    `_baseline`, computed by the first `read` after the older sessions change).
    """

    fast: Decayed = Decayed()
    slow: Decayed = Decayed()
    sessions: tuple[SessionSums, ...] = ()
    n_events: int = 0
    recent_ids: tuple[str, ...] = ()
    recent_t: float | None = None
    id_chunks: tuple[IdChunk, ...] = ()
    negatives: tuple[Story, ...] = ()
    positives: tuple[Story, ...] = ()
    negative_alerts: tuple[AlertMark, ...] = ()
    positive_alerts: tuple[AlertMark, ...] = ()
    window_older: tuple[float, float, float, float] | None = field(default=None, compare=False, repr=False)
    baseline: tuple[int, float, float] | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.window_older is None:  # built by hand or by from_dict: derive the cache
            object.__setattr__(self, "window_older", _older_sums(self.sessions))

    def seen(self, news_id: str) -> bool:
        """True when `news_id` is among the remembered applied story ids."""
        return _seen(self, id_key(news_id))


def _seen(state: TickerState, key: str) -> bool:
    if key in state.recent_ids:
        return True
    for chunk in state.id_chunks:  # a plain loop: cheaper per event than any() over a generator
        if key in chunk:
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

    Steps: dedupe by id key; update both decayed sums; add to the session sums (dropping the
    sessions that fall out of the window of the newest); re-derive the window and z-score caches
    when a session other than the newest changed; remember the id; keep the story as a driver
    if it is among the newest of its sign.
    """
    key = id_key(event.news_id)
    if _seen(state, key):
        return state, False
    ws = event.weight * event.score
    sessions = state.sessions
    day = event.session.toordinal()
    newest = sessions[-1][0] if sessions else None
    window_older, baseline = state.window_older, state.baseline
    older_changed = True
    if newest is None or day > newest:
        sessions = _trim((*sessions, (day, ws, event.weight)), cfg.linear_window_sessions)
    elif day == newest:
        _, sum_ws, sum_w = sessions[-1]
        sessions = (*sessions[:-1], (day, sum_ws + ws, sum_w + event.weight))
        older_changed = False
    elif session_index(newest) - session_index(day) < cfg.linear_window_sessions:
        sessions = _add_older(sessions, day, ws, event.weight)
    else:
        older_changed = False  # older than the window: counts in the decayed sums only
    if older_changed:
        window_older, baseline = _older_sums(sessions), None  # the baseline: derived when read
    latest = event.t if state.fast.T is None else max(state.fast.T, event.t)
    recent_ids, recent_t, id_chunks = _remember(state, key, event.t, latest, cfg)
    negatives, positives = state.negatives, state.positives
    if event.score < 0.0:
        negatives = _keep_newest(negatives, event, cfg.driver_stories)
    elif event.score > 0.0:
        positives = _keep_newest(positives, event, cfg.driver_stories)
    new = TickerState(
        update(state.fast, event.t, event.score, event.weight, cfg.fast_half_life_s),
        update(state.slow, event.t, event.score, event.weight, cfg.slow_half_life_s),
        sessions,
        state.n_events + 1,
        recent_ids,
        recent_t,
        id_chunks,
        negatives,
        positives,
        state.negative_alerts,
        state.positive_alerts,
        window_older,
        baseline,
    )
    return new, True


def read(state: TickerState, cfg: StateSettings) -> SignalValues:
    """The signal values of `state` as of its latest story.

    `zscore = (score_fast - mean) / max(std, zscore_min_std)`, where `mean` and `std` (sample)
    are over the mean scores (sum w*s / sum w) of the sessions among the `zscore_sessions`
    (at most `linear_window_sessions - 1`) weekday-sessions before the newest one that have weight; None while fewer than
    `max(2, zscore_min_sessions)` such sessions exist.
    `linear_window_score`: mean of the per-session mean scores weighted `n - k` for a session
    `k` weekday-sessions older than the newest (`n` = `linear_window_sessions`: newest weight n,
    oldest kept weight 1); 0.0 without sessions.
    """
    fast = state.fast
    zscore: float | None = None
    if state.baseline is None:  # derived once per change of the older sessions
        span = min(cfg.zscore_sessions, cfg.linear_window_sessions - 1)  # only the window's sessions are kept
        object.__setattr__(state, "baseline", _baseline(state.sessions, span))
    n, mean, std = state.baseline or (0, 0.0, 0.0)
    if n >= max(2, cfg.zscore_min_sessions):
        zscore = (fast.score - mean) / max(std, cfg.zscore_min_std)
    return SignalValues(
        score_fast=fast.score,
        score_slow=state.slow.score,
        exposure=fast.exposure,
        buzz=fast.buzz,
        zscore=zscore,
        linear_window_score=_window_score(state, cfg.linear_window_sessions),
        n_events=state.n_events,
        as_of=0.0 if fast.T is None else fast.T,
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
    return replace(values, exposure=values.exposure * f, buzz=values.buzz * f, as_of=t)


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


def _baseline(sessions: tuple[SessionSums, ...], span: int) -> tuple[int, float, float]:
    """`(count, mean, sample std)` of the mean scores of the sessions with weight among the
    `span` weekday-sessions before the newest; the std is 0.0 below two sessions."""
    if len(sessions) < 2:
        return 0, 0.0, 0.0
    newest = session_index(sessions[-1][0])
    means = [
        sum_ws / sum_w
        for day, sum_ws, sum_w in sessions[:-1]
        if sum_w > 0.0 and newest - session_index(day) <= span
    ]
    n = len(means)
    if n == 0:
        return 0, 0.0, 0.0
    mean = math.fsum(means) / n
    var = math.fsum((m - mean) ** 2 for m in means) / (n - 1) if n > 1 else 0.0
    return n, mean, math.sqrt(var)


def _remember(
    state: TickerState, key: str, t: float, latest: float, cfg: StateSettings
) -> tuple[tuple[str, ...], float | None, tuple[IdChunk, ...]]:
    """Append `key` to the open chunk; seal it when full. Sealed chunks are dropped oldest first
    while the others still hold `cfg.recent_ids` keys (the count bound) or when their newest
    story is more than `cfg.recent_ids_s` older than the ticker's newest story `latest` (the
    time bound). Both bounds act a chunk (`recent_ids / 8` keys) at a time."""
    size = max(1, cfg.recent_ids // _CHUNKS)
    open_ids = (*state.recent_ids, key)
    open_t = t if state.recent_t is None else max(state.recent_t, t)
    chunks = state.id_chunks
    if len(open_ids) >= size:
        chunks = (*chunks, IdChunk(open_ids, open_t))
        open_ids, open_t_out = (), None
    else:
        open_t_out = open_t
    if (len(chunks) - 1) * size >= cfg.recent_ids:
        chunks = chunks[1:]
    horizon = latest - cfg.recent_ids_s
    while chunks and chunks[0].newest_t < horizon:
        chunks = chunks[1:]
    return open_ids, open_t_out, chunks


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
    key = (event.t, driver_id(event.news_id))  # the kept id, as the stored stories are ordered by it
    i = 0
    while i < len(stories) and (stories[i].t, stories[i].news_id) > key:
        i += 1
    if i >= k:
        return stories
    return (*stories[:i], Story.of(event), *stories[i : k - 1])
