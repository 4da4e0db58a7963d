"""Faust's Kafka transport with a consumer that neither skips nor replays stale fetched records.

Faust 0.15's fetcher and its seeks race. After a restart the stream partitions are resumed a
moment before Faust seeks them to their committed offsets, so a batch fetched before the seek
can still be delivered after it. That moves Faust's read offset past the records the seek was
meant to re-read; when Kafka returns them they are dropped as "already read", while the
first copies, delivered around the seek, do not all reach the agent. Faust also drops
fetched records without rewinding (a partition not active yet, a generation change
mid-batch) and commits past any hole it sees, taking it for compaction or transaction markers.
Seen on the real broker: a worker restarted after a SIGKILL never signalled a few stories
(RELIABILITY.md, "Faust's fetch/seek race"). And every time Faust resumes the flow
(`flow_control.resume()`, then `resume_flow()`: table recovery, the end of a rebalance) it
clears the streams' buffers, dropping records delivered since the partitions were sought to
their committed offsets, which it does one partition at a time while the flow runs; it never
reads them again (RELIABILITY.md, "Records dropped when Faust resumes the flow").

`RewindingConsumer` keeps three rules. A record fetched before its partition was sought is
never delivered after the seek, and the partition is sought again to that target in case the
fetch ran past it. A fetched record left undelivered puts its partition back to it. When the
flow resumes, a partition that delivered records since it was last sought at or before them is
put back to the first of them (a record already processed comes again, and is dropped as a
repeat: by the dedupe table, by the state's recent story ids). Partitions without a committed
offset go to the start of the log when Faust seeks to the committed offsets (what
`auto_offset_reset="earliest"` promises; Faust leaves them where they are).

It also hands each fetched record to the streams with one asyncio task instead of four.
Faust's fetcher awaits `wait_first(callback(record), suspend_flow.wait())` for every record,
and mode's `wait_first` wraps each argument, plus the service's stopped and crashed events, in a
task, waits with `asyncio.wait`, then cancels the losers: ~21 us a record on this machine,
about a fifth of the state worker's loop (BENCHMARKS.md). `OneTaskFirstWait` runs the callback
in a task as mode does (same turn of the loop, same context, cancelled the same way when the
fetcher stops) and watches the three events with a future each: ~9 us.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP, Message
from mode import Service
from mode.services import WaitArgT, WaitResults
from mode.utils.times import Seconds

__all__ = ["OneTaskFirstWait", "RewindingConsumer", "RewindingTransport"]

log = logging.getLogger(__name__)

_START = -1  # seek target: the start of the log


_EVENT_WAIT = asyncio.Event.wait.__code__


class OneTaskFirstWait(Service):
    """A service whose `wait_first(coroutine, event.wait())` makes one task, not four."""

    async def wait_first(self, *coros: WaitArgT, timeout: Seconds | None = None) -> WaitResults:
        """mode's `wait_first`, for a coroutine raced against an `asyncio.Event`'s `wait()`: the
        coroutine runs in a task as there; the event and the service's stopped and crashed
        events are watched with a future each (see the module docstring). Anything else goes to
        mode's."""
        if (
            timeout is not None or len(coros) != 2 or not asyncio.iscoroutine(coros[0])
            or getattr(coros[1], "cr_code", None) is not _EVENT_WAIT
        ):
            return await super().wait_first(*coros, timeout=timeout)
        first, waiting = coros
        event = waiting.cr_frame.f_locals["self"]  # type: ignore[union-attr]  # an unstarted wait()
        waiting.close()  # type: ignore[union-attr]
        loop = asyncio.get_running_loop()
        task = loop.create_task(first)  # type: ignore[arg-type]
        woken = loop.create_future()

        def wake(_: object = None) -> None:
            if not woken.done():
                woken.set_result(None)

        task.add_done_callback(wake)
        watched = [(each, _on_set(each, wake)) for each in (event, self._stopped, self._crashed)]
        try:
            await woken
        finally:
            task.remove_done_callback(wake)
            for each, future in watched:
                if future is not None:
                    future.cancel()
                    each._waiters.remove(future)
            if not task.done():
                task.cancel()
        if task.cancelled():
            raise asyncio.CancelledError()
        if task.done() and task.exception() is not None:
            task.result()  # a failed callback raises, as in mode's
        if self._stopped.is_set() or self._crashed.is_set():
            return WaitResults([], [], True)
        done, results = ([first], [task.result()]) if task.done() else ([], [])
        if event.is_set():
            done.append(waiting)
            results.append(True)
        return WaitResults(done, results, False)


def _on_set(event: Any, wake: Callable[..., None]) -> asyncio.Future[Any] | None:
    """Call `wake` once `event` (asyncio's or mode's `Event`) is set, noticed the way its `wait()`
    notices: from its list of waiters, or on the next turn if it is set already."""
    loop = asyncio.get_running_loop()
    if event.is_set():
        loop.call_soon(wake)
        return None
    future = loop.create_future()
    event._waiters.append(future)
    future.add_done_callback(wake)
    return future


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
        """Seek to the committed offsets; input partitions without one go to the start of the log."""
        committed = await super().seek_to_committed()
        changelogs = self.app.tables.changelog_topics  # positioned by table recovery, not commits
        uncommitted = []
        for tp, offset in committed.items():
            if offset:
                self._note_seek(tp, offset)
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
