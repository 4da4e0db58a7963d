"""promtool: the Prometheus config and rules are valid, the rule unit tests pass, and every
dashboard query is valid PromQL. Skipped where promtool is missing (CI installs the Debian
`prometheus` package, which ships it)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PROM = ROOT / "deploy" / "prometheus"
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "tickertone.json"
PROMTOOL = shutil.which("promtool")
TEST_FILES = ("alerts_test.yml", "alerts_test_market_hours.yml")

pytestmark = pytest.mark.skipif(PROMTOOL is None, reason="promtool not on PATH (apt-get install prometheus)")


def _promtool(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_config_is_valid() -> None:
    result = _promtool("check", "config", str(PROM / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "alerts.yml" in result.stdout  # the rule file is found relative to the config


def test_rules_are_valid() -> None:
    result = _promtool("check", "rules", str(PROM / "alerts.yml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_unit_tests_pass() -> None:
    result = _promtool("test", "rules", *TEST_FILES, cwd=PROM)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(TEST_FILES)


def test_rule_unit_tests_detect_a_broken_rule(tmp_path: Path) -> None:
    # The unit tests really bite: raise the dead-letter threshold and open the market-hours
    # window at 16:00 UTC instead of 14:45, and they must fail on exactly those alerts.
    for name in TEST_FILES:
        (tmp_path / name).write_text((PROM / name).read_text(encoding="utf-8"), encoding="utf-8")
    rules = (PROM / "alerts.yml").read_text(encoding="utf-8")
    for old, new in (("deadletter_ratio:rate5m > 0.05", "deadletter_ratio:rate5m > 0.5"), ("14 * 60 + 45", "16 * 60")):
        assert old in rules
        rules = rules.replace(old, new)
    (tmp_path / "alerts.yml").write_text(rules, encoding="utf-8")
    result = _promtool("test", "rules", *TEST_FILES, cwd=tmp_path)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "alertname: TickertoneDeadLetterRateHigh" in output
    assert "alertname: TickertoneNoSignalsInMarketHours" in output
    assert "alertname: TickertoneWorkerDown" not in output


def test_dashboard_queries_are_valid_promql(tmp_path: Path) -> None:
    """Each panel query, with Grafana's variables filled in, as a recording rule for promtool."""
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    exprs = [
        target["expr"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    ]
    assert exprs
    substitutions = {"$__rate_interval": "1m", "$__range": "1h", "$__interval": "15s", "$instance": ".*"}
    rules = []
    for i, expr in enumerate(exprs):
        for variable, value in substitutions.items():
            expr = expr.replace(variable, value)
        assert "$" not in expr, f"unknown Grafana variable in {expr!r}"
        rules.append({"record": f"dashboard:query_{i}", "expr": expr})
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(json.dumps({"groups": [{"name": "dashboard", "rules": rules}]}), encoding="utf-8")
    result = _promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(rules)} rules found" in result.stdout
