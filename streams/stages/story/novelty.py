"""Novelty: is a story new for its ticker, or a repeat of one seen within the window?

Per ticker, the recent stories (`Chains`) are kept with a MinHash signature (datasketch) of
their headline's words, their lead event's key and their chain. A new story joins the chain of
the most similar recent story within `novelty_window_s` of event time, when:
- both report the same event: analyst actions (rating or price target) by the same known firm
  (not a rating change each way), or company events of the same type and the same known
  direction. A company rarely reports
  two earnings, or one firm publishes two notes on it, within a day, however the wires word them;
- or both report events of the same type whose direction or firm is unknown on one side, and
  their word Jaccard (MinHash estimate) is at least `novelty_event_threshold`;
- or neither reports an event, or only one does, and their Jaccard is at least `novelty_threshold`.
Stories reporting different event types, directions or firms never share a chain. Among the
candidates the most similar wins. The words are the headline's, lower case, without the wire
prefix, stop words and the ticker's own name (which every story of the ticker shares); a
headline with no words left has an empty signature, similar to nothing.

`novelty = novelty_decay ** k`, `k` the stories of its chain already seen (within the window of
this one): 1 for the first to arrive, falling as the news repeats. Counting by arrival, not by
event time, keeps what was emitted true: a story arriving after its own UPDATE (partitions
reorder a fast replay) is the repeat. `chain_id` is the id of the chain's first story to arrive.

Bounds: after each story, the entries more than `novelty_window_s` older than it are dropped,
then all but the last `novelty_max_stories` to arrive. Dropping by the arriving story's time,
not the newest seen, keeps a late story's entry and lets one future-dated story evict only once.
An entry is ~450 bytes in the changelog (64 permutations), so a ticker's chains stay under
~15 KB at the defaults. A redelivered story id gets its first answer back, marked `seen`,
while it is kept.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from datasketch import MinHash

from streams.settings import StorySettings
from streams.stages.story.directory import Company, normalise
from streams.stages.story.event import EventType
from streams.stages.story.events import strip_prefix

__all__ = ["CHAINS_VERSION", "ChainEntry", "Chains", "NoveltyResult", "assign", "chains_from_dict", "chains_to_dict",
           "event_key", "signature"]

CHAINS_VERSION = 1
_SEED = 1
_SCHEME = "affine32"
_STOP = frozenset(
    "a an the of on in at to for and or with by from as its it is are was be co inc corp ltd vs est estimate shares "
    "stock says said update reports report announces announced".split()
)


@dataclass(frozen=True, slots=True)
class ChainEntry:
    """One recent story: its id, chain, event time, lead event key, novelty and signature."""

    news_id: str
    chain_id: str
    t: float
    key: str
    novelty: float
    signature: bytes  # the MinHash hash values, uint32 little-endian


@dataclass(frozen=True, slots=True)
class Chains:
    """A ticker's recent stories, in arrival order."""

    entries: tuple[ChainEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class NoveltyResult:
    """The story's novelty and chain, and the ticker's chains after it; `seen` when the story
    was already in them (a redelivery: its first answer, the chains unchanged)."""

    novelty: float
    chain_id: str
    chains: Chains
    seen: bool = False


def event_key(event_type: str, direction: int, actor: str | None) -> str:
    """`type|direction|actor` of a story's lead event ("" when it has none)."""
    if event_type == EventType.OTHER.value:
        return ""
    return f"{event_type}|{direction}|{actor or ''}"


@lru_cache(maxsize=8)
def _template(num_perm: int) -> MinHash:
    return MinHash(num_perm=num_perm, seed=_SEED, scheme=_SCHEME)


def signature(headline: str, company: Company | None, num_perm: int) -> bytes:
    """The MinHash signature of the headline's words (module docstring), as bytes."""
    own = {word for alias in (company.aliases if company else ()) for word in alias.split()}
    words = [w for w in normalise(strip_prefix(headline)).split() if w not in _STOP and w not in own]
    if not words:
        return b""  # nothing to compare: such a story chains only as the same event
    template = _template(num_perm)
    minhash = MinHash(num_perm=num_perm, seed=_SEED, scheme=_SCHEME, permutations=template.permutations)
    minhash.update_batch([w.encode("utf-8") for w in dict.fromkeys(words)])
    return np.asarray(minhash.hashvalues, dtype="<u4").tobytes()


def _jaccards(sig: bytes, entries: list[ChainEntry]) -> np.ndarray:
    """The MinHash Jaccard estimate of `sig` against each entry's signature: the share of equal
    hash values, as datasketch's `MinHash.jaccard` computes it, for all entries in one pass.
    An empty signature, or one of another number of permutations, scores 0."""
    out = np.zeros(len(entries))
    if not sig:
        return out
    mine = np.frombuffer(sig, dtype="<u4")
    same = [i for i, e in enumerate(entries) if len(e.signature) == len(sig)]
    if same:
        theirs = np.frombuffer(b"".join(entries[i].signature for i in same), dtype="<u4").reshape(len(same), -1)
        out[same] = (theirs == mine).mean(axis=1)
    return out


_BY_FIRM = frozenset({EventType.ANALYST_RATING.value, EventType.PRICE_TARGET.value})


def _threshold(a: str, b: str, cfg: StorySettings) -> float | None:
    """The Jaccard two stories with event keys `a` and `b` need to share a chain; None: never."""
    if not a or not b:
        return cfg.novelty_threshold
    type_a, dir_a, actor_a = a.split("|")
    type_b, dir_b, actor_b = b.split("|")
    conflict = dir_a != "0" and dir_b != "0" and dir_a != dir_b
    if type_a in _BY_FIRM and type_b in _BY_FIRM and actor_a and actor_a == actor_b and not (type_a == type_b and conflict):
        return 0.0  # one firm's note, whether its lead is the rating or the target
    if type_a != type_b or (actor_a and actor_b and actor_a != actor_b) or conflict:
        return None
    if type_a not in _BY_FIRM and dir_a != "0" and dir_a == dir_b:
        return 0.0  # the company's same news
    return cfg.novelty_event_threshold


def assign(chains: Chains, news_id: str, t: float, key: str, sig: bytes, cfg: StorySettings) -> NoveltyResult:
    """The novelty and chain of one story, and the chains with it added (module docstring)."""
    for entry in chains.entries:
        if entry.news_id == news_id:
            return NoveltyResult(entry.novelty, entry.chain_id, chains, seen=True)
    candidates: list[ChainEntry] = []
    needs: list[float] = []
    for entry in chains.entries:
        needed = _threshold(key, entry.key, cfg) if abs(entry.t - t) <= cfg.novelty_window_s else None
        if needed is not None:
            candidates.append(entry)
            needs.append(needed)
    best: tuple[float, ChainEntry] | None = None
    if candidates:
        similarity = _jaccards(sig, candidates)
        for i in np.flatnonzero(similarity >= np.asarray(needs)):
            if best is None or similarity[i] > best[0]:
                best = (float(similarity[i]), candidates[i])
    if best is None:
        chain_id, earlier = news_id, 0
    else:
        chain_id = best[1].chain_id
        earlier = sum(1 for e in chains.entries if e.chain_id == chain_id and abs(e.t - t) <= cfg.novelty_window_s)
    novelty = cfg.novelty_decay**earlier
    entries = [*chains.entries, ChainEntry(news_id, chain_id, t, key, novelty, sig)]
    kept = [e for e in entries if t - e.t <= cfg.novelty_window_s][-cfg.novelty_max_stories :]
    return NoveltyResult(novelty, chain_id, Chains(tuple(kept)))


def chains_to_dict(chains: Chains) -> dict[str, Any]:
    """The changelog form of a ticker's chains (versioned)."""
    return {
        "v": CHAINS_VERSION,
        "e": [[e.news_id, e.chain_id, e.t, e.key, e.novelty, base64.b64encode(e.signature).decode("ascii")]
              for e in chains.entries],
    }


def chains_from_dict(data: dict[str, Any]) -> Chains:
    """Inverse of `chains_to_dict`; ValueError for another version."""
    if data.get("v") != CHAINS_VERSION:
        raise ValueError(f"novelty chains version {data.get('v')!r}, expected {CHAINS_VERSION}")
    return Chains(tuple(
        ChainEntry(str(i), str(c), float(t), str(k), float(n), base64.b64decode(s)) for i, c, t, k, n, s in data["e"]
    ))

