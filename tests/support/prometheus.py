"""A real Prometheus server for tests: scrape given targets, query the result.

    with run_prometheus(["127.0.0.1:9464"], tmp_path) as base_url:
        samples = wait_for_query(base_url, "tickertone_received_total", lambda r: bool(r))

Needs the `prometheus` binary (Debian package `prometheus`: /usr/bin/prometheus); tests call
`prometheus_binary()` and skip when it returns None. The server listens on a free loopback
port, keeps its TSDB under the given temporary directory, scrapes every second and is
stopped (SIGTERM, then SIGKILL) when the block exits.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from support.worker import free_port

__all__ = ["prometheus_binary", "run_prometheus", "query", "wait_for_query", "PrometheusError"]

JOB = "tickertone"


class PrometheusError(RuntimeError):
    """Prometheus did not start, or answered a query with an error."""


def prometheus_binary() -> str | None:
    """Path of the prometheus server binary, or None when it is not installed."""
    found = shutil.which("prometheus")
    if found:
        return found
    default = Path("/usr/bin/prometheus")
    return str(default) if default.exists() else None


def _write_config(path: Path, targets: Sequence[str], interval: str) -> None:
    # JSON is valid YAML: no YAML writer needed.
    config = {
        "global": {"scrape_interval": interval, "scrape_timeout": interval, "evaluation_interval": interval},
        "scrape_configs": [{"job_name": JOB, "static_configs": [{"targets": list(targets)}]}],
    }
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")


def _get_json(url: str, timeout: float) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read())


def _ready(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(base_url + "/-/ready", timeout=1.0) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@contextmanager
def run_prometheus(
    targets: Sequence[str],
    tmp_dir: Path | str,
    *,
    scrape_interval: str = "1s",
    startup_timeout_s: float = 30.0,
    binary: str | None = None,
) -> Iterator[str]:
    """Run Prometheus scraping `targets` (host:port, path /metrics) as job "tickertone";
    yield its base URL (http://127.0.0.1:PORT)."""
    exe = binary or prometheus_binary()
    if exe is None:
        raise PrometheusError("prometheus binary not found (apt-get install prometheus)")
    tmp = Path(tmp_dir)
    tmp.mkdir(parents=True, exist_ok=True)
    config = tmp / "prometheus.yml"
    _write_config(config, targets, scrape_interval)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = tmp / "prometheus.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                exe,
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + startup_timeout_s
        while not _ready(base_url):
            if proc.poll() is not None:
                raise PrometheusError(f"prometheus exited with {proc.returncode}:\n{_tail(log_path)}")
            if time.monotonic() > deadline:
                raise PrometheusError(f"prometheus not ready after {startup_timeout_s}s:\n{_tail(log_path)}")
            time.sleep(0.1)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def query(base_url: str, promql: str, timeout: float = 5.0) -> list[dict[str, Any]]:
    """Instant query; returns the `data.result` list (each item has `metric` and `value`)."""
    url = f"{base_url}/api/v1/query?{urllib.parse.urlencode({'query': promql})}"
    try:
        body = _get_json(url, timeout)
    except urllib.error.HTTPError as err:  # 400/422 carry the error in the body
        body = json.loads(err.read() or b"{}")
    if body.get("status") != "success":
        raise PrometheusError(f"query {promql!r} failed: {body.get('errorType')}: {body.get('error')}")
    data = body["data"]
    if data["resultType"] == "scalar":
        return [{"metric": {}, "value": data["result"]}]
    return list(data["result"])


def wait_for_query(
    base_url: str,
    promql: str,
    predicate: Callable[[list[dict[str, Any]]], bool],
    timeout_s: float = 20.0,
    interval_s: float = 0.25,
) -> list[dict[str, Any]]:
    """Poll `promql` until `predicate(result)` holds; return that result or raise TimeoutError."""
    deadline = time.monotonic() + timeout_s
    result: list[dict[str, Any]] = []
    while True:
        result = query(base_url, promql)
        if predicate(result):
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{promql!r} did not satisfy the condition in {timeout_s}s; last result: {result}")
        time.sleep(interval_s)
