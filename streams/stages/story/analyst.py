"""Analyst actions: rating changes, initiations, reiterations and price targets.

Wire headlines name the firm first ("Goldman Sachs Upgrades Agilent from Neutral to Buy,
Announces PT of $49"; "UBS Maintains Neutral on Agilent, Raises Price Target to $87"). A rating
sits on a three-step scale, sell (-1), hold (0), buy (+1), so an upgrade from sell to buy moves
two steps. Direction: upgrade +1, downgrade -1; an initiation or reiteration takes its rating's
sign; a price target raised +1, lowered -1, set or removed 0. The actor is the firm (named
before the verb, or after "at"/"by" in "Acme Upgraded at Goldman"), keyed by its first word,
lower case, dots removed ("jp" for "J.P. Morgan"; "bank america" where the first word is
generic), for telling two firms' notes apart.
"""

from __future__ import annotations

import re

from streams.stages.story.event import Event, EventType
from streams.stages.story.numbers import find_figures, relative_change

__all__ = ["RATINGS", "analyst_events", "rating_value"]

RATINGS: dict[str, int] = {
    "strong buy": 1, "conviction buy": 1, "conviction list buy": 1, "buy": 1, "outperform": 1, "overweight": 1,
    "ow": 1, "accumulate": 1, "add": 1, "positive": 1, "top pick": 1, "sector outperform": 1, "market outperform": 1,
    "outperformer": 1, "long-term buy": 1, "speculative buy": 1,
    "hold": 0, "neutral": 0, "market perform": 0, "sector perform": 0, "equal-weight": 0, "equal weight": 0,
    "in-line": 0, "inline": 0, "peer perform": 0, "sector weight": 0, "perform": 0, "market weight": 0, "mixed": 0,
    "sell": -1, "strong sell": -1, "underperform": -1, "underweight": -1, "uw": -1, "reduce": -1,
    "sector underperform": -1, "market underperform": -1,
}
_RATING = "|".join(sorted((re.escape(r) for r in RATINGS), key=len, reverse=True))
# Rating changes: the verb, or a raise/cut "to" a rating ("Bank of America Reduces X to Underperform").
_UP = re.compile(
    r"\bupgrad(?:es|ed|ing|e)\b|\brating outlook upped\b|"
    rf"\b(?:raises|raised|lifts|lifted|boosts|boosted)\b(?:\s+\S+){{0,6}}\s+to\s+(?:{_RATING})\b",
    re.IGNORECASE,
)
_DOWN = re.compile(
    rf"\bdowngrad(?:es|ed|ing|e)\b|\b(?:reduces|reduced|cuts|lowers|lowered)\b(?:\s+\S+){{0,6}}\s+to\s+(?:{_RATING})\b",
    re.IGNORECASE,
)
# An initiation needs the words of an analyst's note; "Drilling Initiated at ..." is none.
_NOTE = re.compile(rf"\bcoverage\b|\breport\b|\b(?:{_RATING})\b|\bPT\b|\bprice target\b", re.IGNORECASE)
_INITIATE = re.compile(
    r"\binitiat(?:es|ed|ing)\b|\bassum(?:es|ed)\b(?![^;]{0,10}\brole\b)(?=[^;]{0,60}\b(?:at|coverage|with)\b)|"
    r"\bresum(?:es|ed) coverage\b|\bstarts? coverage\b",
    re.IGNORECASE,
)
_REITERATE = re.compile(r"\bmaintain(?:s|ed)?\b|\breiterat(?:es|ed)\b|\bkeeps?\b|\bre-?affirms?\b", re.IGNORECASE)
_FROM_TO = re.compile(rf"\bfrom\s+(?P<old>{_RATING})\s+to\s+(?P<new>{_RATING})\b", re.IGNORECASE)
_TO = re.compile(rf"\b(?:to|at|with|as|rates?)\s+(?:an?\s+)?(?P<rating>{_RATING})\b", re.IGNORECASE)
_BARE = re.compile(
    rf"\b(?:maintains|reiterates|keeps|reaffirms|issues|resumes)\s+(?:an?\s+)?(?P<rating>{_RATING})\b", re.IGNORECASE
)
_PT = r"(?:price target|price objective|target price|\bPT\b|\bPO\b|\btarget\b)"
_PT_UP = re.compile(
    rf"\b(?:raises?|raised|increases?|ups|boosts?|lifts?|hikes?)\b[^;,]{{0,60}}{_PT}|{_PT}[^;,]{{0,15}}\b(?:raised|increased|lifted|up)\b",
    re.IGNORECASE,
)
_PT_DOWN = re.compile(
    rf"\b(?:lowers?|lowered|cuts?|reduces?|trims?|slashes?)\b[^;,]{{0,60}}{_PT}|{_PT}[^;,]{{0,15}}\b(?:lowered|cut|reduced|trimmed)\b",
    re.IGNORECASE,
)
_PT_SET = re.compile(
    rf"\b(?:announces?|sets?|establishes?|removes?|with)\b[^;,]{{0,20}}{_PT}|{_PT}\s+(?:of|goes)\b|\$[\d.,]+\s?{_PT}",
    re.IGNORECASE,
)
_PT_ANY = re.compile(_PT, re.IGNORECASE)
_ACTOR_VERB = re.compile(
    r"\b(?:upgrad\w*|downgrad\w*|initiat\w*|assum\w*|maintain\w*|reiterat\w*|raises|lowers|cuts|increases|says)\b",
    re.IGNORECASE,
)
_PREFIX = re.compile(r"^\s*(?:UPDATE|CORRECTION|BRIEF|EXCLUSIVE|PREVIEW)\s*:\s*", re.IGNORECASE)


