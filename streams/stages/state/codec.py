"""The per-ticker state's changelog form: `to_dict` writes it, `from_dict` reads it back.

The form is versioned (`"v": STATE_VERSION`), and the table name carries the same version
(`ticker-state-v3`): a new layout starts a new table and changelog. Story-id keys (`id_key`,
always 8 characters) are written as one string per chunk, sorted within each sealed chunk, so
equal states give equal records; sessions are written by date ordinal. Compact because the
record's size is bounded (16 KiB with the default settings, whatever the ids look like).
"""

from __future__ import annotations

from typing import Any

from streams.stages.state.decay import Decayed
from streams.stages.state.ticker import STATE_VERSION, IdChunk, Story, TickerState

KEY_CHARS = 8
"""Characters of one `id_key`."""

__all__ = ["from_dict", "to_dict"]


def to_dict(state: TickerState) -> dict[str, Any]:
    """JSON-ready form for the changelog (floats, ints, strings, lists and tuples, None); versioned."""

    def decayed(d: Decayed) -> list[float | None]:
        return [d.N, d.D, d.B, d.T]

    return {
        "v": STATE_VERSION,
        "fast": decayed(state.fast),
        "slow": decayed(state.slow),
        "sessions": [list(s) for s in state.sessions],
        "n_events": state.n_events,
        "ids": {
            "open": "".join(state.recent_ids),
            "open_t": state.recent_t,
            "chunks": [[chunk.newest_t, "".join(chunk.ordered)] for chunk in state.id_chunks],
        },
        "negatives": [list(s) for s in state.negatives],
        "positives": [list(s) for s in state.positives],
        "alerts": {
            "negative": [list(mark) for mark in state.negative_alerts],
            "positive": [list(mark) for mark in state.positive_alerts],
        },
    }


def _keys(joined: str) -> tuple[str, ...]:
    if len(joined) % KEY_CHARS:
        raise ValueError(f"story-id keys of {len(joined)} characters: not a run of {KEY_CHARS}-character keys")
    return tuple(joined[i : i + KEY_CHARS] for i in range(0, len(joined), KEY_CHARS))


def from_dict(data: dict[str, Any]) -> TickerState:
    """Inverse of `to_dict`. Raises ValueError for another state version: the table name
    carries the version, so a mismatch means a table from another release; point the worker
    at a new table (or reset it) and replay."""
    if data.get("v") != STATE_VERSION:
        raise ValueError(f"ticker state version {data.get('v')!r}, expected {STATE_VERSION}")

    def decayed(v: list[Any]) -> Decayed:
        return Decayed(float(v[0]), float(v[1]), float(v[2]), opt(v[3]))

    def stories(rows: list[list[Any]]) -> tuple[Story, ...]:
        return tuple(
            Story(str(i), str(h), float(s), float(t), str(e), float(r), float(n)) for i, h, s, t, e, r, n in rows
        )

    def opt(v: Any) -> float | None:
        return None if v is None else float(v)

    ids, alerts = data["ids"], data["alerts"]
    return TickerState(
        fast=decayed(data["fast"]),
        slow=decayed(data["slow"]),
        sessions=tuple((int(day), float(ws), float(w)) for day, ws, w in data["sessions"]),
        n_events=int(data["n_events"]),
        recent_ids=_keys(ids["open"]),
        recent_t=opt(ids["open_t"]),
        id_chunks=tuple(IdChunk(_keys(keys), float(t)) for t, keys in ids["chunks"]),
        negatives=stories(data["negatives"]),
        positives=stories(data["positives"]),
        negative_alerts=tuple((float(t), int(level)) for t, level in alerts["negative"]),
        positive_alerts=tuple((float(t), int(level)) for t, level in alerts["positive"]),
    )
