"""`OneTaskFirstWait`: mode's `Service.wait_first` for the one call Faust's fetcher makes per
record, `wait_first(callback(message), suspend_flow.wait())`, with one task instead of four.

mode wraps each argument and the service's stopped and crashed events in a task, waits with
`asyncio.wait` and cancels the losers. Here the callback runs in a task as there (same turn of
the loop, same context, cancelled the same way when the fetcher stops) and the three events are
watched with a future each, registered in their waiter lists. Invariant: for every input the
result, the exceptions raised and the cancellation are mode's (tests/contract checks this
against the installed mode). Any other call goes to mode's own `wait_first`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from mode import Service
from mode.services import WaitArgT, WaitResults
from mode.utils.times import Seconds

__all__ = ["OneTaskFirstWait"]

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
            return await (super().wait_first(*coros) if timeout is None else super().wait_first(*coros, timeout=timeout))
        first, waiting = coros
        event = waiting.cr_frame.f_locals["self"]  # type: ignore[union-attr]  # an unstarted wait()
        waiting.close()  # type: ignore[union-attr]
        loop = asyncio.get_running_loop()
        task: asyncio.Task[Any] = loop.create_task(first)  # type: ignore[arg-type]  # a coroutine, checked above
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


