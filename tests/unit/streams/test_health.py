"""The worker's liveness signal (issue #22, item 10): `tickertone_event_loop_lag_seconds`,
computed at scrape time from the event loop's heartbeat, and `tickertone health`, the container
health check that fails on it although `/metrics` still answers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from streams.cli.health import check_health
from streams.cli.main import main
from streams.metrics import LoopHeartbeat, Metrics, serve
from support.worker import free_port


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_lag_grows_while_the_loop_does_not_beat() -> None:
    clock = Clock()
    heartbeat = LoopHeartbeat(interval=1.0, clock=clock)
    assert heartbeat.lag() == 0.0
    clock.now += 0.9
    assert heartbeat.lag() == 0.0  # within the beat interval: on time
    clock.now += 10.0
    assert heartbeat.lag() == pytest.approx(9.9)
    heartbeat.beat()
    assert heartbeat.lag() == 0.0


def test_the_lag_is_exported_on_the_metrics_registry() -> None:
    from prometheus_client import generate_latest

    metrics = Metrics()
    families = {f.name: f for f in text_string_to_metric_families(generate_latest(metrics.registry).decode())}
    (sample,) = families["tickertone_event_loop_lag_seconds"].samples
    assert sample.value >= 0.0


@pytest.fixture
def served() -> Iterator[tuple[Metrics, Clock, str]]:
    clock = Clock()
    metrics = Metrics(clock=clock)
    server, thread = serve(metrics, 0)
    try:
        yield metrics, clock, f"http://127.0.0.1:{server.server_port}/metrics"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_a_live_worker_is_healthy(served: tuple[Metrics, Clock, str]) -> None:
    metrics, clock, url = served
    metrics.up.set(1)
    clock.now += 5.0
    healthy, line = check_health(url, max_lag_s=30.0)
    assert healthy, line
    assert main(["health", "--url", url, "--max-lag", "30"]) == 0


def test_a_stuck_loop_is_unhealthy_although_metrics_answer(
    served: tuple[Metrics, Clock, str], capsys: pytest.CaptureFixture[str]
) -> None:
    metrics, clock, url = served
    metrics.up.set(1)
    clock.now += 45.0  # the loop has not beaten for 45 s
    healthy, line = check_health(url, max_lag_s=30.0)
    assert not healthy and "44.0 s late" in line
    assert main(["health", "--url", url, "--max-lag", "30"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("tickertone health: event loop") and "\n" not in err


def test_a_worker_that_is_not_up_is_unhealthy(served: tuple[Metrics, Clock, str]) -> None:
    _, _, url = served  # up is 0: before start or after the worker ended
    healthy, line = check_health(url, max_lag_s=30.0)
    assert not healthy and "tickertone_worker_up" in line


def test_no_metrics_is_unhealthy() -> None:
    healthy, line = check_health(f"http://127.0.0.1:{free_port()}/metrics", max_lag_s=30.0, timeout_s=2.0)
    assert not healthy and line.startswith("no metrics at")


def test_the_default_url_follows_the_metrics_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from streams.cli.health import metrics_url
    from streams.settings import load_settings

    monkeypatch.setenv("TICKERTONE_METRICS__ADDR", "0.0.0.0")
    monkeypatch.setenv("TICKERTONE_METRICS__PORT", "9999")
    assert metrics_url(load_settings()) == "http://127.0.0.1:9999/metrics"


def test_the_worker_heartbeat_runs_on_the_loop_and_stalls_with_it() -> None:
    import asyncio
    import threading
    import time

    from streams.kafka.worker import start_heartbeat

    metrics = Metrics()
    loop = asyncio.new_event_loop()
    start_heartbeat(loop, metrics, interval=0.05)
    during_block: list[float] = []

    async def run() -> None:
        await asyncio.sleep(1.5)  # beating: the lag stays 0 (interval 1 s, beats every 0.05 s)
        assert metrics.heartbeat.lag() == 0.0
        sampler = threading.Timer(2.0, lambda: during_block.append(metrics.heartbeat.lag()))
        sampler.start()
        time.sleep(2.5)  # the loop is blocked: no beat
        sampler.join()
        await asyncio.sleep(0.2)

    try:
        loop.run_until_complete(run())
    finally:
        loop.close()
    assert during_block and during_block[0] >= 0.8  # 2 s without a beat = ~1 s late
    assert metrics.heartbeat.lag() == 0.0  # beating again after the block
