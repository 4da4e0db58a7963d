"""Who a ticker is: company names and aliases, from pytickersymbols (MIT; the constituents of
the S&P 500, S&P 600, NASDAQ-100 and major European indices, read offline) and an optional user
CSV (`ticker,name,aliases`, aliases separated by `;`), whose rows win.

Aliases are normalised names (lower case, punctuation to spaces, legal suffixes dropped) plus
the first word of the name when it is distinctive ("agilent" for Agilent Technologies, not
"advance" for Advance Auto Parts). A ticker the directory does not know has no aliases; only its
symbol can then be matched (`streams.stages.story.relevance`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from schemas.errors import TickertoneError

__all__ = ["Company", "DirectoryError", "SymbolDirectory", "aliases_of", "normalise"]

_SUFFIXES = frozenset(
    "inc incorporated corp corporation co company ltd limited plc sa ag nv se llc lp holdings holding group the class "
    "reit adr ads common stock ordinary shares n v s a".split()
)
# First words too common to stand for a company on their own.
_GENERIC = frozenset(
    "american first general united national international global new southern northern western eastern central pacific "
    "atlantic royal bank capital energy health healthcare community home great advance advanced applied alliance public "
    "federal citizens world digital data life real green blue red black white gold silver golden universal standard "
    "premier pioneer summit power west east north south old hope trust security financial industries technology "
    "technologies systems solutions services resources petroleum oil gas pharmaceuticals pharma therapeutics bio medical "
    "enterprises partners properties realty investors investment equity mortgage insurance foods brands entertainment "
    "media communications networks software semiconductor electric water airlines motors automotive auto steel chemical "
    "materials mining minerals care cross point one star sun sky net tech micro crown eagle liberty independence heritage "
    "horizon frontier allied consolidated integrated associated commercial state southwest northwest midwest asset "
    "management travel hotels retail stores market markets u us uk".split()
)


class DirectoryError(TickertoneError):
    """The user's symbol CSV cannot be read. Operators: the message names the file and line;
    the file needs a header `ticker,name,aliases`."""


@dataclass(frozen=True, slots=True)
class Company:
    """One ticker's names: `aliases` are normalised phrases to look for in a text."""

    ticker: str
    name: str
    aliases: tuple[str, ...]


def normalise(text: str) -> str:
    """Lower case, `&` kept, every other non-alphanumeric run a single space, padded with one
    space each side so that `f" {alias} " in normalise(text)` matches whole words."""
    return " " + re.sub(r"[^a-z0-9&]+", " ", text.lower()).strip() + " "


def aliases_of(name: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The normalised aliases of a company name (module docstring), then `extra`'s."""
    words = [w for w in normalise(name).split() if w not in _SUFFIXES]
    found: list[str] = []
    if words:
        found.append(" ".join(words))
        first = words[0]
        if first not in _GENERIC and (len(first) >= 4 or len(words) == 1):
            found.append(first)
        elif len(words) >= 2:
            found.append(" ".join(words[:2]))
    found += [normalise(alias).strip() for alias in extra if alias.strip()]
    return tuple(dict.fromkeys(a for a in found if a))


class SymbolDirectory:
    """Companies by upper-case ticker."""

    def __init__(self, companies: Mapping[str, Company]) -> None:
        self._companies = dict(companies)

    def get(self, ticker: str) -> Company | None:
        """The company behind `ticker`, or None when the directory does not know it."""
        return self._companies.get(ticker.upper())

    def __len__(self) -> int:
        return len(self._companies)

    def companies(self) -> list[Company]:
        """Every company, by ticker (the feed connectors index their names)."""
        return [self._companies[ticker] for ticker in sorted(self._companies)]

    @classmethod
    def load(cls, csv_path: Path | None = None, builtin: bool = True) -> SymbolDirectory:
        """The built-in directory (when `builtin`) overlaid with the user's CSV rows."""
        companies = dict(_builtin()) if builtin else {}
        if csv_path is not None:
            companies.update(_read_csv(csv_path))
        return cls(companies)


@lru_cache(maxsize=1)
def _builtin() -> dict[str, Company]:
    from pytickersymbols import PyTickerSymbols

    companies: dict[str, Company] = {}
    for stock in PyTickerSymbols().get_all_stocks():
        name = str(stock.get("name") or "")
        symbols = {str(s.get("yahoo", "")) for s in stock.get("symbols", []) if s.get("currency") == "USD"}
        for symbol in sorted(s for s in symbols if s and "." not in s):
            companies.setdefault(symbol.upper(), Company(symbol.upper(), name, aliases_of(name)))
    return companies


def _read_csv(path: Path) -> dict[str, Company]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            # Comments and blank lines are left out; their file line numbers are kept for errors.
            kept = [(n, row) for n, row in enumerate(handle, start=1) if row.strip() and not row.lstrip().startswith("#")]
            reader = csv.DictReader(row for _, row in kept)
            if reader.fieldnames is None or not {"ticker", "name"} <= {f.strip().lower() for f in reader.fieldnames}:
                raise DirectoryError(f"{path}: the header must be 'ticker,name,aliases'")
            companies = {}
            for row in reader:
                ticker, name = (row.get("ticker") or "").strip().upper(), (row.get("name") or "").strip()
                if not ticker or not name:
                    raise DirectoryError(f"{path}:{kept[reader.line_num - 1][0]}: a row needs a ticker and a name")
                extra = (row.get("aliases") or "").split(";")
                companies[ticker] = Company(ticker, name, aliases_of(name, extra))
            return companies
    except OSError as error:
        raise DirectoryError(f"cannot read the symbol directory {path}: {error.strerror}") from None
