"""How much a story is about one of its tickers, in [0, 1] (RavenPack's relevance, 0-100, /100).

Rules, first that applies (every level is a `StorySettings` field):
1. A market, sector or list piece (`is_roundup`): `list_relevance` for every ticker on it.
2. The company is named in the headline (a directory alias, exactly or as a close spelling, or
   its symbol written as `$AAPL`, `(NASDAQ: AAPL)`, `AAPL shares`): `named_relevance` when the
   name opens the headline (within its first `lead_words` words), `mentioned_relevance` when it
   comes later.
3. The directory knows the company but the headline does not name it: `unnamed_relevance`, or
   `body_relevance` when the body's opening (`BODY_CHARS`) does (a passing mention, or a feed's mis-tag).
4. The directory does not know the company: `unknown_relevance` (nothing to check against).
Rules 3 and 4 are divided by `1 + multi_ticker_decay * (n_tickers - 1)`: a story tagged with
many tickers and naming none of them is about each of them less.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz

from streams.settings import StorySettings
from streams.stages.story.directory import Company, normalise
from streams.stages.story.events import BODY_CHARS, strip_prefix
from streams.stages.story.roundup import is_roundup

__all__ = ["mention_position", "relevance"]

# Uppercase words that are not tickers when written bare in a headline.
_NOT_SYMBOLS = frozenset("A I CEO CFO COO FDA EPS IPO USA US UK EU SEC ETF NYSE AI PT Q ET".split())
_FUZZY_MIN_CHARS = 6
_FUZZY_SCORE = 90.0


@lru_cache(maxsize=4096)
def _symbol_pattern(ticker: str) -> re.Pattern[str]:
    t = re.escape(ticker)
    forms = [rf"\${t}\b", rf"\b(?:NYSE|NASDAQ|Nasdaq|AMEX|NYSE American|NYSEArca|OTC)\s*:\s*{t}\b", rf"\({t}\)"]
    if len(ticker) >= 3 and ticker not in _NOT_SYMBOLS:
        forms.append(rf"(?<![\w$]){t}(?![\w])")
    return re.compile("|".join(forms))


def mention_position(text: str, ticker: str, company: Company | None) -> int | None:
    """The word index at which `text` first names the company (alias or symbol), else None."""
    best: int | None = None
    symbol = _symbol_pattern(ticker.upper()).search(text)
    if symbol is not None:
        best = len(text[: symbol.start()].split())
    if company is not None:
        normalised = normalise(text)
        words = normalised.split()
        for alias in company.aliases:
            at = normalised.find(f" {alias} ")
            position = len(normalised[:at].split()) if at >= 0 else None
            if position is None and len(alias) >= _FUZZY_MIN_CHARS:
                position = _close_spelling(alias, words)
            if position is not None:
                best = position if best is None else min(best, position)
    return best


def _close_spelling(alias: str, words: list[str]) -> int | None:
    """The word index of a run of words spelled like `alias` (rapidfuzz ratio >= 90), such as
    "Agillent" or "Advanced Auto Parts"; None when there is none."""
    size = len(alias.split())
    for i in range(len(words) - size + 1):
        if fuzz.ratio(alias, " ".join(words[i : i + size]), score_cutoff=_FUZZY_SCORE):
            return i
    return None


def relevance(
    headline: str, body: str | None, ticker: str, n_tickers: int, company: Company | None, cfg: StorySettings
) -> float:
    """The relevance of the story to `ticker` (rules in the module docstring)."""
    text = strip_prefix(headline)
    if is_roundup(text):
        return cfg.list_relevance
    position = mention_position(text, ticker, company)
    if position is not None:
        return cfg.named_relevance if position < cfg.lead_words else cfg.mentioned_relevance
    if company is not None:
        named_in_body = body is not None and mention_position(body[:BODY_CHARS], ticker, company) is not None
        level = cfg.body_relevance if named_in_body else cfg.unnamed_relevance
    else:
        level = cfg.unknown_relevance
    return level / (1.0 + cfg.multi_ticker_decay * max(n_tickers - 1, 0))
