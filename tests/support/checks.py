"""Exactly-once checks on what a worker wrote: dead letters against the bad messages sent, and
the per-ticker state against the pure reference."""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterable, Mapping

from schemas import DeadLetter, ScoredNews, TickerSignal
from schemas.errors import Reason
from streams.settings import StateSettings
from streams.stages.ingest import MAX_ORIGINAL_BYTES
from streams.stages.state import SignalValues
from streams.stages.state.fold import state_event
from support.hostile import Bad
from support.reference import reference_final

__all__ = [
    "RawOffset",
    "assert_close",
    "dedupe_dead_letters",
    "assert_dead_lettered",
    "first_copies",
    "assert_state_exact",
]

RawOffset = tuple[str, int, int]  # (topic, partition, offset) of a raw message


def assert_close(got: TickerSignal, want: SignalValues) -> None:
    """`got` carries the reference's values (to 1e-9, relative) and the same event count."""
    for name in ("score_fast", "score_slow", "exposure", "buzz", "zscore", "linear_window_score"):
        g, w = getattr(got, name), getattr(want, name)
        if g is None or w is None:  # zscore: None until the baseline exists
            assert g is w is None, (got.ticker, got.news_id, name, g, w)
            continue
        assert abs(g - w) <= 1e-9 * max(1.0, abs(w)), (got.ticker, got.news_id, name, g, w)
    assert got.n_events == want.n_events, (got.ticker, got.n_events, want.n_events)


def dedupe_dead_letters(letters: Iterable[DeadLetter]) -> tuple[dict[RawOffset, DeadLetter], int]:
    """Dead letters keyed by the raw message they stand for, as consumers de-duplicate them (a
    worker killed between publishing a dead letter and committing its offset publishes it
    again), and how many repeats were dropped. Repeats must be the same dead letter."""
    first: dict[RawOffset, DeadLetter] = {}
    repeats = 0
    for letter in letters:
        origin = (letter.topic, letter.partition, letter.offset)
        if origin in first:
            repeats += 1
            seen = first[origin]
            assert (letter.reason, letter.original, letter.key) == (seen.reason, seen.original, seen.key), origin
        else:
            first[origin] = letter
    return first, repeats


def _key_bytes(letter: DeadLetter) -> bytes | None:
    if letter.key is None:
        return None
    return base64.b64decode(letter.key) if letter.key_encoding == "base64" else letter.key.encode("utf-8")


def assert_dead_lettered(letters: Mapping[RawOffset, DeadLetter], expected: Mapping[RawOffset, Bad]) -> Counter[str]:
    """Exactly the bad messages sent are dead-lettered, each once, with its reason, message,
    original bytes (the first MAX_ORIGINAL_BYTES of a larger one) and key. Returns the count
    per reason."""
    assert letters.keys() == expected.keys(), (
        f"{len(expected.keys() - letters.keys())} bad messages without a dead letter, "
        f"{len(letters.keys() - expected.keys())} dead letters for messages that were not bad"
    )
    for origin, letter in letters.items():
        bad = expected[origin]
        assert letter.reason != Reason.INTERNAL and letter.message, (origin, letter.reason, letter.message)
        if bad.reason is not None:
            assert letter.reason == bad.reason, (origin, bad.breaker, letter.reason, bad.reason, letter.message)
        assert letter.original_bytes() == (bad.value or b"")[:MAX_ORIGINAL_BYTES], (origin, bad.breaker)
        assert _key_bytes(letter) == bad.key, (origin, bad.breaker)
    return Counter(letter.reason for letter in letters.values())


def first_copies(scored: Iterable[ScoredNews]) -> tuple[list[ScoredNews], int]:
    """The first copy of each (story, ticker) in topic order, the one the state stage applies,
    and how many repeats (a score stage killed mid-batch scores it again) there were. A repeat
    must carry the same score: the model is batch-invariant. (Its novelty may differ: a repeat
    that comes after its ticker's chains dropped the first copy is judged afresh, and the state
    stage never applies it.)"""
    first: dict[tuple[str, str], ScoredNews] = {}
    repeats = 0
    for story in scored:
        key = (story.id, story.ticker)
        if key in first:
            repeats += 1
            assert (story.score, story.confidence) == (first[key].score, first[key].confidence), key
        else:
            first[key] = story
    return list(first.values()), repeats


def assert_state_exact(
    scored: list[ScoredNews], signals: Iterable[TickerSignal], stories_per_ticker: Counter[str]
) -> None:
    """Each ticker's last signal equals the pure reference over `scored` (distinct, in the order
    the state stage read them), and its event count is the number of distinct stories naming
    it: none lost, none counted twice."""
    last: dict[str, TickerSignal] = {}
    for signal in signals:  # topic order per ticker = processing order
        last[signal.ticker] = signal
    final = reference_final([state_event(story) for story in scored], StateSettings())
    assert last.keys() == final.keys() == stories_per_ticker.keys()
    for ticker, values in final.items():
        assert_close(last[ticker], values)
        assert last[ticker].n_events == stories_per_ticker[ticker], ticker
