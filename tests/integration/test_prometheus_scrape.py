"""A real Prometheus scrapes a worker's metrics endpoint (no Kafka: the endpoint is served
in-process from a fresh `Metrics`). Exercises tests/support/prometheus.py for later tests that
scrape a real worker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.metrics import Metrics, serve
from support.prometheus import PrometheusError, prometheus_binary, query, run_prometheus, wait_for_query

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(prometheus_binary() is None, reason="prometheus not installed (apt-get install prometheus)"),
]


@pytest.fixture
def endpoint() -> Iterator[tuple[Metrics, str]]:
    metrics = Metrics()
    server, _ = serve(metrics, 0)  # loopback, free port
    try:
        yield metrics, f"127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def _value(result: list[dict]) -> float | None:
    return float(result[0]["value"][1]) if result else None


def test_prometheus_scrapes_counters_histograms_and_info(endpoint: tuple[Metrics, str], tmp_path: Path) -> None:
    metrics, target = endpoint
    metrics.received.inc(3)
    metrics.invalid.labels("schema").inc()
    metrics.latency_seconds.observe(0.2)
    metrics.set_model("finbert-tone", "CPUExecutionProvider", "int8")
    metrics.top_movers.observe("ACME", -0.75)
    metrics.up.set(1)

    with run_prometheus([target], tmp_path) as base_url:
        wait_for_query(base_url, 'up{job="tickertone"}', lambda r: _value(r) == 1.0)
        assert _value(wait_for_query(base_url, "tickertone_received_total", bool)) == 3.0
        assert _value(query(base_url, "tickertone_worker_up")) == 1.0

        # A later increment shows up on the next scrapes.
        metrics.received.inc(2)
        wait_for_query(base_url, "tickertone_received_total", lambda r: _value(r) == 5.0)

        by_reason = {
            item["metric"]["reason"]: float(item["value"][1]) for item in query(base_url, "tickertone_invalid_total")
        }
        assert by_reason["schema"] == 1.0 and by_reason["not_json"] == 0.0

        assert _value(query(base_url, 'tickertone_latency_seconds_bucket{le="0.25"}')) == 1.0
        assert _value(query(base_url, 'tickertone_latency_seconds_bucket{le="0.1"}')) == 0.0

        (info,) = query(base_url, "tickertone_model_info")
        assert {k: info["metric"][k] for k in ("model", "provider", "precision")} == {
            "model": "finbert-tone",
            "provider": "CPUExecutionProvider",
            "precision": "int8",
        }

        # The dashboard's top-movers join works on real data.
        (mover,) = query(
            base_url,
            "tickertone_top_mover_score * on(instance, rank) group_left(ticker) tickertone_top_mover_info",
        )
        assert mover["metric"]["ticker"] == "ACME" and mover["metric"]["rank"] == "1"
        assert float(mover["value"][1]) == -0.75


def test_query_errors_are_raised(endpoint: tuple[Metrics, str], tmp_path: Path) -> None:
    _, target = endpoint
    with run_prometheus([target], tmp_path) as base_url, pytest.raises(PrometheusError, match="failed"):
        query(base_url, "sum(rate(tickertone_received_total[5m])")  # unbalanced parenthesis
