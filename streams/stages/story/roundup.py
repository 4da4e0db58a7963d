"""Market, sector and list pieces: stories about many companies or the market at large
("Stocks That Hit 52-Week Lows On Thursday", "Mid-Day Market Update: ...", "Shares of several
healthcare companies are trading lower", "Earnings Scheduled For May 14"). They carry no event
of any one company and score low relevance for every ticker tagged on them.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["is_roundup"]

_ROUNDUP = re.compile(
    r"^\s*(?:the\s+)?(?:top\s+)?\d+\s+(?:\w+\s+){0,3}(?:stocks?|companies|names|movers|gainers|losers|biggest|notable|"
    r"healthcare|biotechs?|drug companies|mid-?caps?|small-?caps?)\b|"
    r"\b52[- ]week (?:highs?|lows?)\b|\bnew 52[- ]week\b|\b(?:biggest|top|notable)\b[^:]{0,30}\b(?:movers|gainers|losers|"
    r"upgrades|downgrades|price target changes)\b|\bvolume movers\b|\bmarket (?:gainers|losers)\b|"
    r"\b(?:mid-day|mid-morning|mid-afternoon|pre-market|premarket|after-hours|morning|afternoon|closing)\b[^:]{0,12}"
    r"\b(?:market update|movers|session|gainers|losers|recap)\b|\bmarket update\b|\bpeek into the market|"
    r"\bstock futures\b|\bfutures (?:up|down|edge|rise|fall|drop|point|flat|gain|slip|higher|lower)\b|\bmarket in \d+ minutes\b|"
    r"\bearnings scheduled\b|\bex[- ]dividends?\b|\bstocks? (?:trading|that will be trading) ex\b|"
    r"\bstocks? (?:to|worth) (?:watch|a look)|\bmust watch stocks\b|\bkeep an eye on\b|\bstocks moving\b|\bstocks? hitting\b|"
    r"\bstocks (?:that|which) (?:hit|set|made)\b|\bdaily biotech pulse\b|\bshares of several\b|"
    r"\bseveral\b[^.]{0,40}\bcompanies\b|"
    r"\bsector (?:recap|breadth)\b|\bsectors to watch\b|\bhottest and coldest\b|\bsocial media outlook\b|"
    r"\bmost active options\b|\bhighest (?:dividend yield|eps|profit margins?)\b|\btop performing\b|\broundup\b|"
    r"\bweek (?:ahead|in preview|in review)\b|\bm&a chatter\b|\binsiders have been buying\b|\bhot stock alerts\b|"
    r"\bnarrow based indexes\b|\bpremarket prep\b|\bpresenting at\b|\bfree analyst review\b|\bbenzinga's\b|"
    r"\bweekend reading\b|\btrading ideas\b|\bunusual options\b|\bsector (?:is|was)? ?(?:crushed|rall)|"
    r"\bupgrades,? (?:and |& )?downgrades\b|\b(?:energy|healthcare|tech|financial|retail) sector\b|"
    r"^\s*shares of [\w\s,&-]{0,60}\bcompanies\b|"
    r"\bin sympathy with\b|\bcompanies (?:up|down|higher|lower)\b|"
    r"\binclud(?:e|es|ing):?\s+[A-Z][\w.&'-]*(?:\s[A-Z][\w.&'-]*)*,\s+[A-Z][\w.&'-]*(?:\s[A-Z][\w.&'-]*)*,",
    re.IGNORECASE,
)


@lru_cache(maxsize=1024)  # one story asks once per event read and once per ticker
def is_roundup(headline: str) -> bool:
    """True for a market, sector or list piece (module docstring)."""
    return _ROUNDUP.search(headline) is not None
