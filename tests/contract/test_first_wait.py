"""`OneTaskFirstWait.wait_first` (streams/kafka/compat/first_wait.py) against the installed
mode's `Service.wait_first`, scenario by scenario: the same results, exceptions and
cancellations, with one task per record instead of four. The event is asyncio's, as Faust's
`suspend_flow` is."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest
from mode import Service
from mode.services import WaitResults

from streams.kafka.compat.first_wait import OneTaskFirstWait


class _OneTask(OneTaskFirstWait):
    pass


class _Mode(Service):
    pass


BOTH = pytest.mark.parametrize("service_type", [_Mode, _OneTask])


async def _finishes_at_once() -> str:
    return "fetched"


async def _finishes_later() -> str:
    await asyncio.sleep(0.01)
    return "fetched"


def _tasks_created(scenario: Any) -> Any:
    """Run `scenario(count)` where `count()` tells how many tasks were created so far."""

    async def counted() -> Any:
        created = 0

        def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
            nonlocal created
            created += 1
            return asyncio.Task(coro, loop=loop, **kwargs)

        asyncio.get_running_loop().set_task_factory(factory)
        return await scenario(lambda: created)

    return asyncio.run(counted())


@BOTH
@pytest.mark.parametrize("callback", [_finishes_at_once, _finishes_later])
def test_a_callback_that_finishes_wins(service_type: type[Service], callback: Any) -> None:
    async def scenario() -> None:
        service, suspended = service_type(), asyncio.Event()
        coro, waiting = callback(), suspended.wait()
        result = await service.wait_first(coro, waiting)
        assert result == WaitResults([coro], ["fetched"], False)
        await asyncio.sleep(0)  # mode cancels the losers' tasks; they finish on the next turn
        assert inspect.getcoroutinestate(waiting) == inspect.CORO_CLOSED
        assert not suspended._waiters  # nothing left waiting on the event

    asyncio.run(scenario())


@pytest.mark.parametrize(("service_type", "tasks"), [(_Mode, 4), (_OneTask, 1)])
def test_each_record_costs_one_task_instead_of_four(service_type: type[Service], tasks: int) -> None:
    async def scenario(count: Any) -> int:
        service, suspended = service_type(), asyncio.Event()
        before = count()
        for _ in range(100):
            await service.wait_first(_finishes_at_once(), suspended.wait())
        return count() - before

    assert _tasks_created(scenario) == 100 * tasks


@BOTH
def test_ready_work_runs_before_the_callback(service_type: type[Service]) -> None:
    """A rebalance callback or a seek that is ready runs before the record is delivered."""

    async def scenario() -> list[str]:
        ran: list[str] = []

        async def callback() -> None:
            ran.append("record")

        asyncio.get_running_loop().call_soon(ran.append, "rebalance")
        await service_type().wait_first(callback(), asyncio.Event().wait())
        return ran

    assert asyncio.run(scenario()) == ["rebalance", "record"]


@BOTH
def test_a_blocked_callback_is_cancelled_when_flow_is_suspended(service_type: type[Service]) -> None:
    seen: list[str] = []

    async def blocked() -> None:
        await asyncio.sleep(0)  # suspends once, then blocks on a full buffer
        try:
            await asyncio.Future()
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    async def scenario() -> tuple[WaitResults, list[str]]:
        service, suspended = service_type(), asyncio.Event()
        asyncio.get_running_loop().call_later(0.02, suspended.set)
        result = await service.wait_first(blocked(), suspended.wait())
        await asyncio.sleep(0)  # the cancellation reaches the callback on the next turn
        return result, list(seen)  # before asyncio.run cancels what is left

    result, cancelled = asyncio.run(scenario())
    assert (result.results, result.stopped, cancelled) == ([True], False, ["cancelled"])


@BOTH
def test_a_set_event_still_lets_a_quick_callback_finish(service_type: type[Service]) -> None:
    async def scenario() -> WaitResults:
        suspended = asyncio.Event()
        suspended.set()
        return await service_type().wait_first(_finishes_at_once(), suspended.wait())

    assert asyncio.run(scenario()).results == ["fetched", True]


@BOTH
def test_a_cancelled_waiter_cancels_the_callback(service_type: type[Service]) -> None:
    seen: list[str] = []

    async def blocked() -> None:
        try:
            await asyncio.Future()
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    async def scenario() -> None:
        suspended = asyncio.Event()
        waiter = asyncio.ensure_future(service_type().wait_first(blocked(), suspended.wait()))
        await asyncio.sleep(0.01)
        waiter.cancel()  # what stopping the fetcher does
        with pytest.raises(asyncio.CancelledError):
            await waiter
        await asyncio.sleep(0)
        assert not suspended._waiters
        assert seen == ["cancelled"]  # here: asyncio.run would cancel a forgotten task on exit

    asyncio.run(scenario())


@BOTH
@pytest.mark.parametrize("suspends", [False, True])
def test_a_failing_callback_raises(service_type: type[Service], suspends: bool) -> None:
    async def failing() -> None:
        if suspends:
            await asyncio.sleep(0)
        raise ValueError("undecodable")

    async def scenario() -> None:
        waiting = asyncio.Event().wait()
        with pytest.raises(ValueError, match="undecodable"):
            await service_type().wait_first(failing(), waiting)
        await asyncio.sleep(0)
        assert inspect.getcoroutinestate(waiting) == inspect.CORO_CLOSED

    asyncio.run(scenario())


@BOTH
def test_a_stopped_service_reports_stopped(service_type: type[Service]) -> None:
    async def scenario() -> WaitResults:
        service = service_type()
        service._stopped.set()
        return await service.wait_first(_finishes_at_once(), asyncio.Event().wait())

    assert asyncio.run(scenario()).stopped
