"""Price files, forward returns on the session grid, excess returns over the benchmark."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from streams.evaluate import EXECUTIONS
from streams.evaluate.prices import (
    Prices,
    dollar_volume,
    execution_returns,
    forward_returns,
    load_closes,
    load_prices,
    marginal_returns,
)
from streams.evaluate.run import load_market
from streams.stages.exchange_time import ExchangeMap, session_closes
from support.evaluation import write_prices

# Seven consecutive XNYS sessions around the Martin Luther King Jr. Day holiday (2024-01-15).
SESSIONS = [day for day, _ in session_closes("XNYS", date(2024, 1, 10), date(2024, 1, 19))]


def test_the_session_grid_skips_the_holiday() -> None:
    assert date(2024, 1, 15) not in SESSIONS and len(SESSIONS) == 7


def test_load_closes_reads_date_and_close_of_each_ticker_file(tmp_path: Path) -> None:
    (tmp_path / "a.us.txt").write_text(
        "Date,Open,High,Low,Close,Volume,stock_id\n2024-01-11,1,1,1,11.5,10,4\n2024-01-10,1,1,1,10.5,10,4\n"
    )
    (tmp_path / "spy.us.txt").write_text("Date,Open,High,Low,Close,Volume,OpenInt\n2024-01-10,1,1,1,470.0,10,0\n")
    (tmp_path / "SOURCE.md").write_text("notes")
    closes = load_closes(tmp_path)
    assert sorted(closes) == ["A", "SPY"]
    assert list(closes["A"].index) == [date(2024, 1, 10), date(2024, 1, 11)]  # sorted
    assert closes["A"].tolist() == [10.5, 11.5]
    assert sorted(load_closes(tmp_path, ["spy", "zzz"])) == ["SPY"]


def test_forward_returns_join_the_next_and_the_fifth_session_and_never_bridge_a_gap() -> None:
    prices = [100.0, 101.0, 99.0, 102.0, 104.0, 103.0, 105.0]
    closes = pd.Series(prices, SESSIONS).drop(SESSIONS[3])  # the fourth session has no close
    r = forward_returns(closes, SESSIONS, [1, 5])
    assert r.loc[SESSIONS[0], 1] == pytest.approx(101 / 100 - 1)
    assert r.loc[SESSIONS[1], 1] == pytest.approx(99 / 101 - 1)
    # Session 2 -> 3 ends on the missing close, 3 -> 4 starts on it: no return, not 2 -> 4.
    assert math.isnan(r.loc[SESSIONS[2], 1]) and math.isnan(r.loc[SESSIONS[3], 1])
    assert r.loc[SESSIONS[4], 1] == pytest.approx(103 / 104 - 1)
    assert r.loc[SESSIONS[0], 5] == pytest.approx(103 / 100 - 1)
    assert r.loc[SESSIONS[1], 5] == pytest.approx(105 / 101 - 1)
    assert r.loc[SESSIONS[2:], 5].isna().all()  # runs past the last session
    assert math.isnan(r.loc[SESSIONS[6], 1])


def test_market_returns_are_in_excess_of_the_benchmark_and_raw_without_it(tmp_path: Path) -> None:
    prices = write_prices(tmp_path / "p", tickers=("AAA", "SPY"))
    closes = load_closes(prices)
    grid = [day for day, _ in session_closes("XNYS", closes["AAA"].index[0], closes["AAA"].index[-1])]
    own = forward_returns(closes["AAA"], grid, [1]).loc[grid[5], 1]
    bench = forward_returns(closes["SPY"], grid, [1]).loc[grid[5], 1]
    market = load_market(prices, ["AAA", "BBB"], "SPY", ExchangeMap.load(), execution="close")
    assert sorted(market.closes) == ["AAA"] and market.benchmark == "SPY"  # BBB has no file
    row = market.returns[(market.returns["ticker"] == "AAA") & (market.returns["session"] == grid[5])]
    assert row["ret_1"].item() == pytest.approx(own - bench)
    raw = load_market(prices, ["AAA"], "QQQ", ExchangeMap.load(), execution="close")
    assert raw.benchmark is None
    row = raw.returns[(raw.returns["ticker"] == "AAA") & (raw.returns["session"] == grid[5])]
    assert row["ret_1"].item() == pytest.approx(own)
    assert market.last == grid[-1]


OPENS = [99.0, 100.5, 100.0, 101.0, 103.0, 104.0, 104.5]
CLOSES = [100.0, 101.0, 99.0, 102.0, 104.0, 103.0, 105.0]
PRICES = Prices(pd.Series(CLOSES, SESSIONS), pd.Series(OPENS, SESSIONS), pd.Series([10.0] * 7, SESSIONS))


def test_each_execution_enters_at_its_own_price() -> None:
    # A signal at the close of session 0, one session ahead:
    # close: close 0 -> close 1 = 101/100; next-open: open 1 -> open 2 = 100/100.5;
    # next-close: close 1 -> close 2 = 99/101.
    first = {mode: execution_returns(PRICES, SESSIONS, [1, 2], mode).loc[SESSIONS[0]] for mode in EXECUTIONS}
    assert first["close"][1] == pytest.approx(101 / 100 - 1)
    assert first["next-open"][1] == pytest.approx(100 / 100.5 - 1)
    assert first["next-close"][1] == pytest.approx(99 / 101 - 1)
    assert first["next-open"][2] == pytest.approx(101 / 100.5 - 1)  # open 1 -> open 3
    # The last session has no next open: no return, never a bridged one.
    assert execution_returns(PRICES, SESSIONS, [1], "next-open").loc[SESSIONS[5:], 1].isna().all()
    no_opens = Prices(PRICES.close, None, None)
    assert execution_returns(no_opens, SESSIONS, [1], "next-open")[1].isna().all()


def test_marginal_returns_are_the_one_session_return_h_sessions_after_entry() -> None:
    m = marginal_returns(PRICES, SESSIONS, [1, 3], "next-open")
    assert m.loc[SESSIONS[0], 1] == pytest.approx(100 / 100.5 - 1)  # open 1 -> open 2
    assert m.loc[SESSIONS[0], 3] == pytest.approx(103 / 101 - 1)  # open 3 -> open 4


def test_dollar_volume_is_a_trailing_log_mean(tmp_path: Path) -> None:
    size = dollar_volume(PRICES, SESSIONS, window=2)
    assert size.iloc[0] == pytest.approx(math.log(100 * 10))  # half a window is enough
    assert size.iloc[1] == pytest.approx(math.log((100 * 10 + 101 * 10) / 2))
    (tmp_path / "a.us.txt").write_text("Date,Close\n2024-01-10,10.5\n")
    only_close = load_prices(tmp_path)["A"]
    assert only_close.open is None and only_close.volume is None
    assert dollar_volume(only_close, SESSIONS).isna().all()


def test_the_default_market_trades_at_the_next_open(tmp_path: Path) -> None:
    prices = write_prices(tmp_path / "p", tickers=("AAA", "SPY"))
    loaded = load_prices(prices)
    grid = [day for day, _ in session_closes("XNYS", loaded["AAA"].close.index[0], loaded["AAA"].close.index[-1])]
    market = load_market(prices, ["AAA"], "SPY", ExchangeMap.load())
    row = market.returns[(market.returns["ticker"] == "AAA") & (market.returns["session"] == grid[5])]
    own = loaded["AAA"].open[grid[7]] / loaded["AAA"].open[grid[6]] - 1  # type: ignore[index]
    bench = loaded["SPY"].open[grid[7]] / loaded["SPY"].open[grid[6]] - 1  # type: ignore[index]
    assert row["ret_1"].item() == pytest.approx(own - bench)
    assert row["ret_1_next-open"].item() == row["ret_1"].item()
    assert row["day_ret"].item() == pytest.approx(own)  # the portfolios' raw return
