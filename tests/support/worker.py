"""Run `tickertone worker` as a real child process, so tests can SIGKILL and restart it."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from streams.kafka.clients import bootstrap_servers

__all__ = ["WorkerProcess", "free_port", "topic_env", "wait_until"]

TOPIC_KEYS = ("RAW", "DEADLETTER", "NORMALIZED", "SCORED", "SIGNALS", "ALERTS", "LATEST")


def free_port() -> int:
    """A TCP port that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def topic_env(prefix: str) -> dict[str, str]:
    """TICKERTONE_TOPICS__* variables naming every topic with `prefix`."""
    return {f"TICKERTONE_TOPICS__{key}": f"{prefix}{key.lower()}" for key in TOPIC_KEYS}


class WorkerProcess:
    """One worker process with its own app id, topics, state dir and metrics port."""

    def __init__(self, bootstrap: str, prefix: str, data_dir: Path, stages: str, **env: str) -> None:
        self.metrics_port = free_port()
        self.http_port = free_port()
        self.log_path = data_dir / "worker.log"
        self.env = {
            **os.environ,
            **topic_env(prefix),
            "TICKERTONE_BROKER": f"kafka://{bootstrap}",
            "TICKERTONE_APP_ID": f"{prefix}app",
            "TICKERTONE_DATA_DIR": str(data_dir / "state"),
            "TICKERTONE_METRICS__PORT": str(self.metrics_port),
            "TICKERTONE_HTTP__PORT": str(self.http_port),
            "TICKERTONE_STAGES": stages,
            **env,
        }
        self.bootstrap = bootstrap_servers(self.env["TICKERTONE_BROKER"])
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_start = 0

    def topic(self, key: str) -> str:
        """The topic name this worker uses for `key` (e.g. "normalized")."""
        return self.env[f"TICKERTONE_TOPICS__{key.upper()}"]

    @property
    def tagged_topic(self) -> str:
        """The score stage's internal topic (`streams.kafka.app.tagged_topic_name`)."""
        return f"{self.group}.news.tagged"

    @property
    def group(self) -> str:
        """The app id, which is also the worker's consumer group."""
        return self.env["TICKERTONE_APP_ID"]

    @property
    def url(self) -> str:
        """The base URL of the worker's HTTP queries (`streams.serve.http`)."""
        return f"http://127.0.0.1:{self.http_port}"

    def pid(self) -> int | None:
        """The process id of the running worker, None when it is not running."""
        return self.proc.pid if self.alive() else None

    def start(self) -> WorkerProcess:
        """Start the worker (returns at once; the worker joins its group in the background)."""
        log = self.log_path.open("ab")
        self._log_start = log.tell()  # readiness is judged on this run's lines only
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streams", "worker"], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        return self

    def wait_ready(self, timeout: float = 90.0) -> WorkerProcess:
        """Block until Faust logs that the worker is ready; fail with its log if it died."""
        ready = wait_until(lambda: not self.alive() or "Ready" in self._log_text(), timeout)
        if not ready or not self.alive():
            raise AssertionError(f"worker not ready (alive={self.alive()}):\n{self.log_tail()}")
        return self

    def _log_text(self, this_run: bool = True) -> str:
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as handle:
            handle.seek(self._log_start if this_run else 0)
            return handle.read().decode(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no final commit."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def kill_repeatedly(self, times: int, seed: int, between: tuple[float, float] = (1.5, 5.0)) -> None:
        """SIGKILL and restart `times` times at random moments, then wait until it is ready."""
        rng = random.Random(seed)
        for _ in range(times):
            time.sleep(rng.uniform(*between))
            self.kill()
            self.start()
        self.wait_ready(timeout=120)

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM and wait for a clean exit; returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(timeout=30)

    def alive(self) -> bool:
        """True while the process runs."""
        return self.proc is not None and self.proc.poll() is None

    def agent_crashes(self) -> list[str]:
        """Log lines (all runs) of agents that crashed: Faust restarts them, losing the event."""
        return self._log_lines_with("Crashed reason=")

    def skipped_offsets(self) -> list[str]:
        """Log lines (all runs) where the consumer saw a hole in a partition it reads: records it
        never delivered (streams/kafka/compat/consumer.py). Our topics have no compaction or transactions."""
        return self._log_lines_with("were never delivered")

    def _log_lines_with(self, marker: str) -> list[str]:
        return [line for line in self._log_text(this_run=False).splitlines() if marker in line]

    def log_tail(self, lines: int = 60) -> str:
        """The end of the worker's log, for assertion messages."""
        return "\n".join(self._log_text(this_run=False).splitlines()[-lines:])

    def __enter__(self) -> WorkerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def wait_until(predicate, timeout: float, interval: float = 0.2) -> bool:  # type: ignore[no-untyped-def]
    """Poll `predicate` until it is true or `timeout` passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
