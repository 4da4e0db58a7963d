"""The one settings object. Built from the environment and CLI flags in `streams.cli`,
then passed down; no other module reads `os.environ`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

__all__ = [
    "Topics",
    "IngestSettings",
    "ScoringSettings",
    "StateSettings",
    "AlertSettings",
    "MetricsSettings",
    "Settings",
    "from_env",
    "bootstrap_servers",
]

ENV_PREFIX = "TICKERTONE_"


@dataclass(frozen=True)
class Topics:
    """Topic names (DESIGN.md "Topics")."""

    raw: str = "news.raw"
    deadletter: str = "news.deadletter"
    normalized: str = "news.normalized"
    scored: str = "news.scored"
    signals: str = "signals.ticker"
    alerts: str = "alerts.negative"
    partitions: int = 4


@dataclass(frozen=True)
class IngestSettings:
    """Validation, de-duplication and exchange-time stamping."""

    max_message_bytes: int = 1_000_000
    dedupe_retention_s: float = 7 * 24 * 3600.0
    exchange_map: Path | None = None  # CSV ticker,mic; None = bundled streams/exchanges.csv
    default_mic: str = "XNYS"
    batch_max: int = 500
    batch_wait_s: float = 0.05


@dataclass(frozen=True)
class ScoringSettings:
    """Model and micro-batching of the score agent."""

    model: Path | None = None  # None = the bundled model
    provider: str | None = None  # None = CUDA if available, else CPU
    max_sentences: int = 16
    negative_penalty: float = 3.0
    batch_max: int = 64
    batch_wait_s: float = 0.05


@dataclass(frozen=True)
class StateSettings:
    """Per-ticker decayed state (DESIGN.md "Per-ticker state")."""

    fast_half_life_s: float = 3600.0
    slow_half_life_s: float = 72 * 3600.0
    linear_window_sessions: int = 90
    recent_ids: int = 512
    zscore_min_sessions: int = 5  # baseline sessions needed before the z-score is non-zero
    driver_stories: int = 5  # recent negative (and positive) stories kept to explain alerts
    batch_max: int = 1000
    batch_wait_s: float = 0.05
    store: str = "memory://"


@dataclass(frozen=True)
class AlertSettings:
    """Asymmetric-negative alerts."""

    story_threshold: float = -0.6
    min_confidence: float = 0.6
    critical_threshold: float = -1.0
    zscore_k: float = 3.0
    zscore_critical_k: float = 4.5
    cooldown_s: float = 900.0  # per ticker and direction, in event time
    positive: bool = False
    # Story scores are asymmetric (negatives x negative_penalty, positives <= 0.5): own thresholds.
    positive_story_threshold: float = 0.4
    positive_critical_threshold: float = 0.48


@dataclass(frozen=True)
class MetricsSettings:
    """Prometheus exposition."""

    port: int = 9464
    addr: str = "127.0.0.1"


@dataclass(frozen=True)
class Settings:
    """Everything a worker needs. Immutable; derive variants with `dataclasses.replace`."""

    broker: str = "kafka://127.0.0.1:9092"
    app_id: str = "tickertone"
    data_dir: Path = Path("var/worker")
    stages: tuple[str, ...] = ("ingest", "score", "state")
    topics: Topics = field(default_factory=Topics)
    ingest: IngestSettings = field(default_factory=IngestSettings)
    scoring: ScoringSettings = field(default_factory=ScoringSettings)
    state: StateSettings = field(default_factory=StateSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    # Kafka security, passed to Faust's broker_credentials (SASL/SSL); None = PLAINTEXT.
    security_protocol: str | None = None
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = None
    ssl_cafile: Path | None = None

    def kafka_client_config(self) -> dict[str, Any]:
        """Security settings in kafka-python's terms (admin, replay and tail clients)."""
        config: dict[str, Any] = {}
        if self.security_protocol:
            config["security_protocol"] = self.security_protocol.upper()
        if self.sasl_mechanism:
            config["sasl_mechanism"] = self.sasl_mechanism
        if self.sasl_username is not None:
            config["sasl_plain_username"] = self.sasl_username
        if self.sasl_password is not None:
            config["sasl_plain_password"] = self.sasl_password
        if self.ssl_cafile is not None:
            config["ssl_cafile"] = str(self.ssl_cafile)
        return config


