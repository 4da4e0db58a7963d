"""The worker's Faust app consumes through `RewindingConsumer` (streams/transport.py).

Its behaviour is checked where the race lives, on the real broker: the SIGKILL tests
(tests/integration/test_state_agent.py, test_ingest.py) and the chaos and outage scenarios
assert that no worker log reports offsets that were never delivered, and that nothing is lost.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from streams.app import create_app
from streams.config import Settings
from streams.metrics import Metrics
from streams.transport import RewindingConsumer, RewindingTransport


def test_every_agent_reads_through_the_rewinding_consumer(tmp_path: Path) -> None:
    settings = replace(Settings(), stages=("ingest", "state"), data_dir=tmp_path)
    app = create_app(settings, Metrics())
    assert isinstance(app.transport, RewindingTransport)
    assert isinstance(app.consumer, RewindingConsumer)