def rating_value(text: str) -> int | None:
    """-1, 0 or +1 for a rating name (case-insensitive); None if it is not one."""
    return RATINGS.get(text.strip().lower())


# First words that name the same firm as another (wires shorten names differently), and first
# words that need the next one to tell firms apart (Bank of America, Bank of Montreal).
_FIRM_ALIASES = {
    "citigroup": "citi", "jpmorgan": "jp", "bofa": "bank america", "baml": "bank america", "merrill": "bank america",
    "ms": "morgan",
}
_GENERIC_FIRST = frozenset({"bank", "credit", "royal", "national", "first", "capital", "b"})
_PASSIVE = re.compile(
    r"\b(?:upgraded|downgraded|initiated|reiterated|maintained|raised|lowered|cut)\b[^;]{0,60}?\b(?:at|by)\s+(?P<firm>[^,;]+)",
    re.IGNORECASE,
)
_MAX_ACTOR_CHARS = 32


def _firm(name: str) -> str | None:
    """The key of a firm's name: its first word, lower case, dots removed ("jp" for "J.P.
    Morgan"), with the next word after a generic one; None for no name or an implausible one."""
    words = [w for w in re.findall(r"[a-z0-9&]+", name.lower().replace(".", "")) if w not in {"of", "the"}]
    if not words or len(words) > 6:
        return None
    key = f"{words[0]} {words[1]}" if words[0] in _GENERIC_FIRST and len(words) > 1 else words[0]
    key = _FIRM_ALIASES.get(key, key)
    return key if len(key) <= _MAX_ACTOR_CHARS else None


def _actor(text: str) -> str | None:
    body = _PREFIX.sub("", text)
    passive, verb = _PASSIVE.search(body), _ACTOR_VERB.search(body)
    if passive is not None and (verb is None or passive.start() <= verb.start()):
        return _firm(passive.group("firm"))  # "Acme Upgraded to Buy at Goldman": the firm follows
    return None if verb is None else _firm(body[: verb.start()])


def _rating_event(text: str, actor: str | None) -> Event | None:
    up, down = _UP.search(text), _DOWN.search(text)
    change = _FROM_TO.search(text)
    target = _TO.search(text)
    if up or down:
        direction = 1 if up and not down else -1 if down and not up else 0
        steps: float | None = 1.0
        if change is not None:
            old, new = rating_value(change.group("old")), rating_value(change.group("new"))
            if old is not None and new is not None and new != old:
                steps = float(abs(new - old))
        return Event(EventType.ANALYST_RATING, direction, steps, "upgrade" if direction > 0 else "downgrade", actor)
    if _INITIATE.search(text) and _NOTE.search(text):
        rating = rating_value(target.group("rating")) if target else None
        return Event(EventType.ANALYST_RATING, rating or 0, None, "initiation", actor)
    reiterate = _REITERATE.search(text)
    if reiterate is None:
        return None
    bare = _BARE.search(text) or target
    rating = rating_value(bare.group("rating")) if bare else None
    if rating is None and not re.search(r"\breiterat\w*\s+on\b", text, re.IGNORECASE):
        return None  # "maintains" without a rating is not an analyst action ("Maintains FY16 EPS")
    return Event(EventType.ANALYST_RATING, rating or 0, None, "reiteration", actor)


def _target_event(text: str, actor: str | None) -> Event | None:
    if not _PT_ANY.search(text) or re.search(r"\btargets\b|\bacquisition target", text, re.IGNORECASE):
        return None
    up, down = _PT_UP.search(text), _PT_DOWN.search(text)
    figures = [f for f in find_figures(text) if f.currency]
    percents = [f for f in find_figures(text) if f.percent]
    magnitude: float | None = None
    moved = re.search(r"\bfrom\s+\$?[\d.,]+\s+to\s+\$?[\d.,]+", text, re.IGNORECASE)
    if moved is not None:
        pair = find_figures(moved.group(0))
        if len(pair) == 2:
            magnitude = relative_change(pair[1].value, pair[0].value)
    elif percents:
        magnitude = percents[0].value * (-1 if down and not up else 1)
    if up or down:
        direction = 1 if up and not down else -1 if down and not up else 0
        if direction == 0 and magnitude is not None:
            direction = 1 if magnitude > 0 else -1 if magnitude < 0 else 0
        return Event(EventType.PRICE_TARGET, direction, magnitude, _action(direction), actor)
    if magnitude is not None:  # "PT Goes From $40 To $46"
        direction = 1 if magnitude > 0 else -1 if magnitude < 0 else 0
        return Event(EventType.PRICE_TARGET, direction, magnitude, _action(direction), actor)
    if _PT_SET.search(text) and (figures or re.search(r"\bremoves?\b", text, re.IGNORECASE)):
        return Event(EventType.PRICE_TARGET, 0, None, "set", actor)
    return None


def _action(direction: int) -> str:
    return "raised" if direction > 0 else "lowered" if direction < 0 else "set"


def analyst_events(text: str) -> list[Event]:
    """The rating action and the price-target change of `text`, where present."""
    actor = _actor(text)
    return [event for event in (_rating_event(text, actor), _target_event(text, actor)) if event is not None]