# Environment variable -> (section, field). Section None = top-level field of Settings.
_ENV: dict[str, tuple[str | None, str]] = {
    "BROKER": (None, "broker"),
    "APP_ID": (None, "app_id"),
    "DATA_DIR": (None, "data_dir"),
    "STAGES": (None, "stages"),
    "MODEL": ("scoring", "model"),
    "PROVIDER": ("scoring", "provider"),
    "METRICS_PORT": ("metrics", "port"),
    "METRICS_ADDR": ("metrics", "addr"),
    "TOPIC_RAW": ("topics", "raw"),
    "TOPIC_DEADLETTER": ("topics", "deadletter"),
    "TOPIC_NORMALIZED": ("topics", "normalized"),
    "TOPIC_SCORED": ("topics", "scored"),
    "TOPIC_SIGNALS": ("topics", "signals"),
    "TOPIC_ALERTS": ("topics", "alerts"),
    "PARTITIONS": ("topics", "partitions"),
    "EXCHANGE_MAP": ("ingest", "exchange_map"),
    "DEDUPE_RETENTION_S": ("ingest", "dedupe_retention_s"),
    "STATE_STORE": ("state", "store"),
    "SECURITY_PROTOCOL": (None, "security_protocol"),
    "SASL_MECHANISM": (None, "sasl_mechanism"),
    "SASL_USERNAME": (None, "sasl_username"),
    "SASL_PASSWORD": (None, "sasl_password"),
    "SSL_CAFILE": (None, "ssl_cafile"),
}


def bootstrap_servers(broker_url: str) -> str:
    """`kafka://a:9092;kafka://b:9092` (Faust's form) -> `a:9092,b:9092` (Kafka clients' form)."""
    hosts = []
    for part in broker_url.replace(",", ";").split(";"):
        part = part.strip()
        if part:
            hosts.append(part.split("://", 1)[-1])
    return ",".join(hosts)


def _coerce(obj: Any, name: str, raw: str) -> Any:
    """Convert an environment string to the type of `obj.name`'s default."""
    current = getattr(obj, name)
    annotation = next(f.type for f in fields(obj) if f.name == name)
    if isinstance(current, tuple):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if isinstance(current, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(current, int):
        return int(raw)
    if isinstance(current, float):
        return float(raw)
    if "Path" in str(annotation):
        return Path(raw)
    return raw


def with_overrides(settings: Settings, overrides: Mapping[tuple[str | None, str], Any]) -> Settings:
    """Return `settings` with `(section, field) -> value` overrides applied (None values skipped)."""
    top: dict[str, Any] = {}
    sections: dict[str, dict[str, Any]] = {}
    for (section, name), value in overrides.items():
        if value is None:
            continue
        if section is None:
            top[name] = value
        else:
            sections.setdefault(section, {})[name] = value
    for section, values in sections.items():
        top[section] = replace(getattr(settings, section), **values)
    return replace(settings, **top)


def from_env(environ: Mapping[str, str] | None = None, base: Settings | None = None) -> Settings:
    """Build settings from `TICKERTONE_*` variables on top of `base` (defaults)."""
    environ = os.environ if environ is None else environ
    settings = base or Settings()
    overrides: dict[tuple[str | None, str], Any] = {}
    for suffix, (section, name) in _ENV.items():
        raw = environ.get(ENV_PREFIX + suffix)
        if raw is None or raw == "":
            continue
        owner = settings if section is None else getattr(settings, section)
        overrides[(section, name)] = _coerce(owner, name, raw)
    return with_overrides(settings, overrides)
