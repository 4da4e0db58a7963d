"""Reference signals: every story applied in one pass from empty state, no Kafka.

Recovery tests compare what a worker emitted (across restarts and redeliveries) with this.
Per-ticker states live in a plain dict; a redelivered story id yields no signal, as in the agent.
"""

from __future__ import annotations

from collections.abc import Iterable

from streams.settings import StateSettings
from streams.stages.state.ticker import SignalValues, StateEvent, TickerState, apply, read

__all__ = ["reference_signals", "reference_final"]


def reference_signals(
    events: Iterable[StateEvent], cfg: StateSettings
) -> list[tuple[StateEvent, SignalValues]]:
    """One `(event, values)` per applied story, in the given order (duplicates skipped)."""
    states: dict[str, TickerState] = {}
    out: list[tuple[StateEvent, SignalValues]] = []
    for event in events:
        state, applied = apply(states.get(event.ticker, TickerState()), event, cfg)
        if applied:
            states[event.ticker] = state
            out.append((event, read(state, cfg)))
    return out


def reference_final(events: Iterable[StateEvent], cfg: StateSettings) -> dict[str, SignalValues]:
    """Each ticker's values after all of `events`."""
    return {event.ticker: values for event, values in reference_signals(events, cfg)}
