"""Daily prices and forward returns on the exchange's session grid, for each way of trading.

Price files are CSVs with `Date` and `Close` columns (`Open` and `Volume` used when present,
more ignored), one per ticker, named `<ticker>.<anything>` (`a.us.txt` is A), as in
`streams/sample/prices/`.

Execution (when a signal read at the close of session S is traded), one of `EXECUTIONS`:
- `close`: at that same close (S -> S+h, close to close): not tradable, kept as the optimistic
  reference the earlier reports used;
- `next-open` (the default): at the next session's open (open of S+1 -> open of S+1+h);
- `next-close`: one session late (close of S+1 -> close of S+1+h): the control against
  bid-ask bounce, since no price of session S enters the return.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from streams.evaluate import DEFAULT_EXECUTION, EXECUTIONS

__all__ = [
    "EXECUTIONS",
    "DEFAULT_EXECUTION",
    "Prices",
    "load_prices",
    "load_closes",
    "forward_returns",
    "execution_returns",
    "marginal_returns",
    "dollar_volume",
]

_SUFFIXES = {".txt", ".csv"}
# execution -> (price column, sessions between the signal's close and the entry price)
_EXECUTION = {"close": ("close", 0), "next-open": ("open", 1), "next-close": ("close", 1)}
assert set(_EXECUTION) == set(EXECUTIONS)


@dataclass(frozen=True)
class Prices:
    """One ticker's `date`-indexed, sorted float Series; `open` and `volume` are None when the
    file lacks the column (an open then falls back to nothing: no `next-open` return)."""

    close: pd.Series
    open: pd.Series | None
    volume: pd.Series | None


def _tickers(directory: Path, tickers: Iterable[str] | None) -> list[tuple[str, Path]]:
    wanted = None if tickers is None else {t.upper() for t in tickers}
    out = []
    for path in sorted(directory.iterdir()):
        ticker = path.name.split(".", 1)[0].upper()
        if path.suffix.lower() in _SUFFIXES and (wanted is None or ticker in wanted):
            out.append((ticker, path))
    return out


def load_prices(directory: Path, tickers: Iterable[str] | None = None) -> dict[str, Prices]:
    """Close, open and volume by date per ticker file in `directory` (`tickers`: only these)."""
    out: dict[str, Prices] = {}
    for ticker, path in _tickers(directory, tickers):
        frame = pd.read_csv(path, usecols=lambda c: c in {"Date", "Open", "Close", "Volume"})
        frame.index = pd.Index([date.fromisoformat(d) for d in frame["Date"]])
        frame = frame[~frame.index.duplicated()].sort_index()

        def column(name: str, frame: pd.DataFrame = frame, ticker: str = ticker) -> pd.Series | None:
            return frame[name].astype(float).rename(ticker) if name in frame else None

        close = column("Close")
        assert close is not None  # read_csv raises without it
        out[ticker] = Prices(close, column("Open"), column("Volume"))
    return out


def load_closes(directory: Path, tickers: Iterable[str] | None = None) -> dict[str, pd.Series]:
    """Close by date (a `date`-indexed float Series, sorted) per ticker file in `directory`.

    `tickers`: load only these (upper case); None loads every price file there.
    """
    return {ticker: prices.close for ticker, prices in load_prices(directory, tickers).items()}


def forward_returns(closes: pd.Series, sessions: Sequence[date], horizons: Sequence[int], delay: int = 0) -> pd.DataFrame:
    """Per session of `sessions` (consecutive exchange sessions), the return from the price
    `delay` sessions later to the price `delay + h` sessions later, one column per horizon `h`.

    NaN where either price is missing: a missing day is never bridged, since the return would
    then span more sessions than its horizon says.
    """
    grid = closes.reindex(pd.Index(sessions))
    return pd.DataFrame({h: grid.shift(-(delay + h)) / grid.shift(-delay) - 1.0 for h in horizons}, index=grid.index)


def _entry_prices(prices: Prices, execution: str) -> tuple[pd.Series | None, int]:
    if execution not in _EXECUTION:
        raise ValueError(f"execution {execution!r}: expected one of {', '.join(EXECUTIONS)}")
    column, delay = _EXECUTION[execution]
    return (prices.open if column == "open" else prices.close), delay


def execution_returns(prices: Prices, sessions: Sequence[date], horizons: Sequence[int], execution: str) -> pd.DataFrame:
    """`forward_returns` for a signal at the close of each session traded as `execution` says
    (module docstring); all NaN for `next-open` when the file has no opens."""
    series, delay = _entry_prices(prices, execution)
    if series is None:
        return pd.DataFrame({h: np.nan for h in horizons}, index=pd.Index(sessions))
    return forward_returns(series, sessions, horizons, delay)


def marginal_returns(prices: Prices, sessions: Sequence[date], horizons: Sequence[int], execution: str) -> pd.DataFrame:
    """Per session and `h`: the one-session return earned `h` sessions after entry, i.e. from
    the entry price `h - 1` sessions on to the one `h` sessions on (the IC decay's returns:
    what the signal says about session h alone, not about the whole path to it)."""
    series, delay = _entry_prices(prices, execution)
    if series is None:
        return pd.DataFrame({h: np.nan for h in horizons}, index=pd.Index(sessions))
    one = forward_returns(series, sessions, [1], delay)[1]
    return pd.DataFrame({h: one.shift(-(h - 1)) for h in horizons}, index=one.index)


def dollar_volume(prices: Prices, sessions: Sequence[date], window: int = 20) -> pd.Series:
    """Log of the mean close x volume over the `window` sessions up to and including each
    session (a size proxy known at that close); NaN without volumes or with under half a window."""
    if prices.volume is None:
        return pd.Series(np.nan, index=pd.Index(sessions))
    traded = (prices.close * prices.volume).reindex(pd.Index(sessions))
    mean = traded.rolling(window, min_periods=max(1, window // 2)).mean()
    return np.log(mean.where(mean > 0))
