"""The worker's Faust app consumes through `RewindingConsumer` (streams/transport.py).

Its behaviour is checked where the race lives, on the real broker: the SIGKILL tests
(tests/integration/test_state_agent.py, test_ingest.py) and the chaos and outage scenarios
assert that no worker log reports offsets that were never delivered, and that nothing is lost.
Its cheaper `wait_first` is checked here against mode's own, scenario by scenario.
"""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path
from typing import Any

import pytest
from aiokafka.structs import ConsumerRecord
from faust.types import TP
from mode import Service
from mode.services import WaitResults

from streams.kafka.app import create_app
from streams.kafka.compat.consumer import RewindingConsumer, RewindingTransport
from streams.kafka.compat.first_wait import OneTaskFirstWait
from streams.metrics import Metrics
from streams.settings import Settings


def test_every_agent_reads_through_the_rewinding_consumer(tmp_path: Path) -> None:
    settings = Settings(stages=("ingest", "state"), data_dir=tmp_path)
    app = create_app(settings, Metrics())
    assert isinstance(app.transport, RewindingTransport)
    assert isinstance(app.consumer, RewindingConsumer)


# `OneTaskFirstWait.wait_first` must answer as mode's `Service.wait_first` does; only the cost
# differs. The event is asyncio's, as Faust's `suspend_flow` is.
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


# Faust clears the streams' buffers right before every `resume_flow()` (`flow_control.resume()`),
# so the consumer puts back what it delivered since the partition was last sought at or before it.
# The aiokafka consumer thread is replaced by `_Thread`: the fetched records, the seeks it is given.
_TP = TP("news.valid", 1)


class _Thread:
    def __init__(self) -> None:
        self.fetched: dict[TP, list[ConsumerRecord]] = {}
        self.seeks: list[tuple[TP, int]] = []

    async def getmany(self, active_partitions: set[TP], timeout: float) -> dict[TP, list[ConsumerRecord]]:
        fetched, self.fetched = self.fetched, {}
        return fetched

    def seek(self, tp: TP, offset: int) -> None:
        self.seeks.append((tp, offset))

    def assignment(self) -> set[TP]:
        return {_TP}

    def highwater(self, tp: TP) -> int:
        return 1_000


def _record(offset: int) -> ConsumerRecord:
    return ConsumerRecord(_TP.topic, _TP.partition, offset, 0, 0, b"k", b"v", None, 1, 1, ())


def _consumer(tmp_path: Path) -> tuple[Any, _Thread]:
    app = create_app(Settings(stages=("ingest",), data_dir=tmp_path), Metrics())
    consumer, thread = app.consumer, _Thread()
    consumer._thread = thread
    consumer._set_active_tps({_TP})
    consumer.resume_flow()
    return consumer, thread


async def _deliver(consumer: Any, thread: _Thread, offsets: range) -> list[int]:
    thread.fetched = {_TP: [_record(offset) for offset in offsets]}
    return [message.offset async for _, message in consumer.getmany(timeout=0.0)]


def _flow_resumed(consumer: Any) -> None:
    consumer.app.flow_control.resume()  # what Faust does each time: clear the buffers, resume
    consumer.resume_flow()


def test_resuming_the_flow_puts_a_partition_back_to_the_first_record_delivered_since_its_seek(tmp_path: Path) -> None:
    async def scenario() -> None:
        consumer, thread = _consumer(tmp_path)
        await consumer.seek(_TP, 156)  # Faust's seek to the committed offset
        assert await _deliver(consumer, thread, range(156, 170)) == list(range(156, 170))
        assert await _deliver(consumer, thread, range(170, 175)) == list(range(170, 175))
        _flow_resumed(consumer)
        assert thread.seeks[-1] == (_TP, 156)
        assert consumer._read_offset[_TP] == 156  # Faust delivers 156 again, not "already read"
        _flow_resumed(consumer)  # nothing delivered since: stays put
        assert thread.seeks[-1] == (_TP, 156) and len(thread.seeks) == 2

    asyncio.run(scenario())


def test_a_seek_at_or_before_the_delivered_records_settles_them_and_one_past_them_does_not(tmp_path: Path) -> None:
    async def scenario() -> None:
        consumer, thread = _consumer(tmp_path)
        await _deliver(consumer, thread, range(10, 20))
        await consumer.seek(_TP, 10)  # they are read again anyway
        _flow_resumed(consumer)
        assert thread.seeks == [(_TP, 10)]
        await _deliver(consumer, thread, range(10, 20))
        await consumer.seek(_TP, 15)  # e.g. a rewind to the first undelivered record
        _flow_resumed(consumer)
        assert thread.seeks[-1] == (_TP, 10)

    asyncio.run(scenario())


def test_a_revoked_partition_is_not_put_back(tmp_path: Path) -> None:
    async def scenario() -> None:
        consumer, thread = _consumer(tmp_path)
        await _deliver(consumer, thread, range(0, 5))
        await consumer.on_partitions_revoked({_TP})
        _flow_resumed(consumer)
        assert thread.seeks == []

    asyncio.run(scenario())
