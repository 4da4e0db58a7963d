"""Good and bad raw stories through a full-pipeline worker (ingest, score, state), and the
checks that nothing was lost or counted twice, for the chaos and outage scenarios."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from kafka.producer.future import RecordMetadata

from schemas import DeadLetter, NormalizedNews, ScoredNews, TickerSignal, decode
from support.checks import RawOffset, assert_dead_lettered, assert_state_exact, dedupe_dead_letters, first_copies
from support.hostile import Bad, mutations
from support.kafka import LagProbe, TopicReader
from support.stories import SAMPLE, news_messages, tickers_by_id
from support.worker import WorkerProcess, wait_until

__all__ = ["STATE_MEMORY", "Mix"]

Message = tuple[bytes | None, bytes | None]

# The state forgets a story id 7 days of event time behind its ticker's newest story (DESIGN.md,
# "Per-ticker state": beyond that a redelivery counts again), a bound meant for feeds that arrive
# roughly in time order. The mix is years of stories shuffled, and every kill or rebalance
# redelivers what was in flight: a story 90+ days older than a ticker's newest, redelivered,
# was counted twice (n_events one too many, values equal: it decays to nothing). Workers that
# `verify` checks remember every id, so that what is checked is the hand-over (kills,
# rebalances), not that bound.
STATE_MEMORY = {"TICKERTONE_STATE__RECENT_IDS_S": "1e10", "TICKERTONE_STATE__RECENT_IDS": "8192"}


def _malformed_sample() -> list[Bad]:
    """streams/sample/malformed.jsonl, line by line (their reasons are checked in tests/integration)."""
    return [Bad(line, None, None, "sample") for line in (SAMPLE / "malformed.jsonl").read_bytes().splitlines()]


@dataclass
class Mix:
    """`n_good` distinct valid stories and the malformed sample plus `n_bad` spoiled stories,
    shuffled together; `record` where each landed, then `verify` a worker's outputs."""

    n_good: int
    n_bad: int
    seed: int
    good: list[tuple[bytes, bytes]] = field(init=False)
    messages: list[Message] = field(init=False)
    bad_at: dict[int, Bad] = field(init=False)  # position in `messages` -> the bad message there
    sent: list[RecordMetadata] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.good = news_messages(self.n_good)
        # No megabyte bodies here: the fuzz scenario covers them, and they are slow to move.
        bad = _malformed_sample() + [b for b in mutations(self.n_bad, self.seed) if b.breaker != "megabytes"]
        entries: list[tuple[Message, Bad | None]] = [(message, None) for message in self.good]
        entries += [((b.key, b.value), b) for b in bad]
        random.Random(self.seed).shuffle(entries)
        self.messages = [message for message, _ in entries]
        self.bad_at = {i: b for i, (_, b) in enumerate(entries) if b is not None}

    def chunks(self, n: int) -> Iterator[list[Message]]:
        """The messages in `n` consecutive parts."""
        size = -(-len(self.messages) // n)
        return (self.messages[i : i + size] for i in range(0, len(self.messages), size))

    def record(self, metadata: list[RecordMetadata]) -> None:
        """Note where the next messages landed (call in sending order)."""
        self.sent.extend(metadata)

    def verify(self, workers: WorkerProcess | Sequence[WorkerProcess], timeout: float) -> dict[str, int]:
        """Wait until every story has its signals, every bad message its dead letter and the
        workers' group has consumed everything; then check all four outputs exactly. Returns how
        many repeats (same story or same dead letter again, after a kill) each topic held.

        Only the group's topics and committed offsets are read, so several workers of one group
        (same app id and topics) are checked as one; their log tails go in the failure message."""
        group = [workers] if isinstance(workers, WorkerProcess) else list(workers)
        worker = group[0]
        assert all((w.group, w.bootstrap) == (worker.group, worker.bootstrap) for w in group), "one group only"
        assert len(self.sent) == len(self.messages), "every message must be sent before checking"
        stories = tickers_by_id(self.good)
        pairs = {(story_id, ticker) for story_id, tickers in stories.items() for ticker in tickers}
        where = [(m.topic, m.partition, m.offset) for m in self.sent]
        expected_bad: dict[RawOffset, Bad] = {where[i]: bad for i, bad in self.bad_at.items()}
        bootstrap = worker.bootstrap
        with (
            TopicReader(bootstrap, worker.topic("signals"), lambda r: decode(TickerSignal, r.value)) as signals,
            TopicReader(bootstrap, worker.topic("deadletter"), lambda r: decode(DeadLetter, r.value)) as letters,
            LagProbe(bootstrap, worker.group, [worker.topic(t) for t in ("raw", "normalized", "scored")] + [worker.tagged_topic])
            as probe,
        ):

            missing: dict[str, int | None] = {}

            def complete() -> bool:
                missing["signals"] = len(pairs - {(s.news_id, s.ticker) for s in signals.read()})
                lettered = {(d.topic, d.partition, d.offset) for d in letters.read()}
                missing["dead letters"] = len(expected_bad.keys() - lettered)
                missing["lag"] = probe.lag()
                return not any(missing.values()) and missing["lag"] is not None

            done = wait_until(complete, timeout, interval=2.0)
            tails = "\n".join(f"--- {w.log_path}:\n{w.log_tail()}" for w in group)
            assert done, f"after {timeout} s, missing {missing}:\n{tails}"
            signal_list, letter_list = signals.read(), letters.read()
        with TopicReader(bootstrap, worker.topic("normalized"), lambda r: decode(NormalizedNews, r.value).id) as reader:
            normalized = reader.read()
        with TopicReader(bootstrap, worker.topic("scored"), lambda r: decode(ScoredNews, r.value)) as reader:
            scored, scored_repeats = first_copies(reader.read())

        assert set(normalized) == stories.keys()
        assert {(s.id, s.ticker) for s in scored} == pairs
        assert_state_exact(scored, signal_list, Counter(ticker for _, ticker in pairs))
        by_offset, letter_repeats = dedupe_dead_letters(letter_list)
        assert_dead_lettered(by_offset, expected_bad)
        return {
            "normalized_repeats": len(normalized) - len(stories),
            "scored_repeats": scored_repeats,
            "signal_repeats": len(signal_list) - len(pairs),
            "dead_letter_repeats": letter_repeats,
        }
