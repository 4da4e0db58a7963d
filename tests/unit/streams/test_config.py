"""Settings from the environment."""

from __future__ import annotations

from pathlib import Path

from streams.config import Settings, bootstrap_servers, from_env, with_overrides


def test_defaults_match_the_design() -> None:
    s = from_env({})
    assert s == Settings()
    assert s.broker == "kafka://127.0.0.1:9092"
    assert s.metrics.port == 9464 and s.metrics.addr == "127.0.0.1"
    assert (s.topics.raw, s.topics.deadletter, s.topics.scored) == ("news.raw", "news.deadletter", "news.scored")
    assert (s.topics.signals, s.topics.alerts) == ("signals.ticker", "alerts.negative")


def test_environment_overrides_are_typed() -> None:
    s = from_env(
        {
            "TICKERTONE_BROKER": "kafka://k:1",
            "TICKERTONE_MODEL": "/models/finbert",
            "TICKERTONE_METRICS_PORT": "9999",
            "TICKERTONE_DEDUPE_RETENTION_S": "60",
            "TICKERTONE_TOPIC_RAW": "feed",
            "TICKERTONE_PARTITIONS": "8",
            "UNRELATED": "x",
        }
    )
    assert s.broker == "kafka://k:1"
    assert s.scoring.model == Path("/models/finbert")
    assert s.metrics.port == 9999
    assert s.ingest.dedupe_retention_s == 60.0
    assert s.topics.raw == "feed" and s.topics.partitions == 8


def test_overrides_skip_none() -> None:
    base = Settings()
    assert with_overrides(base, {(None, "broker"): None, ("metrics", "port"): None}) == base
    assert with_overrides(base, {("metrics", "port"): 1}).metrics.port == 1


def test_bootstrap_servers_from_faust_urls() -> None:
    assert bootstrap_servers("kafka://127.0.0.1:9092") == "127.0.0.1:9092"
    assert bootstrap_servers("kafka://a:1;kafka://b:2") == "a:1,b:2"
    assert bootstrap_servers("b1:9092,b2:9092") == "b1:9092,b2:9092"
    assert bootstrap_servers("a:1, b:2,") == "a:1,b:2"


def test_kafka_client_config_maps_security_settings() -> None:
    assert Settings().kafka_client_config() == {}
    s = from_env(
        {
            "TICKERTONE_SECURITY_PROTOCOL": "sasl_ssl",
            "TICKERTONE_SASL_MECHANISM": "SCRAM-SHA-512",
            "TICKERTONE_SASL_USERNAME": "svc",
            "TICKERTONE_SASL_PASSWORD": "pw",
            "TICKERTONE_SSL_CAFILE": "/etc/ca.pem",
        }
    )
    assert s.kafka_client_config() == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "svc",
        "sasl_plain_password": "pw",
        "ssl_cafile": "/etc/ca.pem",
    }
