"""What a story reports: its events, each with a type, a direction and, where the text gives
numbers, a magnitude (DESIGN.md "Story intelligence")."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Event", "EventType"]


class EventType(StrEnum):
    """The event types tickertone recognises (the ScoredNews `event_type` values)."""

    EARNINGS = "earnings"  # results vs estimate (EPS, revenue)
    GUIDANCE = "guidance"  # raised, lowered, reaffirmed, or against the estimate
    ANALYST_RATING = "analyst_rating"  # upgrade, downgrade, initiation, reiteration
    PRICE_TARGET = "price_target"  # raised, lowered, set
    MERGER_ACQUISITION = "merger_acquisition"  # acquirer (0) or target (+1)
    EQUITY_OFFERING = "equity_offering"  # dilution (-1)
    DIVIDEND = "dividend"  # raised, initiated (+1), cut, suspended (-1), declared (0)
    BUYBACK = "buyback"  # announced or raised (+1), suspended (-1)
    REGULATORY = "regulatory"  # approval (+1), rejection (-1)
    TRADING_HALT = "trading_halt"  # halted or resumed (0)
    LEGAL = "legal"  # investigation, lawsuit, charges (-1); settlement (0)
    BANKRUPTCY = "bankruptcy"  # bankruptcy, default, insolvency (-1)
    EXECUTIVE_CHANGE = "executive_change"  # departure (-1), appointment (0)
    INDEX_CHANGE = "index_change"  # addition (+1), removal (-1)
    OTHER = "other"  # none of the above


@dataclass(frozen=True, slots=True)
class Event:
    """One event a story reports.

    `direction`: +1 good news for the company, -1 bad, 0 neither or unknown. `magnitude`: the
    size the text gives, in the unit of the type (earnings and guidance: surprise in % of the
    estimate; price target: % change; analyst rating: steps on the sell/hold/buy scale); None
    when the text gives none. `action` names what happened ("beat", "upgrade", "raised", ...);
    `actor` is who acted, where it matters for telling two stories apart (the analyst's firm).
    """

    type: EventType
    direction: int
    magnitude: float | None = None
    action: str = ""
    actor: str | None = None
