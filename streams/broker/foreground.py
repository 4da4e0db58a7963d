"""`tickertone broker`: the embedded broker in the foreground until SIGTERM or SIGINT."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from streams.broker.embedded import BrokerError, EmbeddedBroker

__all__ = ["run_foreground"]


def run_foreground(data_dir: Path, port: int) -> int:
    """`tickertone broker`: run until SIGTERM/SIGINT, print the bootstrap once ready.

    Returns 0 after a requested stop, the JVM's exit code if it dies on its own, 1 if it cannot
    start (the reason goes to stderr).
    """
    broker = EmbeddedBroker(data_dir, port)
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        try:
            print(broker.start(), flush=True)
        except BrokerError as err:
            print(f"tickertone broker: {err}", file=sys.stderr)
            return 1
        while not stopping.wait(0.5):
            code = broker.wait(0)
            if code is not None:
                print(f"tickertone broker: kafka exited with code {code} (logs in {broker.logs})", file=sys.stderr)
                return code or 1
        return 0
    finally:
        broker.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
