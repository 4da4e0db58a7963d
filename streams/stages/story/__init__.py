"""Story intelligence, pure: what a story reports and how much it matters to each ticker
(DESIGN.md "Story intelligence").

- `events` (with `earnings`, `analyst`, `corporate`, `roundup`, `numbers`): event types,
  directions and magnitudes read from the headline (and the body when the headline has none);
- `roles`: per-ticker direction of deals and index changes;
- `directory`, `relevance`: company names and the relevance of a story to a ticker;
- `novelty`: near-duplicate chains per ticker (MinHash);
- `weighting`: the event-aware score and the effective weight the state uses.
"""

from streams.stages.story.directory import Company, SymbolDirectory
from streams.stages.story.event import Event, EventType
from streams.stages.story.events import BODY_CHARS, classify, primary
from streams.stages.story.relevance import relevance
from streams.stages.story.roles import for_ticker
from streams.stages.story.weighting import effective_weight, event_score

__all__ = [
    "BODY_CHARS",
    "Company",
    "Event",
    "EventType",
    "SymbolDirectory",
    "classify",
    "effective_weight",
    "event_score",
    "for_ticker",
    "primary",
    "relevance",
]
