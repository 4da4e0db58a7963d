"""`tickertone broker`: the embedded broker in the foreground until SIGTERM or SIGINT."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from streams.broker.embedded import BrokerError, EmbeddedBroker

__all__ = ["run_foreground"]


def read_users(path: Path) -> dict[str, str]:
    """`user:password` per line (blank lines and `#` comments skipped) -> {user: password}."""
    users = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, password = line.partition(":")
        if not sep or not name or not password:
            raise ValueError(f"{path}:{number}: expected user:password")
        users[name] = password
    if not users:
        raise ValueError(f"{path}: no user:password line")
    return users


def run_foreground(data_dir: Path, port: int, sasl_port: int | None = None, sasl_users: Path | None = None) -> int:
    """`tickertone broker`: run until SIGTERM/SIGINT, print the bootstrap once ready (and the
    SASL_PLAINTEXT bootstrap, when `sasl_port` opens one for the users in `sasl_users`).

    Returns 0 after a requested stop, the JVM's exit code if it dies on its own, 1 if it cannot
    start (the reason goes to stderr).
    """
    users: dict[str, str] = {}
    if sasl_port is not None:
        if sasl_users is None:
            print("tickertone broker: --sasl-port needs --sasl-users FILE (user:password lines)", file=sys.stderr)
            return 1
        try:
            users = read_users(sasl_users)
        except (OSError, ValueError) as err:
            print(f"tickertone broker: {err}", file=sys.stderr)
            return 1
    broker = EmbeddedBroker(data_dir, port, sasl_port=sasl_port, sasl_users=users)
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        try:
            print(broker.start(), flush=True)
            if broker.sasl_bootstrap is not None:
                print(f"SASL_PLAINTEXT (PLAIN) {broker.sasl_bootstrap}", flush=True)
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
