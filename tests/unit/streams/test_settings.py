"""Settings from the environment, a TOML file and flags: precedence, types, errors, secrets."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from streams.cli import main
from streams.kafka.clients import bootstrap_servers, faust_credentials, kafka_python_config
from streams.settings import Settings, SettingsError, load_settings
from streams.settings.docs import effective_settings, settings_table
from streams.settings.sources import LEGACY_NAMES
from support.paths import REPO


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No TICKERTONE_* variable of the developer's shell leaks into these tests."""
    import os

    for name in list(os.environ):
        if name.startswith("TICKERTONE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def test_defaults_match_the_design() -> None:
    s = load_settings()
    assert s.broker == "kafka://127.0.0.1:9092"
    assert s.metrics.port == 9464 and s.metrics.addr == "127.0.0.1"
    assert (s.topics.raw, s.topics.deadletter, s.topics.scored) == ("news.raw", "news.deadletter", "news.scored")
    assert (s.topics.signals, s.topics.alerts) == ("signals.ticker", "alerts.negative")
    assert s.stages == ("ingest", "score", "state")
    assert s.security.protocol == "PLAINTEXT"


def test_the_default_data_dir_is_absolute_under_the_user_state_dir(tmp_path: Path) -> None:
    assert load_settings().data_dir == tmp_path / "state" / "tickertone" / "worker"


def test_a_relative_data_dir_is_made_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TICKERTONE_DATA_DIR", "var/worker")
    assert load_settings().data_dir == tmp_path / "var" / "worker"


def test_every_section_field_is_set_by_its_nested_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKERTONE_BROKER", "kafka://k:1")
    monkeypatch.setenv("TICKERTONE_STAGES", "ingest, state")
    monkeypatch.setenv("TICKERTONE_SCORING__MODEL", "/models/finbert")
    monkeypatch.setenv("TICKERTONE_METRICS__PORT", "9999")
    monkeypatch.setenv("TICKERTONE_INGEST__DEDUPE_RETENTION_S", "60")
    monkeypatch.setenv("TICKERTONE_STATE__FAST_HALF_LIFE_S", "120.5")
    monkeypatch.setenv("TICKERTONE_ALERTS__COOLDOWN_S", "30")
    monkeypatch.setenv("TICKERTONE_ALERTS__POSITIVE", "true")
    monkeypatch.setenv("TICKERTONE_TOPICS__PARTITIONS", "8")
    s = load_settings()
    assert s.broker == "kafka://k:1" and s.stages == ("ingest", "state")
    assert s.scoring.model == Path("/models/finbert")
    assert s.metrics.port == 9999
    assert s.ingest.dedupe_retention_s == 60.0
    assert s.state.fast_half_life_s == 120.5
    assert s.alerts.cooldown_s == 30.0 and s.alerts.positive is True
    assert s.topics.partitions == 8


def test_flags_beat_variables_which_beat_the_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "tickertone.toml"
    config.write_text('broker = "kafka://file:1"\n[state]\nfast_half_life_s = 10\nslow_half_life_s = 20\n[metrics]\nport = 1\n')
    monkeypatch.setenv("TICKERTONE_STATE__SLOW_HALF_LIFE_S", "30")
    monkeypatch.setenv("TICKERTONE_METRICS__PORT", "2")
    s = load_settings(config, {"metrics": {"port": 3, "addr": None}})
    assert s.broker == "kafka://file:1"
    assert (s.state.fast_half_life_s, s.state.slow_half_life_s) == (10.0, 30.0)
    assert (s.metrics.port, s.metrics.addr) == (3, "127.0.0.1")


def test_the_file_can_come_from_tickertone_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "t.toml"
    config.write_text("[alerts]\nstory_threshold = -0.9\n")
    monkeypatch.setenv("TICKERTONE_CONFIG", str(config))
    assert load_settings().alerts.story_threshold == -0.9


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("TICKERTONE_STATE__FAST_HALF_LIFE_S", "abc", "TICKERTONE_STATE__FAST_HALF_LIFE_S (or `fast_half_life_s` in [state]"),
        ("TICKERTONE_STATE__FAST_HALF_LIFE_S", "-1", "greater than 0"),
        ("TICKERTONE_METRICS__PORT", "70000", "TICKERTONE_METRICS__PORT"),
        ("TICKERTONE_STAGES", "ingest,scoring", "TICKERTONE_STAGES"),
        ("TICKERTONE_SECURITY__PROTOCOL", "TLS", "TICKERTONE_SECURITY__PROTOCOL"),
        ("TICKERTONE_STATE__FAST_HALF_LIFE", "1", "TICKERTONE_STATE__FAST_HALF_LIFE names no setting"),
    ],
)
def test_a_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=expected.replace("(", r"\(").replace("[", r"\[")):
        load_settings()


def test_an_unknown_file_key_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "t.toml"
    config.write_text("[state]\nfast_halflife_s = 1\n")
    with pytest.raises(SettingsError, match="fast_halflife_s"):
        load_settings(config)


