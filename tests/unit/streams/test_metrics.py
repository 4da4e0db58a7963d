"""streams.metrics: naming rules, bounded labels, fresh registries, top movers, the HTTP endpoint."""

from __future__ import annotations

import urllib.request

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from schemas.errors import Reason
from streams.metrics import TOP_MOVERS, Metrics, TopMovers, serve

# Every label any tickertone series may carry. A new label must be added here on purpose,
# after checking its cardinality is small and fixed.
ALLOWED_LABELS = {
    "reason",  # schemas.errors.Reason, ~10 values
    "stage",  # ingest / state
    "severity",  # warning / critical
    "event_type",  # the EventType values, 15
    "topic",  # a handful of topics
    "partition",  # bounded by partitions per topic
    "model",  # model_info only: one series
    "provider",
    "precision",
    "rank",  # "1".."10"
    "ticker",  # only tickertone_top_mover_info, at most TOP_MOVERS series
    "le",  # histogram buckets
}
UNITLESS_HISTOGRAMS = {"tickertone_inference_batch_size"}  # a count of sentences, not a duration


def _families(metrics: Metrics) -> dict[str, object]:
    return {family.name: family for family in metrics.registry.collect()}


def _filled() -> Metrics:
    """A Metrics object with a child for every labelled family, so all labels are visible."""
    m = Metrics(alert_severities=["warning", "critical"])
    m.duplicates.labels("ingest").inc()
    m.consumer_lag.labels("news.raw", "0").set(3)
    m.set_model("finbert", "CPUExecutionProvider", "int8")
    for i in range(TOP_MOVERS + 5):
        m.top_movers.observe(f"T{i}", i / 100)
    return m


def test_every_name_has_the_namespace_and_counters_end_in_total() -> None:
    m = _filled()
    for family in m.registry.collect():
        assert family.name.startswith("tickertone_"), family.name
        for sample in family.samples:
            assert sample.name.startswith("tickertone_"), sample.name
            if family.type == "counter":
                assert sample.name.endswith(("_total", "_created")), sample.name
    exposition = generate_latest(m.registry).decode()
    counters = [f.name for f in text_string_to_metric_families(exposition) if f.type == "counter"]
    assert {"tickertone_received", "tickertone_invalid", "tickertone_signals", "tickertone_alerts"} <= set(counters)
    assert "tickertone_received_total 0.0" in exposition


def test_histograms_are_in_seconds() -> None:
    histograms = {f.name for f in Metrics().registry.collect() if f.type == "histogram"}
    assert histograms == {
        "tickertone_inference_batch_seconds",
        "tickertone_inference_batch_size",
        "tickertone_latency_seconds",
        "tickertone_feed_delay_seconds",
    }
    for name in histograms - UNITLESS_HISTOGRAMS:
        assert name.endswith("_seconds"), name


def test_no_ticker_label_outside_the_bounded_top_mover_series() -> None:
    m = _filled()
    for family in m.registry.collect():
        for sample in family.samples:
            labels = set(sample.labels)
            assert labels <= ALLOWED_LABELS, (sample.name, labels - ALLOWED_LABELS)
            if "ticker" in labels:
                assert sample.name == "tickertone_top_mover_info", sample.name
    tickers = [s for f in m.registry.collect() for s in f.samples if "ticker" in s.labels]
    assert len(tickers) == TOP_MOVERS  # 15 tickers observed, 10 exported


def test_each_metrics_object_has_its_own_registry() -> None:
    a, b = Metrics(), Metrics()  # a shared registry would raise "Duplicated timeseries"
    assert a.registry is not b.registry
    a.received.inc(5)
    assert a.registry.get_sample_value("tickertone_received_total") == 5
    assert b.registry.get_sample_value("tickertone_received_total") == 0
    given = CollectorRegistry()
    assert Metrics(given).registry is given


def test_dead_letter_reasons_and_severities_exist_at_zero() -> None:
    m = Metrics(alert_severities=["warning", "critical"])
    for reason in Reason:
        assert m.registry.get_sample_value("tickertone_invalid_total", {"reason": reason.value}) == 0
    for severity in ("warning", "critical"):
        assert m.registry.get_sample_value("tickertone_alerts_total", {"severity": severity, "event_type": "other"}) == 0
    m = Metrics(alert_severities=["critical"], alert_event_types=["bankruptcy", "guidance"])
    for event_type in ("bankruptcy", "guidance"):
        assert m.registry.get_sample_value("tickertone_alerts_total", {"severity": "critical", "event_type": event_type}) == 0
    m.invalid.labels(Reason.SCHEMA.value).inc()
    assert m.registry.get_sample_value("tickertone_invalid_total", {"reason": "schema"}) == 1


