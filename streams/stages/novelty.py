"""Novelty stage, pure: ScoredNews without novelty in, complete ScoredNews out (DESIGN.md
"Story intelligence"). Keyed by ticker like the state stage; the per-ticker `Chains` are its
table's values.

Per record, in input order: decode it; take its ticker's chains (this batch's, else `load`);
sign its headline (MinHash) and assign its novelty and chain (`streams.stages.story.novelty`);
set `weight` to the effective weight (source weight x relevance and novelty factors). A story
already in its ticker's chains is a redelivery whose record went out before its chains were
recorded (the commit protocol's order): it is dropped, as the dedupe stage drops a seen id. A
record that is not a usable ScoredNews is returned as rejected for the caller to dead-letter;
the rest of the batch goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from schemas import ScoredNews, decode, dumps
from schemas.errors import InvalidMessage
from streams.settings import StorySettings
from streams.stages.story import SymbolDirectory, effective_weight
from streams.stages.story.novelty import Chains, assign, event_key, signature

__all__ = ["NoveltyBatch", "fold_novelty"]


@dataclass
class NoveltyBatch:
    """What one batch does: each touched ticker's chains (to write back once), the complete
    records as `(key, value)` in input order, `(position, error)` for unusable records, and how
    many redelivered stories were dropped."""

    chains: dict[bytes, Chains] = field(default_factory=dict)
    outputs: list[tuple[bytes, bytes]] = field(default_factory=list)
    rejected: list[tuple[int, InvalidMessage]] = field(default_factory=list)
    duplicates: int = 0


def fold_novelty(
    values: Iterable[bytes], load: Callable[[bytes], Chains], directory: SymbolDirectory, cfg: StorySettings
) -> NoveltyBatch:
    """Apply a batch of encoded ScoredNews in order (module docstring)."""
    out = NoveltyBatch()
    for position, value in enumerate(values):
        try:
            record = decode(ScoredNews, value)
        except InvalidMessage as error:
            out.rejected.append((position, error))
            continue
        key = record.ticker.encode("utf-8")
        chains = out.chains.get(key)
        if chains is None:
            chains = load(key)
        key_of_event = event_key(record.event_type, record.event_direction, record.event_actor)
        sig = signature(record.headline, directory.get(record.ticker), cfg.novelty_num_perm)
        result = assign(chains, record.id, record.published_at_utc.timestamp(), key_of_event, sig, cfg)
        if result.seen:
            out.duplicates += 1
            continue
        out.chains[key] = result.chains
        complete = replace(
            record,
            novelty=result.novelty,
            chain_id=result.chain_id,
            weight=effective_weight(record.weight, record.relevance, result.novelty, cfg),
        )
        out.outputs.append((key, dumps(complete)))
    return out
