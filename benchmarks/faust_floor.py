"""The fastest the worker's Faust app consumes on this machine: `take_events` batches, no work.

Run by bench_state.py as a subprocess (a Faust app owns its process):

    python benchmarks/faust_floor.py BOOTSTRAP TOPIC N

Prints `RATE <events/s>` from the first batch to the N-th event, then exits. Same batch size and
wait as the state agent, and the worker's consumer (`RewindingTransport`) and `OffsetsMonitor`, so
the gap between this and the state agent is the state work's share.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time

import faust

from streams.kafka.compat.consumer import RewindingTransport
from streams.kafka.lag import OffsetsMonitor
from streams.settings import StateSettings


def main(bootstrap: str, topic: str, n: int) -> None:
    cfg = StateSettings()
    datadir = tempfile.mkdtemp(prefix="faust-floor-")
    app = faust.App(
        f"{topic}-floor", broker=f"kafka://{bootstrap}", store="memory://", web_enabled=False,
        datadir=datadir,
        consumer_auto_offset_reset="earliest", topic_disable_leader=True, Monitor=OffsetsMonitor,
    )
    app.transport = RewindingTransport(app.conf.broker_consumer, app)  # before any topic exists
    source = app.topic(topic, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")
    seen = {"n": 0, "start": 0.0}

    @app.agent(source)
    async def count(stream: faust.StreamT) -> None:
        async for events in stream.take_events(cfg.batch_max, within=cfg.batch_wait_s):
            seen["start"] = seen["start"] or time.perf_counter()
            seen["n"] += len(events)
            if seen["n"] >= n:
                print(f"RATE {n / (time.perf_counter() - seen['start']):.0f}", flush=True)
                shutil.rmtree(datadir, ignore_errors=True)
                os._exit(0)  # the number is out; a clean Faust shutdown takes seconds

    sys.argv = [sys.argv[0], "worker", "--loglevel", "warn"]
    app.main()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
