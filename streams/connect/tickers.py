"""Tickers named in a story's text, for feed items that carry none (DESIGN.md "Feed connectors").

Three kinds of mention, in the order found: cashtags (`$AAPL`), exchange-qualified symbols
(`(NASDAQ: AAPL)`, `NYSE:XYZ`), and company names from the symbol directory
(`streams.stages.story.directory`). A name counts when its full normalised form (two words or
more: "bank of america", "eli lilly") or one of the user CSV's aliases appears as whole words;
a one-word name ("apple", "nvidia") only where the text writes it capitalised ("Apple"), so a
fruit or a verb does not become a ticker. A name shared by two tickers names neither.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from streams.stages.story.directory import SymbolDirectory, normalise

__all__ = ["MAX_TICKERS", "TickerFinder"]

MAX_TICKERS = 50
"""A NewsItem carries at most this many tickers (schemas/news_item.schema.json)."""

_SYMBOL = r"[A-Z]{1,5}(?:[.\-][A-Z]{1,2})?"
_CASHTAG = re.compile(rf"(?<![\w$])\$({_SYMBOL})(?![\w])")
_EXCHANGES = (
    r"NYSE\s+American|NYSE\s+Arca|NYSE\s+MKT|NYSE|NASDAQ(?:GS|GM|CM)?|Nasdaq(?:GS|GM|CM)?|AMEX|OTCQX|OTCQB|OTC|"
    r"CBOE|BATS|TSX|TSXV|LSE|ASX"
)
_QUALIFIED = re.compile(rf"\b(?:{_EXCHANGES})\s*:\s*({_SYMBOL})(?![\w])")
_DANGLING = frozenset({"of", "and", "&", "the", "for", "de", "la"})
_WORDS = re.compile(r"[A-Za-z0-9&]+")


class TickerFinder:
    """Finds tickers in text with one directory's names (build once, use for every item)."""

    def __init__(self, directory: SymbolDirectory | None = None) -> None:
        full: dict[str, set[str]] = {}
        short: dict[str, set[str]] = {}
        for company in directory.companies() if directory is not None else ():
            for i, alias in enumerate(company.aliases):
                if alias.rsplit(" ", 1)[-1] not in _DANGLING:  # "bank of", "eli lilly and": not a name
                    (full if i == 0 else short).setdefault(alias, set()).add(company.ticker)
        # A company's full name beats another's short form ("apple": Apple Inc., not Apple Hospitality).
        names = {alias: next(iter(t)) for alias, t in short.items() if len(t) == 1}
        names.update({alias: next(iter(t)) for alias, t in full.items() if len(t) == 1})
        self._phrases = {alias: ticker for alias, ticker in names.items() if " " in alias}
        self._single = {alias: ticker for alias, ticker in names.items() if " " not in alias}
        self._longest = max((len(a.split()) for a in self._phrases), default=0)

    def find(self, *texts: str | None) -> list[str]:
        """The tickers `texts` name, each once, in the order first found, at most `MAX_TICKERS`."""
        found: list[str] = []
        for text in (t for t in texts if t):
            found += _CASHTAG.findall(text)
            found += _QUALIFIED.findall(text)
        for text in (t for t in texts if t):
            found += self._names(text)
        return list(dict.fromkeys(t.upper() for t in found))[:MAX_TICKERS]

    def _names(self, text: str) -> Iterable[str]:
        words = normalise(text).split()
        for size in range(min(self._longest, len(words)), 1, -1):  # phrases of 2+ words
            for i in range(len(words) - size + 1):
                ticker = self._phrases.get(" ".join(words[i : i + size]))
                if ticker is not None:
                    yield ticker
        for word in _WORDS.findall(text):
            if word[0].isupper() and word[1:2].islower():  # "Apple", not "apple" or "APPLE"
                ticker = self._single.get(word.lower())
                if ticker is not None:
                    yield ticker
