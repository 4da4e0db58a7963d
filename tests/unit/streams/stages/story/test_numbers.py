"""Figures as wire headlines write them (expected values read off the text by hand)."""

from __future__ import annotations

import pytest

from streams.stages.story.numbers import find_figures, relative_change


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Q1 EPS $0.30 vs $0.24 Est.", [(0.30, 0.30), (0.24, 0.24)]),
        ("EPS $(0.15) May Not Compare To $0.06 Est.", [(-0.15, -0.15), (0.06, 0.06)]),
        ("EPS -$0.46 Vs Est -$0.29", [(-0.46, -0.46), (-0.29, -0.29)]),
        ("Sees FY19 Adj. EPS $3.07-$3.08 vs $3.05 Est.", [(3.07, 3.08), (3.05, 3.05)]),
        ("Sales $107-$115M vs $122M Est.", [(107e6, 115e6), (122e6, 122e6)]),
        ("Sales $1.784B Beat $1.73B Estimate", [(1.784e9, 1.784e9), (1.73e9, 1.73e9)]),
        ("Revenue of $451.0K vs $450.0K", [(451e3, 451e3), (450e3, 450e3)]),
        ("Guidance from $2.27 to $2.15-2.23", [(2.27, 2.27), (2.15, 2.23)]),
        ("Price Target Raised 22%", [(22.0, 22.0)]),
        ("Q4 FY2014 3Q13 F3Q results in 2019", []),
    ],
)
def test_figures(text: str, expected: list[tuple[float, float]]) -> None:
    found = [value for f in find_figures(text) for value in (f.low, f.high)]
    assert found == pytest.approx([value for pair in expected for value in pair])


def test_a_range_value_is_its_midpoint_and_currency_and_percent_are_kept() -> None:
    (guided,) = find_figures("$1.30-$1.43")
    assert guided.value == pytest.approx(1.365) and guided.currency and not guided.percent
    (share,) = find_figures("up 12%")
    assert share.percent and not share.currency


def test_relative_change() -> None:
    assert relative_change(0.30, 0.24) == pytest.approx(25.0)
    assert relative_change(-0.46, -0.29) == pytest.approx(-58.62, abs=0.01)  # a deeper loss is a miss
    assert relative_change(1.0, 0.0) is None