def test_a_bad_setting_exits_2_with_one_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TICKERTONE_METRICS__PORT", "many")
    assert main(["config", "show"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("tickertone config: TICKERTONE_METRICS__PORT"), err


@pytest.mark.parametrize(("old", "target"), sorted(LEGACY_NAMES.items()))
def test_each_earlier_variable_name_still_works_with_a_deprecation_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, old: str, target: tuple[str | None, str]
) -> None:
    section, name = target
    values = {"port": "9999", "partitions": "8", "dedupe_retention_s": "60.5", "protocol": "SASL_SSL",
              "sasl_mechanism": "SCRAM-SHA-512"}
    raw = values.get(name, "/some/where" if name in {"model", "exchange_map", "ssl_cafile"} else "some-value")
    monkeypatch.setenv(old, raw)
    with caplog.at_level(logging.WARNING):
        s = load_settings()
    got = getattr(getattr(s, section) if section else s, name)
    got = got.get_secret_value() if hasattr(got, "get_secret_value") else got
    assert str(got) == raw
    assert f"{old} is deprecated" in caplog.text


def test_the_new_name_wins_over_the_old_one_which_is_reported(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TICKERTONE_METRICS_PORT", "1111")
    monkeypatch.setenv("TICKERTONE_METRICS__PORT", "2222")
    with caplog.at_level(logging.WARNING):
        assert load_settings().metrics.port == 2222
    assert "TICKERTONE_METRICS_PORT is deprecated and ignored: TICKERTONE_METRICS__PORT is set" in caplog.text


def test_an_empty_new_name_leaves_the_old_one_in_force(monkeypatch: pytest.MonkeyPatch) -> None:
    """docker compose passes every new name, empty when the shell has none: empty means unset."""
    monkeypatch.setenv("TICKERTONE_SCORING__MODEL", "")
    monkeypatch.setenv("TICKERTONE_MODEL", "/models/finbert")
    assert load_settings().scoring.model == Path("/models/finbert")


def test_bootstrap_servers_from_faust_urls() -> None:
    assert bootstrap_servers("kafka://127.0.0.1:9092") == "127.0.0.1:9092"
    assert bootstrap_servers("kafka://a:1;kafka://b:2") == "a:1,b:2"
    assert bootstrap_servers("b1:9092,b2:9092") == "b1:9092,b2:9092"
    assert bootstrap_servers("a:1, b:2,") == "a:1,b:2"


def test_kafka_client_config_maps_security_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert kafka_python_config(load_settings().security) == {}
    monkeypatch.setenv("TICKERTONE_SECURITY__PROTOCOL", "sasl_ssl")
    monkeypatch.setenv("TICKERTONE_SECURITY__SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("TICKERTONE_SECURITY__SASL_USERNAME", "svc")
    monkeypatch.setenv("TICKERTONE_SECURITY__SASL_PASSWORD", "pw")
    monkeypatch.setenv("TICKERTONE_SECURITY__SSL_CAFILE", "/etc/ca.pem")
    assert kafka_python_config(load_settings().security) == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "svc",
        "sasl_plain_password": "pw",
        "ssl_cafile": "/etc/ca.pem",
    }


def test_client_certificates_reach_both_client_kinds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKERTONE_SECURITY__PROTOCOL", "SSL")
    monkeypatch.setenv("TICKERTONE_SECURITY__SSL_CERTFILE", "/etc/tt/client.pem")
    monkeypatch.setenv("TICKERTONE_SECURITY__SSL_KEYFILE", "/etc/tt/client.key")
    monkeypatch.setenv("TICKERTONE_SECURITY__SSL_KEY_PASSWORD", "key-secret")
    settings = load_settings()
    assert kafka_python_config(settings.security) == {
        "security_protocol": "SSL",
        "ssl_certfile": "/etc/tt/client.pem",
        "ssl_keyfile": "/etc/tt/client.key",
        "ssl_password": "key-secret",
    }
    assert "key-secret" not in repr(settings) and "key-secret" not in json.dumps(effective_settings(settings))
    # Faust's SSL context loads the chain: with files that do not exist, it says so.
    with pytest.raises(FileNotFoundError):
        faust_credentials(settings.security)


def test_a_key_without_a_certificate_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKERTONE_SECURITY__SSL_KEYFILE", "/etc/tt/client.key")
    with pytest.raises(SettingsError, match="ssl_keyfile is set without ssl_certfile"):
        load_settings()


def test_the_password_never_shows(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TICKERTONE_SECURITY__SASL_PASSWORD", "hunter2-secret")
    settings = load_settings()
    assert "hunter2-secret" not in repr(settings) and "hunter2-secret" not in str(settings)
    assert "hunter2-secret" not in json.dumps(effective_settings(settings))
    assert main(["config", "show"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["security"]["sasl_password"] == "**********"
    with pytest.raises(SettingsError) as raised:  # a password that is not text: refused, not shown
        load_settings(overrides={"security": {"sasl_password": 7654321}})
    assert "7654321" not in str(raised.value) and "**********" in str(raised.value)


def test_settings_md_is_the_generated_table() -> None:
    document = (REPO / "SETTINGS.md").read_text(encoding="utf-8")
    assert settings_table() in document, "SETTINGS.md is stale: regenerate it with `tickertone config docs`"


def test_the_table_lists_every_field() -> None:
    table = settings_table()
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        sub = getattr(annotation, "model_fields", None)
        if sub is None:
            assert f"`TICKERTONE_{name.upper()}`" in table
        else:
            for inner in sub:
                assert f"`TICKERTONE_{name.upper()}__{inner.upper()}`" in table


def test_topic_replication_defaults_fit_the_embedded_broker_and_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    s = load_settings()
    assert (s.topics.replication_factor, s.topics.min_insync_replicas) == (1, 1)
    monkeypatch.setenv("TICKERTONE_TOPICS__REPLICATION_FACTOR", "3")
    monkeypatch.setenv("TICKERTONE_TOPICS__MIN_INSYNC_REPLICAS", "2")
    s = load_settings()
    assert (s.topics.replication_factor, s.topics.min_insync_replicas) == (3, 2)
    monkeypatch.setenv("TICKERTONE_TOPICS__MIN_INSYNC_REPLICAS", "4")
    with pytest.raises(SettingsError, match="min_insync_replicas"):
        load_settings()
