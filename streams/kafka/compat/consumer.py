"""`RewindingConsumer`: Faust's aiokafka consumer that never skips a record it fetched.

Faust (0.15) can drop fetched records and commit past them in three ways (RELIABILITY.md,
"Faust's fetch/seek race" and "Records dropped when Faust resumes the flow"): a batch fetched
before a partition was sought is still delivered after the seek; records fetched but not
delivered (a partition not active yet, a generation change mid-batch) are left behind; and each
time Faust resumes the flow it clears the stream buffers, dropping records delivered since the
partitions were sought to their committed offsets (which it does one partition at a time while
the flow runs). The consumer keeps these invariants:

1. A record fetched before its partition was sought is never delivered after the seek; the
   partition is sought again to that target, in case the fetch ran past it.
2. A fetched record left undelivered puts its partition back to it.
3. When the flow resumes, a partition that delivered records since it was last sought at or
   before them is put back to the first of them. A record already processed comes again and is
   dropped as a repeat (the dedupe table, the state's recent story ids). A partition that
   delivered records while Faust sought it to its committed offset (aiokafka makes the seek
   before this consumer can note it) is put back to that offset.
4. A partition without a committed offset starts at the log's start when Faust seeks to the
   committed offsets (what `auto_offset_reset="earliest"` promises; Faust leaves it in place).
5. A partition Faust pauses is paused in aiokafka too, and resumed with it. Faust's pause is its
   own bookkeeping only, so aiokafka kept fetching a paused table changelog: the first record
   the worker wrote to one came back, nobody read it, and aiokafka sent no fetch to that broker
   for its prefetch backoff (0.1 s), stalling every stage once per changelog partition.
   aiokafka sends no fetch for a paused partition; records fetched before the pause took effect
   stay buffered until Faust seeks the partition (dropped) or resumes it (delivered in order),
   and its position never moves. aiokafka's pause flags start fresh (unpaused) with each
   assignment, and Faust pauses everything assigned again when the assignment arrives, so the
   mirror holds across rebalances; a call that lands after the assignment changed can only
   leave a partition unpaused (the old behaviour), never paused for good.

It also hands records over with `OneTaskFirstWait`. The private Faust names it overrides and
reads are listed in `streams.kafka.compat.contract`.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from aiokafka.structs import TopicPartition
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, Message

from streams.kafka.compat.first_wait import OneTaskFirstWait

__all__ = ["RewindingConsumer", "RewindingTransport"]

log = logging.getLogger(__name__)

_START = -1  # seek target: the start of the log



class RewindingConsumer(OneTaskFirstWait, faust_aiokafka.Consumer):
    """Faust's aiokafka consumer; see the module docstring for what it adds."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seeks: Counter[TP] = Counter()
        self._targets: dict[TP, int] = {}
        self._fetched: Mapping[TP, list[Any]] = {}
        self._seeks_at_fetch: dict[TP, int] = {}
        # First offset delivered per partition since a seek at or before it: what a buffer
        # clear can drop.
        self._unsettled: dict[TP, int] = {}

    def _sought_since_fetch(self, tp: TP) -> bool:
        return self._seeks[tp] != self._seeks_at_fetch.get(tp, 0)

    def _note_seek(self, tp: TP, target: int) -> None:
        self._seeks[tp] += 1
        self._targets[tp] = target
        if target <= self._unsettled.get(tp, target):  # the seek reads them all again
            self._unsettled.pop(tp, None)

    async def _getmany(self, active_partitions: set[TP] | None, timeout: float) -> Any:
        seeks = dict(self._seeks)  # before the fetch: a seek during it makes the batch suspect
        records = await super()._getmany(active_partitions, timeout)
        self._fetched, self._seeks_at_fetch = records or {}, seeks
        return records

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[TP, Message]]:
        """Faust's getmany without records of partitions sought since the fetch; afterwards,
        each partition is put where its next undelivered record is."""
        self._fetched = {}
        delivered: dict[TP, int] = {}
        held_back: Counter[TP] = Counter()
        try:
            async for tp, message in super().getmany(timeout):
                if self._sought_since_fetch(tp):
                    held_back[tp] += 1
                    continue
                delivered[tp] = message.offset
                self._unsettled.setdefault(tp, message.offset)
                yield tp, message
        finally:
            await self._reposition(delivered, held_back)

    async def _reposition(self, delivered: Mapping[TP, int], held_back: Mapping[TP, int]) -> None:
        if self.should_stop or not self._fetched:
            return
        assigned = self.assignment()
        for tp, records in self._fetched.items():
            if tp not in assigned:
                continue
            if self._sought_since_fetch(tp):
                if held_back[tp]:
                    log.info("held back %d records of %s[%d] fetched before it was sought to %s",
                             held_back[tp], tp.topic, tp.partition, self._targets[tp])
                await self._seek_again(tp)
                continue
            last = delivered.get(tp)
            undelivered = [r.offset for r in records if last is None or r.offset > last]
            if undelivered:
                log.info("rewinding %s[%d] to %d: %d fetched records were not delivered",
                         tp.topic, tp.partition, undelivered[0], len(undelivered))
                await self.seek(tp, undelivered[0])

    def resume_flow(self) -> None:
        """Resume the flow; Faust has just cleared the streams' buffers, so every partition that
        delivered records since it was last sought at or before them is put back to the first."""
        assigned = self.assignment()
        for tp, offset in list(self._unsettled.items()):
            if tp in assigned and tp.topic not in self.app.tables.changelog_topics:
                log.info("rewinding %s[%d] to %d: the flow resumed, clearing the stream buffers",
                         tp.topic, tp.partition, offset)
                self._note_seek(tp, offset)
                self._thread.seek(tp, offset)  # what Faust's async seek does, without a turn of the loop
                self._read_offset[tp] = offset or None  # as Faust's seek sets it
        self._unsettled.clear()
        super().resume_flow()

    def pause_partitions(self, tps: Iterable[TP]) -> None:
        """Pause as Faust does, and in aiokafka (invariant 5)."""
        tps = set(tps)
        super().pause_partitions(tps)
        self._in_fetcher("pause", tps)

    def resume_partitions(self, tps: Iterable[TP]) -> None:
        """Resume as Faust does, and in aiokafka (invariant 5)."""
        tps = set(tps)
        super().resume_partitions(tps)
        self._in_fetcher("resume", tps)

    def _in_fetcher(self, action: str, tps: set[TP]) -> None:
        """Call aiokafka's `pause`/`resume` for the assigned `tps` on the consumer thread's loop
        (its fetcher's resume futures belong to that loop). The calls keep their order among
        themselves; Faust's seeks and fetches reach the thread by another queue, which is
        harmless: a seek does not touch the pause flags, and Faust reads only active partitions."""
        thread = self._thread
        consumer = getattr(thread, "_consumer", None)
        loop = getattr(thread, "thread_loop", None)
        # Not started (no assignment to pause yet), or the thread has ended (its loop is closed,
        # while Faust still pauses everything on its way down): nothing to do.
        if consumer is None or loop is None or loop.is_closed():
            return

        def apply() -> None:
            assigned = consumer.assignment()
            partitions = [TopicPartition(tp.topic, tp.partition) for tp in tps if tp in assigned]
            if partitions:
                getattr(consumer, action)(*partitions)

        try:
            loop.call_soon_threadsafe(apply)
        except RuntimeError:  # closed between the check and the call
            return

    async def on_partitions_revoked(self, revoked: set[TP]) -> None:
        """Forget what revoked partitions delivered: whoever gets them reads from the commit."""
        for tp in revoked:
            self._unsettled.pop(tp, None)
        await super().on_partitions_revoked(revoked)

    async def _seek_again(self, tp: TP) -> None:
        target = self._targets[tp]
        if target == _START:
            await self._seek_to_start([tp])
        else:
            await self.seek(tp, target)

    async def _seek_to_start(self, partitions: list[TP]) -> None:
        for tp in partitions:
            self._note_seek(tp, _START)
        await self._thread.seek_to_beginning(*partitions)

    async def _seek(self, partition: TP, offset: int) -> None:
        self._note_seek(partition, offset)
        await super()._seek(partition, offset)

    async def seek_wait(self, partitions: Mapping[TP, int]) -> None:
        """Seek partitions to offsets (table recovery) and wait."""
        for tp, offset in partitions.items():
            self._note_seek(tp, offset)
        await super().seek_wait(partitions)

    async def seek_to_committed(self) -> Mapping[TP, int]:
        """Seek to the committed offsets; input partitions without one go to the start of the log.

        aiokafka seeks the partitions one at a time while the flow runs, and the seeks are noted
        only once it is done: records a partition delivers between its own seek and the note came
        after the seek, and the buffer clear before the flow resumes drops them. So a partition
        that delivered anything unsettled is put back to its committed offset when the flow
        resumes (invariant 3), instead of counting as settled by this seek."""
        committed = await super().seek_to_committed()
        changelogs = self.app.tables.changelog_topics  # positioned by table recovery, not commits
        uncommitted = []
        for tp, offset in committed.items():
            if offset:
                delivered = self._unsettled.get(tp)
                self._note_seek(tp, offset)
                if delivered is not None:  # maybe after the seek: read again from the commit
                    if delivered >= offset:
                        log.info("%s[%d] delivered records from %d while it was sought to its commit %d: "
                                 "they are read again when the flow resumes", tp.topic, tp.partition, delivered, offset)
                    self._unsettled[tp] = min(delivered, offset)
            elif tp.topic not in changelogs:
                uncommitted.append(tp)
        if uncommitted and self.app.conf.consumer_auto_offset_reset == "earliest":
            await self._seek_to_start(uncommitted)
        return committed

    async def _add_gap(self, tp: TP, offset_from: int, offset_to: int) -> None:
        log.warning(
            "%s[%d]: offsets %d..%d were never delivered; Faust will commit past them as a gap "
            "(expected only on compacted or transactional topics)", tp.topic, tp.partition, offset_from, offset_to,
        )
        await super()._add_gap(tp, offset_from, offset_to)


class RewindingTransport(faust_aiokafka.Transport):
    """The aiokafka transport with `RewindingConsumer`."""

    Consumer = RewindingConsumer
