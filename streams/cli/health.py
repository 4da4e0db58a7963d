"""`tickertone health`: is this worker alive, judged from its own metrics (the container health
check).

`/metrics` answering only shows that the metrics thread runs. The check reads two series from
it: `tickertone_worker_up` (1 while the worker runs) and `tickertone_event_loop_lag_seconds`
(how late the event loop's heartbeat is, computed at scrape time, `streams.metrics.LoopHeartbeat`):
a blocked or hung loop, where no record is processed, fails the check even though the page
answers. Exit 0 healthy, 1 otherwise with one line saying why.
"""

from __future__ import annotations

import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from streams.metrics import NAMESPACE
from streams.settings import Settings

__all__ = ["check_health", "metrics_url"]

LAG = f"{NAMESPACE}_event_loop_lag_seconds"
UP = f"{NAMESPACE}_worker_up"


def metrics_url(settings: Settings) -> str:
    """The worker's `/metrics` as seen from its own host (a wildcard bind is reached on loopback)."""
    addr = settings.metrics.addr
    host = "127.0.0.1" if addr in ("", "0.0.0.0") else "[::1]" if addr == "::" else addr
    return f"http://{host}:{settings.metrics.port}/metrics"


def check_health(url: str, max_lag_s: float, timeout_s: float = 4.0) -> tuple[bool, str]:
    """(healthy, one line): healthy when `url` answers with `tickertone_worker_up` 1 and an
    event-loop lag of at most `max_lag_s` seconds."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            text = response.read().decode("utf-8")
    except (urllib.error.URLError, OSError) as error:
        return False, f"no metrics at {url}: {error}"
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name in (LAG, UP):
                values[sample.name] = float(sample.value)
    if values.get(UP) != 1.0:
        return False, f"{UP} is {values.get(UP)} at {url}"
    if LAG not in values:
        return False, f"{LAG} missing at {url}"
    lag = values[LAG]
    if lag > max_lag_s:
        return False, f"event loop {lag:.1f} s late (limit {max_lag_s:g} s): the worker is stuck"
    return True, f"healthy: event loop {lag:.1f} s late (limit {max_lag_s:g} s)"