def test_issue_metrics_are_all_exported() -> None:
    names = set(_families(_filled()))
    assert {
        "tickertone_received",
        "tickertone_invalid",
        "tickertone_duplicates",
        "tickertone_sentences_scored",
        "tickertone_signals",
        "tickertone_alerts",
        "tickertone_inference_batch_seconds",
        "tickertone_inference_batch_size",
        "tickertone_latency_seconds",
        "tickertone_feed_delay_seconds",
        "tickertone_consumer_lag",
        "tickertone_model",  # exposed as tickertone_model_info
        "tickertone_worker_up",
        "tickertone_rebalances",
        "tickertone_top_mover_score",
        "tickertone_top_mover",  # exposed as tickertone_top_mover_info
    } <= names


def test_model_info_carries_model_provider_precision_and_is_replaced() -> None:
    m = Metrics()
    m.set_model("a", "CUDAExecutionProvider", "fp16")
    m.set_model("b", "CPUExecutionProvider", "int8")
    samples = [s for f in m.registry.collect() if f.name == "tickertone_model" for s in f.samples]
    assert [(s.name, s.labels, s.value) for s in samples] == [
        ("tickertone_model_info", {"model": "b", "provider": "CPUExecutionProvider", "precision": "int8"}, 1.0)
    ]


@pytest.mark.parametrize(
    ("observed", "expected"),
    [
        ([], []),
        ([("A", 0.1)], [("A", 0.1)]),
        # Ranked by |score|: a big negative mover outranks a smaller positive one.
        ([("A", 0.1), ("B", -0.9), ("C", 0.5)], [("B", -0.9), ("C", 0.5), ("A", 0.1)]),
        # A later observation replaces the ticker's score.
        ([("A", 0.9), ("B", 0.5), ("A", 0.0)], [("B", 0.5), ("A", 0.0)]),
        # Ties: alphabetical, so scrapes are stable.
        ([("Z", 0.3), ("M", -0.3)], [("M", -0.3), ("Z", 0.3)]),
    ],
)
def test_top_movers_ranking(observed: list[tuple[str, float]], expected: list[tuple[str, float]]) -> None:
    movers = TopMovers(size=3, max_tickers=10)
    for ticker, score in observed:
        movers.observe(ticker, score)
    assert movers.ranked() == expected


def test_top_movers_are_bounded_and_evict_the_least_recently_updated() -> None:
    movers = TopMovers(size=2, max_tickers=3)
    movers.observe("OLD", -5.0)  # the largest mover, but updated longest ago
    movers.observe("B", 0.2)
    movers.observe("C", 0.3)
    assert movers.ranked() == [("OLD", -5.0), ("C", 0.3)]
    movers.observe("D", 0.1)  # a 4th ticker evicts OLD
    assert movers.ranked() == [("C", 0.3), ("B", 0.2)]
    with pytest.raises(ValueError):
        TopMovers(size=5, max_tickers=4)


def test_top_mover_series_follow_the_ranking() -> None:
    m = Metrics()
    m.top_movers.observe("AAA", 0.2)
    m.top_movers.observe("BBB", -0.6)
    r = m.registry
    assert r.get_sample_value("tickertone_top_mover_score", {"rank": "1"}) == -0.6
    assert r.get_sample_value("tickertone_top_mover_info", {"rank": "1", "ticker": "BBB"}) == 1
    assert r.get_sample_value("tickertone_top_mover_info", {"rank": "2", "ticker": "AAA"}) == 1
    m.top_movers.observe("BBB", 0.0)  # BBB calms down: AAA moves to rank 1, no stale series
    assert r.get_sample_value("tickertone_top_mover_info", {"rank": "1", "ticker": "AAA"}) == 1
    assert r.get_sample_value("tickertone_top_mover_info", {"rank": "1", "ticker": "BBB"}) is None
    assert r.get_sample_value("tickertone_top_mover_score", {"rank": "3"}) is None


def test_serve_binds_loopback_by_default_and_serves_the_registry() -> None:
    m = Metrics()
    m.signals.inc(7)
    server, _ = serve(m, 0)
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            body = response.read().decode()
        assert "tickertone_signals_total 7.0" in body
    finally:
        server.shutdown()
        server.server_close()
