"""Events whose direction depends on which company a ticker is: the target of a deal gains
(+1) while the acquirer, a bidder or a seller does not (0); a company replaced in an index loses
(-1) while the one joining gains (+1). The company's place in the text decides:
- active deal ("Acme to Acquire Beta"): named after the deal verb, it is the target, unless it
  is named as the owner of what is bought ("Acme Acquires Beta's Chip Unit": the seller);
- passive deal ("Beta to Be Acquired by Acme", "Beta Receives Offer From Acme"): named after
  "by" or "from", it is the buyer;
- index change: named after the replacement verb, it is the one replaced.
"""

from __future__ import annotations

import re
from dataclasses import replace

from streams.stages.story.directory import Company
from streams.stages.story.event import Event, EventType
from streams.stages.story.events import strip_prefix
from streams.stages.story.relevance import mention_position

__all__ = ["for_ticker"]

_DEAL_VERB = re.compile(
    r"\b(?:to (?:acquire|buy)|acquires?|buys|acquisition of|takeover of|(?:bid|offer) for|to merge with|merger with)\b",
    re.IGNORECASE,
)
_REPLACE_VERB = re.compile(r"\b(?:will replace|to replace|replaces|replacing)\b", re.IGNORECASE)
_BUYER_WORD = re.compile(r"\b(?:by|from)\b", re.IGNORECASE)
# What a seller parts with: "Beta's chip unit", "Beta's stake in ...".
_PART_SOLD = re.compile(
    r"['\u2019]s?\s+(?:\S+\s+){0,3}?(?:unit|units|business|businesses|division|stake|assets?|operations|brands?|"
    r"portfolio|segment|subsidiary|plant|stores?)\b",
    re.IGNORECASE,
)


def _named_after(text: str, verb: re.Pattern[str], ticker: str, company: Company | None) -> bool | None:
    """True when the company is named after the verb, False when only before it, None when the
    verb or the company is not found."""
    found = verb.search(text)
    if found is None:
        return None
    after = mention_position(text[found.end() :], ticker, company)
    if after is not None:
        return True
    return False if mention_position(text[: found.start()], ticker, company) is not None else None


def for_ticker(events: tuple[Event, ...], text: str, ticker: str, company: Company | None) -> tuple[Event, ...]:
    """`events` with each deal and index change's direction set for `ticker`'s role in `text`
    (the headline, or whatever text the events were read from)."""
    text = strip_prefix(text)
    adjusted = []
    for event in events:
        if event.type is EventType.MERGER_ACQUISITION and event.action == "acquirer":
            if _named_after(text, _DEAL_VERB, ticker, company) and not _PART_SOLD.search(text):
                event = replace(event, direction=1, action="target")
        elif event.type is EventType.MERGER_ACQUISITION and event.action == "target":
            if _named_after(text, _BUYER_WORD, ticker, company):
                event = replace(event, direction=0, action="acquirer")
        elif event.type is EventType.INDEX_CHANGE and event.direction > 0:
            if _named_after(text, _REPLACE_VERB, ticker, company):
                event = replace(event, direction=-1, action="removed")
        adjusted.append(event)
    return tuple(adjusted)
