"""The worker's Faust app consumes through `RewindingConsumer` (streams/transport.py).

Its behaviour is checked where the race lives, on the real broker: the SIGKILL tests
(tests/integration/test_state_agent.py, test_ingest.py) and the chaos and outage scenarios
assert that no worker log reports offsets that were never delivered, and that nothing is lost.
Its `wait_first` shortcut is checked here against mode's own, scenario by scenario.
"""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from mode import Service
from mode.services import WaitResults
from mode.utils.locks import Event

from streams.app import create_app
from streams.config import Settings
from streams.metrics import Metrics
from streams.transport import InlineFirstWait, RewindingConsumer, RewindingTransport


def test_every_agent_reads_through_the_rewinding_consumer(tmp_path: Path) -> None:
    settings = replace(Settings(), stages=("ingest", "state"), data_dir=tmp_path)
    app = create_app(settings, Metrics())
    assert isinstance(app.transport, RewindingTransport)
    assert isinstance(app.consumer, RewindingConsumer)


# `InlineFirstWait.wait_first` must answer as mode's `Service.wait_first` does; only the cost differs.
class _Inline(InlineFirstWait):
    pass


class _Mode(Service):
    pass


async def _finishes_at_once() -> str:
    return "fetched"


async def _finishes_later() -> str:
    await asyncio.sleep(0.01)
    return "fetched"


@pytest.mark.parametrize("service_type", [_Mode, _Inline])
@pytest.mark.parametrize("callback", [_finishes_at_once, _finishes_later])
def test_a_callback_that_finishes_wins(service_type: type[Service], callback: Any) -> None:
    async def scenario() -> None:
        service, suspended = service_type(), Event()
        coro, waiting = callback(), suspended.wait()
        result = await service.wait_first(coro, waiting)
        assert result == WaitResults([coro], ["fetched"], False)
        await asyncio.sleep(0)  # mode cancels the losers' tasks; they finish on the next turn
        assert inspect.getcoroutinestate(waiting) == inspect.CORO_CLOSED

    asyncio.run(scenario())


def test_a_callback_that_finishes_at_once_creates_no_task() -> None:
    async def scenario() -> int:
        created = 0
        loop = asyncio.get_running_loop()

        def count(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
            nonlocal created
            created += 1
            return asyncio.Task(coro, loop=loop, **kwargs)

        loop.set_task_factory(count)
        service, suspended = _Inline(), Event()
        for _ in range(100):
            await service.wait_first(_finishes_at_once(), suspended.wait())
        return created

    assert asyncio.run(scenario()) == 0


@pytest.mark.parametrize("service_type", [_Mode, _Inline])
def test_a_blocked_callback_is_cancelled_when_flow_is_suspended(service_type: type[Service]) -> None:
    seen: list[str] = []

    async def blocked() -> None:
        await asyncio.sleep(0)  # suspends once, then blocks on a full buffer
        try:
            await asyncio.Future()
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    async def scenario() -> WaitResults:
        service, suspended = service_type(), Event()
        asyncio.get_running_loop().call_later(0.02, suspended.set)
        return await service.wait_first(blocked(), suspended.wait())

    result = asyncio.run(scenario())
    assert (result.results, result.stopped, seen) == ([True], False, ["cancelled"])


@pytest.mark.parametrize("service_type", [_Mode, _Inline])
@pytest.mark.parametrize("suspends", [False, True])
def test_a_failing_callback_raises(service_type: type[Service], suspends: bool) -> None:
    async def failing() -> None:
        if suspends:
            await asyncio.sleep(0)
        raise ValueError("undecodable")

    async def scenario() -> None:
        waiting = Event().wait()
        with pytest.raises(ValueError, match="undecodable"):
            await service_type().wait_first(failing(), waiting)
        await asyncio.sleep(0)
        assert inspect.getcoroutinestate(waiting) == inspect.CORO_CLOSED

    asyncio.run(scenario())


@pytest.mark.parametrize("service_type", [_Mode, _Inline])
def test_a_stopped_service_reports_stopped(service_type: type[Service]) -> None:
    async def scenario() -> WaitResults:
        service = service_type()
        service._stopped.set()
        return await service.wait_first(_finishes_at_once(), Event().wait())

    assert asyncio.run(scenario()).stopped

