"""Generate deploy/grafana/dashboards/tickertone.json (the dashboard as code).

    python deploy/grafana/generate_dashboard.py            # write the JSON
    python deploy/grafana/generate_dashboard.py --check    # exit 1 if the committed JSON is stale

Edit this file, not the JSON; commit both. tests/unit/deploy/test_dashboard.py checks that the
committed JSON equals this output and that every query names only metrics that
`streams.metrics.Metrics` exports. Standard library only, so it runs without the venv.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parent / "dashboards" / "tickertone.json"
DATASOURCE = {"type": "prometheus", "uid": "tickertone-prometheus"}  # provisioning/datasources
SEL = '{instance=~"$instance"}'  # every query is filtered by the dashboard's instance variable
RATE = "$__rate_interval"


def _target(expr: str, legend: str = "", ref: str = "A", instant: bool = False, table: bool = False) -> dict[str, Any]:
    target: dict[str, Any] = {"datasource": DATASOURCE, "refId": ref, "expr": expr, "legendFormat": legend}
    if instant:
        target["instant"] = True
        target["range"] = False
    if table:
        target["format"] = "table"
    return target


def _targets(*pairs: tuple[str, str]) -> list[dict[str, Any]]:
    return [_target(expr, legend, ref=chr(ord("A") + i)) for i, (expr, legend) in enumerate(pairs)]


def _quantiles(metric: str, by: str = "") -> list[dict[str, Any]]:
    extra = f", {by}" if by else ""
    return _targets(
        *(
            (f"histogram_quantile({q}, sum by (le{extra}) (rate({metric}_bucket{SEL}[{RATE}])))", f"p{int(q * 100)}")
            for q in (0.5, 0.9, 0.99)
        )
    )


def _timeseries(title: str, targets: list[dict[str, Any]], unit: str, description: str, stack: bool = False) -> dict[str, Any]:
    custom: dict[str, Any] = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never"}
    if stack:
        custom["stacking"] = {"mode": "normal", "group": "A"}
    return {
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": targets,
        "fieldConfig": {"defaults": {"unit": unit, "custom": custom}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi", "sort": "desc"}},
    }


def _stat(title: str, expr: str, unit: str, description: str, thresholds: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "type": "stat",
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": [_target(expr, instant=True)],
        "fieldConfig": {
            "defaults": {
                "unit": unit,
                "thresholds": {"mode": "absolute", "steps": thresholds or [{"color": "green", "value": None}]},
            },
            "overrides": [],
        },
        "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "colorMode": "background"},
    }


def _table(title: str, expr: str, description: str, columns: list[str], sort_by: str | None = None) -> dict[str, Any]:
    """An instant-query table showing `columns` (labels, plus "Value")."""
    order = {name: i for i, name in enumerate(columns)}
    panel: dict[str, Any] = {
        "type": "table",
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": [_target(expr, instant=True, table=True)],
        "fieldConfig": {"defaults": {}, "overrides": []},
        "options": {"showHeader": True},
        "transformations": [
            {
                "id": "organize",
                "options": {
                    "excludeByName": {"Time": True, "__name__": True, "job": True},
                    "indexByName": order,
                    "renameByName": {},
                },
            },
            {"id": "filterFieldsByName", "options": {"include": {"names": columns}}},
        ],
    }
    if sort_by:
        panel["options"]["sortBy"] = [{"displayName": sort_by, "desc": True}]
    return panel


def _row(title: str) -> dict[str, Any]:
    return {"type": "row", "title": title, "collapsed": False, "panels": []}


def panels() -> list[dict[str, Any]]:
    """The panels in display order, each with its grid width and height."""
    s = SEL
    layout: list[tuple[dict[str, Any], int, int]] = [
        (_row("Overview"), 24, 1),
        (
            _stat(
                "Workers up",
                f"sum(tickertone_worker_up{s})",
                "none",
                "Workers reporting tickertone_worker_up = 1.",
                [{"color": "red", "value": None}, {"color": "green", "value": 1}],
            ),
            4,
            5,
        ),
        (
            _stat("Stories / s", f"sum(rate(tickertone_received_total{s}[{RATE}]))", "reqps", "Raw stories received per second."),
            4,
            5,
        ),
        (
            _stat(
                "p99 latency",
                f"histogram_quantile(0.99, sum by (le) (rate(tickertone_latency_seconds_bucket{s}[{RATE}])))",
                "s",
                "99th percentile of story received -> signal emitted.",
                [{"color": "green", "value": None}, {"color": "orange", "value": 1}, {"color": "red", "value": 2.5}],
            ),
            4,
            5,
        ),
        (
            _table(
                "Model and provider",
                f"tickertone_model_info{s}",
                "The model each worker loaded, the ONNX Runtime execution provider it runs on and the precision.",
                ["instance", "model", "provider", "precision"],
            ),
            12,
            5,
        ),
        (_row("Throughput"), 24, 1),
        (
            _timeseries(
                "Throughput",
                _targets(
                    (f"sum(rate(tickertone_received_total{s}[{RATE}]))", "received"),
                    (f"sum(rate(tickertone_normalized_total{s}[{RATE}]))", "normalized"),
                    (f"sum(rate(tickertone_scored_total{s}[{RATE}]))", "scored (story x ticker)"),
                    (f"sum(rate(tickertone_signals_total{s}[{RATE}]))", "signals"),
                ),
                "reqps",
                "Per-second rates through the stages: raw stories in, normalized, scored, signals out.",
            ),
            12,
            8,
        ),
        (
            _timeseries(
                "Sentences scored / s",
                _targets((f"sum by (instance) (rate(tickertone_sentences_scored_total{s}[{RATE}]))", "{{instance}}")),
                "reqps",
                "Model throughput per worker, in sentences per second.",
                stack=True,
            ),
            12,
            8,
        ),
        (_row("Latency and lag"), 24, 1),
        (
            _timeseries(
                "Processing latency (received -> signal)",
                _quantiles("tickertone_latency_seconds"),
                "s",
                "Percentiles of the time from a story's arrival at the worker to its signal being emitted.",
            ),
            8,
            8,
        ),
        (
            _timeseries(
                "Feed delay (published_at -> received)",
                _quantiles("tickertone_feed_delay_seconds"),
                "s",
                "Percentiles of how late stories reach the worker after their published_at (the feed's delay, not ours).",
            ),
            8,
            8,
        ),
        (
            _timeseries(
                "Inference batch time",
                _quantiles("tickertone_inference_batch_seconds"),
                "s",
                "Model time per micro-batch.",
            ),
            8,
            8,
        ),
        (
            _timeseries(
                "Inference batch size (mean)",
                _targets(
                    (
                        f"sum by (instance) (rate(tickertone_inference_batch_size_sum{s}[{RATE}]))"
                        f" / sum by (instance) (rate(tickertone_inference_batch_size_count{s}[{RATE}]))",
                        "{{instance}}",
                    )
                ),
                "none",
                "Mean sentences per inference batch; small batches under load mean the batch wait is too short.",
            ),
            8,
            8,
        ),
        (
            _timeseries(
                "Consumer lag by topic",
                _targets((f"sum by (topic) (tickertone_consumer_lag{s})", "{{topic}}")),
                "none",
                "Messages behind the end of the log, summed over partitions (and workers).",
            ),
            8,
            8,
        ),
        (
            _timeseries(
                "Consumer lag by partition",
                _targets((f"tickertone_consumer_lag{s}", "{{topic}}[{{partition}}] {{instance}}")),
                "none",
                "Per topic-partition lag as each worker reports it; a single hot partition shows here.",
            ),
            8,
            8,
        ),
        (_row("Errors and alerts"), 24, 1),
        (
            _timeseries(
                "Dead letters by reason",
                _targets((f"sum by (reason) (rate(tickertone_invalid_total{s}[{RATE}]))", "{{reason}}")),
                "reqps",
                "Raw messages sent to the dead-letter topic, per reason code.",
                stack=True,
            ),
            8,
            8,
        ),
        (
            _timeseries(
                "Alerts by severity",
                _targets((f"sum by (severity) (increase(tickertone_alerts_total{s}[{RATE}]))", "{{severity}}")),
                "none",
                "Negative-news alerts emitted, per severity.",
                stack=True,
            ),
            8,
            8,
        ),
        (
            _timeseries(
                "Duplicates and rebalances",
                _targets(
                    (f"sum by (stage) (rate(tickertone_duplicates_total{s}[{RATE}]))", "duplicates {{stage}}"),
                    (f"sum(increase(tickertone_rebalances_total{s}[{RATE}]))", "rebalances"),
                ),
                "none",
                "Stories dropped as already seen (redeliveries), and consumer-group rebalances.",
            ),
            8,
            8,
        ),
        (_row("Signals"), 24, 1),
        (
            _table(
                "Top movers",
                "(tickertone_top_mover_score" + s + " * on(instance, rank) group_left(ticker) tickertone_top_mover_info" + s + ")"
                " and on(instance, rank) topk(10, abs(tickertone_top_mover_score" + s + "))",
                "Tickers with the largest |fast score|, over all workers (each worker ranks the tickers it owns; "
                "the ticker is only a label on these 10 bounded series).",
                ["ticker", "Value", "instance"],
                sort_by="Value",
            ),
            12,
            10,
        ),
        (
            _timeseries(
                "Alerts by event type",
                _targets(
                    (
                        f"sum by (event_type, severity) (increase(tickertone_alerts_total{s}[{RATE}]))",
                        "{{event_type}} {{severity}}",
                    )
                ),
                "none",
                "Alerts emitted, by the alerting story's event type and severity (TickertoneAlertStorm fires on a flood).",
            ),
            12,
            10,
        ),
    ]
    out: list[dict[str, Any]] = []
    x = y = row_h = 0
    for panel_id, (panel, w, h) in enumerate(layout, start=1):
        if x + w > 24:
            x, y, row_h = 0, y + row_h, 0
        panel = {"id": panel_id, "gridPos": {"h": h, "w": w, "x": x, "y": y}, **panel}
        out.append(panel)
        x += w
        row_h = max(row_h, h)
    return out


def dashboard() -> dict[str, Any]:
    """The whole dashboard model (Grafana 10/11 schema)."""
    return {
        "uid": "tickertone",
        "title": "tickertone",
        "description": "Streaming news sentiment: throughput, latency, lag, dead letters, alerts, model, top movers.",
        "tags": ["tickertone", "kafka", "faust"],
        "timezone": "utc",
        "editable": False,
        "graphTooltip": 1,
        "refresh": "10s",
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": "now-1h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "instance",
                    "label": "Worker",
                    "type": "query",
                    "datasource": DATASOURCE,
                    "query": {"query": "label_values(tickertone_worker_up, instance)", "refId": "instance"},
                    "definition": "label_values(tickertone_worker_up, instance)",
                    "includeAll": True,
                    "multi": True,
                    "allValue": ".*",
                    "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
                    "refresh": 2,
                    "sort": 1,
                }
            ]
        },
        "annotations": {"list": []},
        "panels": panels(),
    }


def render() -> str:
    """The JSON text as committed (stable key order, trailing newline)."""
    return json.dumps(dashboard(), indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed JSON differs")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is stale: run python {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
