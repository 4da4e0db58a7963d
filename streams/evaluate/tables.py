"""Markdown table and number formats shared by the report's modules."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from streams.evaluate.hac import HACMean

__all__ = ["table", "num", "pct", "bp", "hac_cell", "hac_interval"]


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def num(value: float | None, digits: int = 3) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:+.{digits}f}"


def pct(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.1%}"


def bp(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value * 1e4:+.1f}"


def hac_cell(stat: HACMean, digits: int = 3) -> str:
    """`mean (t)`, bold when significant at 5% (two-sided, Newey-West)."""
    text = f"{num(stat.mean, digits)} ({num(stat.t, 2)})"
    return f"**{text}**" if stat.significant else text


def hac_interval(stat: HACMean, scale: float = 1.0, digits: int = 3) -> str:
    """`mean [low, high]` with the Newey-West 95% interval, bold when it excludes 0."""
    low, high = stat.interval()
    text = f"{num(stat.mean * scale, digits)} [{num(low * scale, digits)}, {num(high * scale, digits)}]"
    return f"**{text}**" if stat.significant else text
