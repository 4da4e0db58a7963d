"""`tickertone demo` end to end: its own broker and worker, the bundled sample replayed, signals,
alerts and dead letters on screen; SIGTERM stops it like Ctrl-C, taking the broker with it."""

from __future__ import annotations

import ast
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from schemas import Alert, decode
from streams.cli.tail import iter_messages


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_demo_shows_signals_and_alerts_and_stops_cleanly_on_sigterm(kafka_jars: Path, free_port: int, tmp_path: Path) -> None:
    env = {**os.environ, "TICKERTONE_METRICS__PORT": "0", "TICKERTONE_HTTP__PORT": "0"}
    demo = subprocess.Popen(
        [sys.executable, "-m", "streams", "demo", "--port", str(free_port), "--dir", str(tmp_path / "demo")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        # The first alert the demo's worker raises on the bundled sample, read from its broker.
        alert = next(iter_messages(f"127.0.0.1:{free_port}", "alerts.negative", True, 1, timeout=180), None)
        assert alert is not None, "no alert within 180 s of the bundled sample"
        assert decode(Alert, alert).direction == "negative"
    finally:
        demo.send_signal(signal.SIGTERM)
        output, _ = demo.communicate(timeout=120)

    assert demo.returncode == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]  # the replay stops before the broker does
    counts = ast.literal_eval(output.rsplit("demo done: ", 1)[1].strip())
    assert counts["sent"] > 0 and counts["signals"] > 0 and counts["alerts"] >= 1, counts
    assert counts["dead letters"] > 0, counts  # the sample's malformed messages
    assert not _listening(free_port), "the demo's broker outlived the demo"
