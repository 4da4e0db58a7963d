"""Portfolio arithmetic on a hand-computed case: weights, returns, turnover, costs per side,
annual return, Sharpe, Sortino and maximum drawdown. Every expected value below is worked out
in the comments, not by the code under test."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from streams.evaluate.portfolios import (
    long_short_weights,
    portfolio_returns,
    portfolio_stats,
    top_n_weights,
    universe_weights,
)

D1, D2, D3 = date(2024, 1, 2), date(2024, 1, 3), date(2024, 1, 4)
# session, ticker, signal, next-session return
ROWS = [
    (D1, "A", 4.0, 0.02), (D1, "B", 3.0, 0.00), (D1, "C", 2.0, -0.01), (D1, "D", -1.0, 0.01),
    (D2, "A", 1.0, 0.00), (D2, "B", 3.0, 0.01), (D2, "C", 4.0, 0.03), (D2, "D", 2.0, -0.02),
    (D3, "A", 1.0, 0.01), (D3, "B", 3.0, -0.02), (D3, "C", 4.0, -0.02), (D3, "D", 2.0, 0.00),
    (D3, "E", 9.0, None),  # no return: outside the session's universe
]  # fmt: skip
SAMPLES = pd.DataFrame(ROWS, columns=["session", "ticker", "signal", "ret"])


def test_the_long_short_book_by_hand() -> None:
    w = long_short_weights(SAMPLES, "signal", "ret", quantiles=2)
    # D1: top half A, B (+0.5 each), bottom half C, D (-0.5 each). D2 and D3: top C, B; bottom D, A.
    assert w.loc[D1].to_dict() == {"A": 0.5, "B": 0.5, "C": -0.5, "D": -0.5}
    assert w.loc[D2].to_dict() == w.loc[D3].to_dict() == {"A": -0.5, "B": 0.5, "C": 0.5, "D": -0.5}
    r = portfolio_returns(w, SAMPLES, "ret", cost_bp=2.0)
    # gross D1 = .5(.02) + .5(0) - .5(-.01) - .5(.01) = .010
    # gross D2 = -.5(0) + .5(.01) + .5(.03) - .5(-.02) = .030
    # gross D3 = -.5(.01) + .5(-.02) + .5(-.02) - .5(0) = -.025
    assert r["gross"].tolist() == pytest.approx([0.010, 0.030, -0.025])
    # turnover D1 = 2 (entering from cash); D2: A +.5 -> -.5 (1) and C -.5 -> +.5 (1) = 2; D3: 0
    assert r["turnover"].tolist() == pytest.approx([2.0, 2.0, 0.0])
    # cost = 2 bp per side x turnover = .0002 x 2 = .0004 on D1 and D2
    assert r["net"].tolist() == pytest.approx([0.0096, 0.0296, -0.025])

    s = portfolio_stats(r)
    # mean = .0142 / 3 = .00473333; sd (n - 1) = sqrt(((.0096-m)^2 + (.0296-m)^2 + (-.025-m)^2) / 2) = .02762341
    assert s.annual_return == pytest.approx(0.0142 / 3 * 252)  # 1.1928
    assert s.sharpe == pytest.approx(0.00473333 / 0.02762341 * math.sqrt(252), rel=1e-5)  # 2.7202
    # downside deviation = sqrt((0 + 0 + .025^2) / 3) = .0144338
    assert s.sortino == pytest.approx(0.00473333 / 0.0144338 * math.sqrt(252), rel=1e-5)  # 5.2057
    # equity 1 -> 1.0096 -> 1.03948416 -> 1.01349706: the drawdown from the peak is the last day's -2.5%
    assert s.max_drawdown == pytest.approx(-0.025)
    assert s.cagr == pytest.approx(1.013497056 ** (252 / 3) - 1)  # final equity ^ (252 / n) - 1
    assert s.turnover == pytest.approx(4.0 / 3) and s.n == 3


def test_the_top_n_books_buy_only_positive_conviction() -> None:
    top1 = top_n_weights(SAMPLES, "signal", "ret", 1)
    # D1 the highest is A; D2 and D3 it is C (E has no return on D3, so it is not in the universe).
    assert [top1.loc[d][top1.loc[d] != 0].to_dict() for d in (D1, D2, D3)] == [{"A": 1.0}, {"C": 1.0}, {"C": 1.0}]
    r = portfolio_returns(top1, SAMPLES, "ret", cost_bp=1.0)
    # gross .02, .03, -.02; turnover 1 (buy A), 2 (sell A, buy C), 0; cost 1 bp x turnover
    assert r["net"].tolist() == pytest.approx([0.02 - 0.0001, 0.03 - 0.0002, -0.02])

    every = top_n_weights(SAMPLES, "signal", "ret", None)
    # D1: D's signal is negative, so A, B, C at 1/3; gross (.02 + 0 - .01) / 3
    assert every.loc[D1].to_dict() == pytest.approx({"A": 1 / 3, "B": 1 / 3, "C": 1 / 3, "D": 0.0})
    assert portfolio_returns(every, SAMPLES, "ret", 0.0)["gross"].iloc[0] == pytest.approx(0.01 / 3)


def test_the_universe_is_every_name_with_a_return_equally() -> None:
    w = universe_weights(SAMPLES, "signal", "ret")
    assert w.loc[D3].to_dict() == {"A": 0.25, "B": 0.25, "C": 0.25, "D": 0.25}
    # D3 gross = (.01 - .02 - .02 + 0) / 4 = -.0075
    assert portfolio_returns(w, SAMPLES, "ret", 3.0)["gross"].iloc[2] == pytest.approx(-0.0075)
