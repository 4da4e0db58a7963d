"""`classify`: the events a story reports, and the one that leads (DESIGN.md "Story
intelligence").

Steps: (1) strip wire prefixes (UPDATE:, CORRECTION:, BRIEF:, ...); (2) a market, sector or
list piece reports no event; (3) read the headline with each family of rules (earnings and
guidance from figures, analyst actions, corporate events; a guidance without figures in a
firm's note is its reason, not an event); (4) when the headline gives none,
read the body's first `BODY_CHARS` characters the same way; (5) order the events by `PRIORITY`.

The lead event (`primary`) is the first in that order whose direction is known (non-zero),
else the first of all; the story's score follows it (`streams.stages.story.weighting`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from streams.stages.story.analyst import analyst_events
from streams.stages.story.corporate import corporate_events
from streams.stages.story.earnings import earnings_events
from streams.stages.story.event import Event, EventType
from streams.stages.story.roundup import is_roundup

__all__ = ["BODY_CHARS", "PRIORITY", "classify", "primary", "strip_prefix"]

# Which event leads when a story reports several: the one that moves the price most, with an
# analyst's rating change before a target move, and a target move before a reiteration.
PRIORITY: tuple[tuple[EventType, str | None], ...] = (
    (EventType.BANKRUPTCY, None),
    (EventType.REGULATORY, None),
    (EventType.EARNINGS, None),
    (EventType.GUIDANCE, None),
    (EventType.MERGER_ACQUISITION, None),
    (EventType.ANALYST_RATING, "upgrade"),
    (EventType.ANALYST_RATING, "downgrade"),
    (EventType.PRICE_TARGET, None),
    (EventType.ANALYST_RATING, None),
    (EventType.LEGAL, None),
    (EventType.EQUITY_OFFERING, None),
    (EventType.DIVIDEND, None),
    (EventType.BUYBACK, None),
    (EventType.INDEX_CHANGE, None),
    (EventType.EXECUTIVE_CHANGE, None),
    (EventType.TRADING_HALT, None),
)
_PREFIX = re.compile(
    r"^\s*(?:(?:UPDATE|CORRECTION|BRIEF|EXCLUSIVE|PREVIEW|BREAKING|HEARING|BZ NOTE)\s*\d*\s*:\s*)+", re.IGNORECASE
)
BODY_CHARS = 600
"""How much of a body is read: its opening, where wires put the news."""


def strip_prefix(text: str) -> str:
    """`text` without its wire prefixes ("UPDATE: ...")."""
    return _PREFIX.sub("", text).strip()


def _rank(event: Event) -> int:
    for rank, (kind, action) in enumerate(PRIORITY):
        if event.type is kind and (action is None or event.action == action):
            return rank
    return len(PRIORITY)


def _read(text: str) -> list[Event]:
    analyst = analyst_events(text)
    company = earnings_events(text)
    if any(event.actor for event in analyst):
        # "Upgrades Acme on Positive Outlook": without numbers, the outlook is the firm's reason,
        # not the company's guidance.
        company = [e for e in company if e.type is not EventType.GUIDANCE or e.magnitude is not None]
    return [*company, *analyst, *corporate_events(text)]


def classify(headline: str, body: str | None = None) -> tuple[Event, ...]:
    """The story's events, most important first (module docstring); empty for a roundup."""
    text = strip_prefix(headline)
    if is_roundup(text):
        return ()
    events = _read(text)
    if not events and body:
        events = _read(strip_prefix(body[:BODY_CHARS]))
    return tuple(sorted(events, key=_rank))


def primary(events: Sequence[Event]) -> Event | None:
    """The lead event: the first (in `PRIORITY` order) with a known direction, else the first."""
    for event in events:
        if event.direction != 0:
            return event
    return events[0] if events else None
