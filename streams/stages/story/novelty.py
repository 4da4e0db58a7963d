"""Novelty: is a story new for its ticker, or a repeat of one seen within the window?

Per ticker, the recent stories (`Chains`) are kept with a MinHash signature (datasketch) of
their headline's words, their lead event's key and their chain. A new story joins the chain of
the most similar recent story within `novelty_window_s` of event time, when:
- both report an event of the same type (and the same direction and analyst firm, where both
  are known) and their word Jaccard (MinHash estimate) is at least `novelty_event_threshold`:
  one company rarely reports two earnings, or one firm two notes, in a day;
- otherwise, when their Jaccard is at least `novelty_threshold`.
Stories reporting different event types, directions or firms never share a chain. The words
are the headline's, lower case, without the wire prefix, stop words and the ticker's own name
(which every story of the ticker shares).

`novelty = novelty_decay ** k`, `k` the chain's stories earlier (by time, then id) than this
one: 1 for the first, falling as the news repeats. `chain_id` is the chain's first story id.
Bounds: the stories within the window of the newest, at most `novelty_max_stories` (the
newest); an entry is ~450 bytes in the changelog (64 permutations), so a ticker's chains stay
under ~15 KB at the defaults. A redelivered story id gets its first answer back, unchanged.
"""

from __future__ import annotations

import base64
from bisect import insort
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from datasketch import LeanMinHash, MinHash

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

    def sort_key(self) -> tuple[float, str]:
        return self.t, self.news_id


@dataclass(frozen=True, slots=True)
class Chains:
    """A ticker's recent stories, ordered by (t, id)."""

    entries: tuple[ChainEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class NoveltyResult:
    """The story's novelty and chain, and the ticker's chains after it."""

    novelty: float
    chain_id: str
    chains: Chains


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
    template = _template(num_perm)
    minhash = MinHash(num_perm=num_perm, seed=_SEED, scheme=_SCHEME, permutations=template.permutations)
    minhash.update_batch([w.encode("utf-8") for w in dict.fromkeys(words)] or [b""])
    return np.asarray(minhash.hashvalues, dtype="<u4").tobytes()


def _jaccard(a: bytes, b: bytes) -> float:
    if len(a) != len(b):
        return 0.0
    left = LeanMinHash(seed=_SEED, hashvalues=np.frombuffer(a, dtype="<u4").astype(np.uint64), scheme=_SCHEME)
    right = LeanMinHash(seed=_SEED, hashvalues=np.frombuffer(b, dtype="<u4").astype(np.uint64), scheme=_SCHEME)
    return float(left.jaccard(right))


def _threshold(a: str, b: str, cfg: StorySettings) -> float | None:
    """The Jaccard two stories with event keys `a` and `b` need to share a chain; None: never."""
    if not a or not b:
        return cfg.novelty_threshold
    type_a, dir_a, actor_a = a.split("|")
    type_b, dir_b, actor_b = b.split("|")
    if type_a != type_b or (actor_a and actor_b and actor_a != actor_b) or (dir_a != "0" and dir_b != "0" and dir_a != dir_b):
        return None
    return cfg.novelty_event_threshold


def assign(chains: Chains, news_id: str, t: float, key: str, sig: bytes, cfg: StorySettings) -> NoveltyResult:
    """The novelty and chain of one story, and the chains with it added (module docstring)."""
    for entry in chains.entries:
        if entry.news_id == news_id:
            return NoveltyResult(entry.novelty, entry.chain_id, chains)
    best: tuple[float, ChainEntry] | None = None
    for entry in chains.entries:
        if abs(entry.t - t) > cfg.novelty_window_s:
            continue
        needed = _threshold(key, entry.key, cfg)
        if needed is None:
            continue
        similarity = _jaccard(sig, entry.signature)
        if similarity >= needed and (best is None or similarity > best[0]):
            best = (similarity, entry)
    if best is None:
        chain_id, earlier = news_id, 0
    else:
        chain_id = best[1].chain_id
        earlier = sum(
            1 for e in chains.entries
            if e.chain_id == chain_id and abs(e.t - t) <= cfg.novelty_window_s and e.sort_key() < (t, news_id)
        )
    novelty = cfg.novelty_decay**earlier
    entries = list(chains.entries)
    insort(entries, ChainEntry(news_id, chain_id, t, key, novelty, sig), key=ChainEntry.sort_key)
    newest = entries[-1].t
    kept = [e for e in entries if newest - e.t <= cfg.novelty_window_s][-cfg.novelty_max_stories :]
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

