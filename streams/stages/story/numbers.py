"""Figures as wire headlines write them: `$0.30`, `$(0.07)`, `-$0.46`, `$1.2B`, `$450M`,
`$107-$115M` (a range, its unit written once), `3.05`, `22%`.

`find_figures` returns every figure of a text in order, with where it stands, so that the
earnings parser can read "actual, then estimate" from their order. A parenthesised amount is
negative (accounting style); a range is reported as its low and high ends.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

__all__ = ["Figure", "find_figures", "relative_change"]

_UNITS = {"k": 1e3, "m": 1e6, "mln": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9, "thousand": 1e3}
_AMOUNT = r"""
    (?P<neg>-\s?)?                      # a leading minus: -$0.46, -0.46
    (?P<cur>\$|€|£|C\$|US\$)?
    (?P<paren>\()?                      # $(0.07) or (0.07)
    (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
    (?(paren)\))
    (?:\s?(?P<unit>K|M|B|Bn|Mln|[Mm]illion|[Bb]illion|[Tt]housand)\b)?
    (?P<pct>\s?%)?
"""
_FIGURE = re.compile(
    rf"(?<![\w.]){_AMOUNT}(?:\s?[-\u2013]\s?(?P<high>(?:\$|€|£)?\(?\d[\d,]*(?:\.\d+)?\)?(?:\s?(?:K|M|B|Bn|Mln|[Mm]illion|[Bb]illion)\b)?))?",
    re.VERBOSE,
)
_HIGH = re.compile(
    r"(?P<cur>\$|€|£)?(?P<paren>\()?(?P<num>\d[\d,]*(?:\.\d+)?)\)?\s?(?P<unit>K|M|B|Bn|Mln|[Mm]illion|[Bb]illion)?"
)


@dataclass(frozen=True, slots=True)
class Figure:
    """One amount (or range) in a text. `low == high` for a single amount; `start`/`end` are
    character offsets; `currency` says whether it was written as money; `percent` as a %."""

    low: float
    high: float
    start: int
    end: int
    currency: bool
    percent: bool

    @property
    def value(self) -> float:
        """The amount, or the range's midpoint."""
        return (self.low + self.high) / 2.0


def _scale(unit: str | None) -> float:
    return _UNITS.get(unit.lower(), 1.0) if unit else 1.0


def find_figures(text: str) -> list[Figure]:
    """Every figure in `text`, left to right. Years (four digits, 1900-2099, no currency, no
    unit), quarter or fiscal labels (`Q3`, `FY19`, `3Q13`) and amounts too large for a float are
    not figures."""
    figures = []
    for match in _FIGURE.finditer(text):
        number = match.group("num").replace(",", "")
        currency = match.group("cur") is not None
        unit = match.group("unit")
        percent = match.group("pct") is not None
        if not currency and not unit and not percent and _looks_like_label(text, match, number):
            continue
        sign = -1.0 if match.group("neg") or match.group("paren") else 1.0
        low = sign * float(number) * _scale(unit)
        high = low
        if match.group("high"):
            parsed = _HIGH.fullmatch(match.group("high").strip())
            if parsed is not None:
                high_unit = parsed.group("unit")
                high_sign = -1.0 if parsed.group("paren") else 1.0
                high = high_sign * float(parsed.group("num").replace(",", "")) * _scale(high_unit or unit)
                if unit is None and high_unit is not None:  # "$107-$115M": the unit is written once
                    low = sign * float(number) * _scale(high_unit)
                currency = currency or parsed.group("cur") is not None
        if not (math.isfinite(low) and math.isfinite(high)):
            continue  # hundreds of digits: no figure a wire writes
        figures.append(Figure(min(low, high), max(low, high), match.start(), match.end(), currency, percent))
    return figures


def _looks_like_label(text: str, match: re.Match[str], number: str) -> bool:
    before = text[max(0, match.start() - 3) : match.start()]
    if re.search(r"(?:Q|FY|F|H|[1-4]Q)\s?$", before, re.IGNORECASE):  # Q3, FY19, F3Q, 3Q13
        return True
    after = text[match.end() : match.end() + 1]
    if after and after in "QH" and len(number) <= 2:  # 3Q13, 2H
        return True
    return "." not in number and len(number) == 4 and 1900 <= int(number) <= 2099


def relative_change(actual: float, reference: float) -> float | None:
    """`(actual - reference) / |reference|` in percent; None when the reference is 0 or the
    result is not finite."""
    if reference == 0.0:
        return None
    change = (actual - reference) / abs(reference) * 100.0
    return change if math.isfinite(change) else None
