"""The Grafana dashboard and the Prometheus rules name only metrics the worker really exports."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from streams.metrics import Metrics
from support.promql import exported_names, metric_names

ROOT = Path(__file__).resolve().parents[3]
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "tickertone.json"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
# Series Prometheus itself adds to every target.
PROMETHEUS_BUILTIN = {"up"}


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("generate_dashboard", GRAFANA / "generate_dashboard.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))  # collapsed rows nest their panels


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def exported() -> set[str]:
    return exported_names(Metrics().registry)


def _queries(dashboard: dict[str, Any]) -> list[tuple[str, str]]:
    """(panel title, expr) for every query target in the dashboard."""
    return [
        (panel["title"], target["expr"])
        for panel in _panels(dashboard["panels"])
        for target in panel.get("targets", [])
    ]


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("sum(rate(tickertone_received_total[5m]))", {"tickertone_received_total"}),
        (
            "histogram_quantile(0.99, sum by (le) "
            '(rate(tickertone_latency_seconds_bucket{instance=~"$instance"}[$__rate_interval])))',
            {"tickertone_latency_seconds_bucket"},
        ),
        (
            "a_total * on(instance, rank) group_left(ticker) b_info and on(rank) topk(10, abs(c))",
            {"a_total", "b_info", "c"},
        ),
        ('up{job="tickertone", x="sum(rate(fake[1m]))"} == 0 or rec:rule:name offset 5m', {"up", "rec:rule:name"}),
        ("hour() * 60 + minute() >= 14 * 60 + 45 and day_of_week() <= 5", set()),
        ("absent(up == 1)", {"up"}),
    ],
)
def test_metric_name_extraction(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


def test_committed_json_is_the_generators_output() -> None:
    assert DASHBOARD.read_text(encoding="utf-8") == _generator().render(), (
        "deploy/grafana/dashboards/tickertone.json is stale: run python deploy/grafana/generate_dashboard.py"
    )


def test_exported_names_include_suffixes(exported: set[str]) -> None:
    # The set the next tests compare against really contains the derived series names.
    assert {
        "tickertone_received_total",
        "tickertone_latency_seconds_bucket",
        "tickertone_latency_seconds_sum",
        "tickertone_latency_seconds_count",
        "tickertone_model_info",
        "tickertone_top_mover_info",
        "tickertone_invalid_total",
    } <= exported
    assert "tickertone_received" not in exported and "tickertone_latency_seconds" not in exported


def test_every_panel_query_names_only_exported_metrics(dashboard: dict[str, Any], exported: set[str]) -> None:
    queries = _queries(dashboard)
    assert len(queries) >= 20
    unknown = {
        (title, name)
        for title, expr in queries
        for name in metric_names(expr)
        if name not in exported
    }
    assert not unknown, f"panels query metrics that streams.metrics.Metrics does not export: {sorted(unknown)}"
    for title, expr in queries:
        assert metric_names(expr), f"panel {title!r} has a query without a metric: {expr!r}"


def test_template_variables_query_exported_metrics(dashboard: dict[str, Any], exported: set[str]) -> None:
    variables = dashboard["templating"]["list"]
    assert variables
    for variable in variables:
        definition = variable["definition"]
        assert definition.startswith("label_values(")
        metric = definition.removeprefix("label_values(").split(",")[0].strip()
        assert metric in exported


def test_dashboard_covers_the_issue(dashboard: dict[str, Any]) -> None:
    used = {name for _, expr in _queries(dashboard) for name in metric_names(expr)}
    required = {
        "tickertone_received_total",  # throughput
        "tickertone_signals_total",
        "tickertone_sentences_scored_total",
        "tickertone_latency_seconds_bucket",  # latency percentiles
        "tickertone_feed_delay_seconds_bucket",
        "tickertone_inference_batch_seconds_bucket",
        "tickertone_inference_batch_size_sum",
        "tickertone_consumer_lag",  # lag
        "tickertone_invalid_total",  # dead letters by reason
        "tickertone_alerts_total",  # alerts by severity
        "tickertone_model_info",  # model / provider
        "tickertone_top_mover_score",  # top movers
        "tickertone_top_mover_info",
        "tickertone_worker_up",
        "tickertone_rebalances_total",
        "tickertone_duplicates_total",
    }
    assert required <= used, f"not on the dashboard: {sorted(required - used)}"
    by_title = {title: expr for title, expr in _queries(dashboard)}
    assert "sum by (reason)" in by_title["Dead letters by reason"]
    assert "sum by (severity)" in by_title["Alerts by severity"]


def test_panels_are_well_formed(dashboard: dict[str, Any]) -> None:
    datasource_uid = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text(encoding="utf-8")
    )["datasources"][0]["uid"]
    panels = list(_panels(dashboard["panels"]))
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    cells: set[tuple[int, int]] = set()
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        covered = {(grid["x"] + dx, grid["y"] + dy) for dx in range(grid["w"]) for dy in range(grid["h"])}
        assert not covered & cells, f"panel {panel['title']!r} overlaps another"
        cells |= covered
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == datasource_uid, panel["title"]
            assert panel["targets"], panel["title"]
            for target in panel["targets"]:
                assert target["datasource"]["uid"] == datasource_uid


def test_ticker_label_only_on_the_bounded_top_mover_series(dashboard: dict[str, Any]) -> None:
    for title, expr in _queries(dashboard):
        if "ticker" in expr.replace("tickertone", ""):
            assert "tickertone_top_mover_info" in expr, f"{title!r} uses a ticker label"


def test_alert_rules_name_only_exported_metrics(exported: set[str]) -> None:
    groups = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    recorded = {rule["record"] for rule in rules if "record" in rule}
    known = exported | recorded | PROMETHEUS_BUILTIN
    unknown = {
        (rule.get("alert") or rule["record"], name)
        for rule in rules
        for name in metric_names(rule["expr"])
        if name not in known
    }
    assert not unknown, f"rules use metrics nobody exports: {sorted(unknown)}"
    alerts = {rule["alert"] for rule in rules if "alert" in rule}
    assert {
        "TickertoneWorkerDown",
        "TickertoneConsumerLagGrowing",
        "TickertoneDeadLetterRateHigh",
        "TickertoneNoSignalsInMarketHours",
        "TickertoneLatencyP99High",
    } <= alerts
    for rule in rules:
        if "alert" in rule:
            assert rule["labels"]["severity"] in {"warning", "critical"}
            assert rule["annotations"]["summary"]
