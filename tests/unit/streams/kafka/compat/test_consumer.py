"""The worker's Faust app consumes through `RewindingConsumer` (streams/kafka/compat/consumer.py).

Here its rewind rule is driven through Faust's own `getmany` and `flow_control`, with the
aiokafka consumer thread replaced. Its behaviour is also checked where the race lives, on the
real broker: the SIGKILL tests (tests/integration/test_state_agent.py, test_ingest.py) and the
chaos and outage scenarios assert that no worker log reports offsets that were never delivered,
and that nothing is lost. `wait_first` is checked against mode's in tests/contract.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiokafka.structs import ConsumerRecord
from faust.types import TP

from streams.kafka.app import create_app
from streams.kafka.compat.consumer import RewindingConsumer, RewindingTransport
from streams.metrics import Metrics
from streams.settings import Settings


def test_every_agent_reads_through_the_rewinding_consumer(tmp_path: Path) -> None:
    settings = Settings(stages=("ingest", "state"), data_dir=tmp_path)
    app = create_app(settings, Metrics())
    assert isinstance(app.transport, RewindingTransport)
    assert isinstance(app.consumer, RewindingConsumer)


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


def test_records_delivered_after_the_seek_to_the_commits_but_before_it_is_noted_are_put_back(tmp_path: Path) -> None:
    """aiokafka seeks the partitions to their commits one at a time while the flow runs; only
    when it is done are the seeks noted. What a partition delivered in between came after its
    own seek, and the buffer clear that follows drops it (seen with three workers in one group,
    tests/reliability/test_scaleout.py: `news.tagged[5]` offsets 76..134 lost)."""

    async def scenario() -> None:
        consumer, thread = _consumer(tmp_path)
        delivered: list[int] = []

        async def seek_to_committed() -> dict[TP, int]:
            thread.seeks.append((_TP, 76))  # aiokafka has sought _TP to its commit...
            delivered.extend(await _deliver(consumer, thread, range(76, 135)))  # ...and the flow reads on
            return {_TP: 76}

        thread.seek_to_committed = seek_to_committed  # type: ignore[attr-defined]
        await consumer.perform_seek()  # Faust's "Seek stream partitions to committed offsets"
        assert delivered == list(range(76, 135))
        _flow_resumed(consumer)  # Faust clears the buffers: 76..134 are gone unless read again
        assert thread.seeks == [(_TP, 76), (_TP, 76)]  # the seek, then the rewind that reads them again
        assert consumer._read_offset[_TP] == 76
        _flow_resumed(consumer)  # nothing delivered since: stays put
        assert len(thread.seeks) == 2

    asyncio.run(scenario())
