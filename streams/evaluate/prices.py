"""Daily closes and forward returns on the exchange's session grid.

Price files are CSVs with `Date` and `Close` columns (more are ignored), one per ticker, named
`<ticker>.<anything>` (`a.us.txt` is A), as in `streams/sample/prices/`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

import pandas as pd

__all__ = ["load_closes", "forward_returns"]

_SUFFIXES = {".txt", ".csv"}


def load_closes(directory: Path, tickers: Iterable[str] | None = None) -> dict[str, pd.Series]:
    """Close by date (a `date`-indexed float Series, sorted) per ticker file in `directory`.

    `tickers`: load only these (upper case); None loads every price file there.
    """
    wanted = None if tickers is None else {t.upper() for t in tickers}
    closes: dict[str, pd.Series] = {}
    for path in sorted(directory.iterdir()):
        ticker = path.name.split(".", 1)[0].upper()
        if path.suffix.lower() not in _SUFFIXES or (wanted is not None and ticker not in wanted):
            continue
        frame = pd.read_csv(path, usecols=["Date", "Close"])
        series = pd.Series(
            frame["Close"].to_numpy(dtype=float),
            index=[date.fromisoformat(d) for d in frame["Date"]],
            name=ticker,
        )
        closes[ticker] = series[~series.index.duplicated()].sort_index()
    return closes


def forward_returns(closes: pd.Series, sessions: Sequence[date], horizons: Sequence[int]) -> pd.DataFrame:
    """Per session of `sessions` (consecutive exchange sessions), the return from its close to
    the close `h` sessions later, one column per horizon `h`.

    NaN where either close is missing from `closes`: a missing day is never bridged, since the
    return would then span more sessions than its horizon says.
    """
    grid = closes.reindex(pd.Index(sessions))
    return pd.DataFrame({h: grid.shift(-h) / grid - 1.0 for h in horizons}, index=grid.index)
