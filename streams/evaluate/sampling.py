"""Point-in-time samples: each ticker's signal at every session close, from the state agent's
own functions.

Per ticker the stories are applied in (published_at, id) order, the order a live feed delivers
them in. The sample at the
close of session `S` holds exactly the stories whose `session` stamp is `S` or earlier: by the
stamping rule (`streams.stages.exchange_time.stamp`) those are the stories published before that
close. A story at or after the close acts on the next session and first shows in its sample.
`read_at` then decays the state to the close; it refuses a time before the state's latest
story, so no sample can hold a story from after its close.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import astuple, fields
from datetime import date

import pandas as pd
from tqdm import tqdm

from streams.settings import StateSettings
from streams.stages.exchange_time import ExchangeMap, session_closes
from streams.stages.state import SignalValues, StateEvent, TickerState, apply
from streams.stages.state.ticker import read_at

__all__ = ["SIGNAL_FIELDS", "sample_closes"]

SIGNAL_FIELDS = tuple(f.name for f in fields(SignalValues))


def sample_closes(
    events: Iterable[StateEvent],
    exchange_map: ExchangeMap,
    cfg: StateSettings,
    last: date,
    progress: bool = False,
) -> pd.DataFrame:
    """One row per ticker and session close, from the session of the ticker's first story to
    `last`: columns `ticker`, `session`, `stories` (stories acting on that session) and the
    signal fields (`SIGNAL_FIELDS`) as of that close. Sorted by ticker, then session."""
    by_ticker: dict[str, list[StateEvent]] = defaultdict(list)
    for event in events:
        by_ticker[event.ticker].append(event)
    rows: list[tuple[object, ...]] = []
    for ticker in tqdm(sorted(by_ticker), desc="sampling closes", unit="ticker", disable=not progress):
        ticker_events = sorted(by_ticker[ticker], key=lambda e: (e.t, e.news_id))
        state = TickerState()
        i = 0
        for session, close in session_closes(exchange_map.mic_for(ticker), ticker_events[0].session, last):
            stories = 0
            while i < len(ticker_events) and ticker_events[i].session <= session:
                state, applied = apply(state, ticker_events[i], cfg)
                stories += applied
                i += 1
            rows.append((ticker, session, stories, *astuple(read_at(state, close.timestamp(), cfg))))
    frame = pd.DataFrame(rows, columns=["ticker", "session", "stories", *SIGNAL_FIELDS])
    frame["zscore"] = frame["zscore"].astype(float)  # None (no baseline yet) becomes NaN
    return frame
