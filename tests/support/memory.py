"""A process's peak resident memory, sampled in the background from /proc."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

__all__ = ["rss_peak_bytes", "PeakRss"]

MIB = 1024 * 1024


def rss_peak_bytes(pid: int) -> int | None:
    """The kernel's high-water mark of the process's resident memory (VmHWM), None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return None


class PeakRss:
    """Polls `pid()` (the current process, which may change across restarts) every `interval`
    seconds; `peak` is the highest VmHWM seen. VmHWM is the kernel's own peak, so nothing
    between two polls is missed, except in the last interval of a process that is killed."""

    def __init__(self, pid: Callable[[], int | None], interval: float = 0.5) -> None:
        self._pid = pid
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="peak-rss", daemon=True)
        self.peak = 0

    def _sample(self) -> None:
        pid = self._pid()
        value = rss_peak_bytes(pid) if pid is not None else None
        self.peak = max(self.peak, value or 0)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._sample()

    @property
    def peak_mib(self) -> float:
        return self.peak / MIB

    def __enter__(self) -> PeakRss:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
