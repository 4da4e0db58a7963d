"""The settings model: one frozen `Settings` made of sections (DESIGN.md "Settings").

Every field is settable as `TICKERTONE_<SECTION>__<FIELD>` (top-level fields as
`TICKERTONE_<FIELD>`) and from a TOML file (`[section]` tables), and is validated when the
settings are built: `streams.settings.load_settings` is the one place that builds them. The
field descriptions are the documentation (`tickertone config docs` renders them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from streams.settings.paths import state_dir
from streams.settings.sources import LegacyEnvSource, TomlFileSource

__all__ = [
    "STAGES",
    "AlertSettings",
    "ConnectSettings",
    "HttpSettings",
    "IngestSettings",
    "MetricsSettings",
    "ScoringSettings",
    "SecuritySettings",
    "Section",
    "Settings",
    "StateSettings",
    "StorySettings",
    "TopicSettings",
]

Stage = Literal["ingest", "score", "state"]
STAGES: tuple[Stage, ...] = ("ingest", "score", "state")

Positive = Annotated[float, Field(gt=0)]


class Section(BaseModel):
    """A settings section: immutable, unknown keys refused (a typo fails instead of being ignored)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class TopicSettings(Section):
    """Topic names and the partition count (DESIGN.md "Topics")."""

    raw: str = Field("news.raw", min_length=1, description="raw NewsItem input")
    deadletter: str = Field("news.deadletter", min_length=1, description="dead letters")
    normalized: str = Field("news.normalized", min_length=1, description="validated, stamped, de-duplicated stories")
    scored: str = Field("news.scored", min_length=1, description="ScoredNews, one per story x ticker")
    signals: str = Field("signals.ticker", min_length=1, description="TickerSignal output")
    alerts: str = Field("alerts.negative", min_length=1, description="Alert output")
    latest: str = Field(
        "signals.latest", min_length=1, description="compacted: the newest TickerSignal per ticker (one record per key)"
    )
    partitions: int = Field(
        4, ge=1, description="partitions of every topic the worker creates; the worker refuses topics it reads with another count"
    )
    replication_factor: int = Field(
        1, ge=1, description="replicas of every topic and changelog the worker creates (1: the embedded broker; production 3)"
    )
    min_insync_replicas: int = Field(
        1, ge=1, description="`min.insync.replicas` of the topics and changelogs it creates (production 2; <= replication)"
    )
    raw_retention_s: Positive = Field(7 * 24 * 3600.0, description="`retention.ms` of the raw input topic when created (s)")

    @model_validator(mode="after")
    def _insync_within_replicas(self) -> TopicSettings:
        if self.min_insync_replicas > self.replication_factor:
            raise ValueError(
                f"min_insync_replicas ({self.min_insync_replicas}) exceeds replication_factor ({self.replication_factor})"
            )
        return self


class IngestSettings(Section):
    """Validation, de-duplication and exchange-time stamping."""

    max_message_bytes: int = Field(1_000_000, ge=1, description="largest raw message accepted (bytes)")
    dedupe_retention_s: Positive = Field(7 * 24 * 3600.0, description="how long a story id is remembered (s)")
    future_tolerance_s: float = Field(
        300.0, ge=0, description="a story published more than this after it is read is dead-lettered `future_time` (s)"
    )
    exchange_map: Path | None = Field(None, description="CSV `ticker,mic`; unset = the bundled map")
    default_mic: str = Field("XNYS", min_length=1, description="exchange of tickers not in the map")
    batch_max: int = Field(500, ge=1, description="ingest and dedupe agents' batch size (records)")
    batch_wait_s: float = Field(0.01, ge=0, description="ingest and dedupe agents' batch wait (s)")


class ScoringSettings(Section):
    """Model and micro-batching of the score agent (DESIGN.md "Scoring")."""

    model: Path | None = Field(None, description="exported model directory; unset = the bundled model")
    provider: str | None = Field(None, description="`cpu`, `cuda` or an onnxruntime provider; unset = CUDA if available")
    max_sentences: int = Field(16, ge=1, description="sentences scored per story")
    negative_penalty: float = Field(3.0, ge=0, description="multiplier of negative sentence scores")
    batch_max: int = Field(64, ge=1, description="score agent batch size (stories)")
    batch_wait_s: float = Field(0.01, ge=0, description="score agent batch wait (s)")


class StorySettings(Section):
    """Story intelligence: event types, relevance, novelty and the event-aware score and weight
    (DESIGN.md "Story intelligence")."""

    symbols_csv: Path | None = Field(None, description="CSV `ticker,name,aliases` of company names; its rows win")
    builtin_directory: bool = Field(True, description="use the bundled directory (pytickersymbols: S&P 500/600, NASDAQ-100)")
    list_relevance: float = Field(0.1, ge=0, le=1, description="relevance of a market, sector or list piece")
    named_relevance: float = Field(1.0, ge=0, le=1, description="relevance when the headline opens with the company")
    mentioned_relevance: float = Field(0.85, ge=0, le=1, description="relevance when the headline names the company later")
    lead_words: int = Field(4, ge=1, description="words at the start of a headline that count as opening it")
    unnamed_relevance: float = Field(0.25, ge=0, le=1, description="relevance when a known company is not named at all")
    body_relevance: float = Field(0.6, ge=0, le=1, description="relevance when only the body names the company")
    unknown_relevance: float = Field(0.75, ge=0, le=1, description="relevance for a company the directory does not know")
    multi_ticker_decay: float = Field(0.25, ge=0, description="unnamed relevance / (1 + decay x (tickers - 1))")
    novelty_window_s: Positive = Field(86400.0, description="how far apart in event time two stories can share a chain (s)")
    novelty_threshold: float = Field(0.5, ge=0, le=1, description="word Jaccard that chains two stories without a common event")
    novelty_event_threshold: float = Field(0.1, ge=0, le=1, description="Jaccard that chains two stories of the same event")
    novelty_decay: float = Field(0.4, gt=0, le=1, description="novelty = decay ** (stories of the chain already seen)")
    novelty_max_stories: int = Field(32, ge=1, description="stories per ticker kept to chain against (the memory bound)")
    novelty_num_perm: int = Field(64, ge=8, le=256, description="MinHash permutations per story")
    event_min_strength: float = Field(0.5, ge=0, le=1, description="event strength with no magnitude scaling")
    event_unknown_magnitude: float = Field(0.5, ge=0, le=1, description="scaled magnitude used when the text gives none")
    event_confidence_floor: float = Field(
        0.5, ge=0, le=1, description="share of the event score that does not depend on the model's confidence"
    )
    earnings_scale_pct: Positive = Field(10.0, description="earnings surprise (%) that counts as full strength")
    guidance_scale_pct: Positive = Field(5.0, description="guidance change (%) that counts as full strength")
    price_target_scale_pct: Positive = Field(20.0, description="price target change (%) that counts as full strength")
    rating_scale_steps: Positive = Field(2.0, description="rating steps that count as full strength")
    source_weights: Path | None = Field(
        None, description="JSON file of per-source weights (`tickertone evaluate` writes one); none: every source 1.0"
    )
    relevance_power: float = Field(1.0, ge=0, description="weight factor relevance ** power (0 turns relevance weighting off)")
    novelty_power: float = Field(1.0, ge=0, description="weight factor novelty ** power (0 turns novelty weighting off)")
    batch_max: int = Field(1000, ge=1, description="novelty agent batch size (records)")
    batch_wait_s: float = Field(0.005, ge=0, description="novelty agent batch wait (s)")


class StateSettings(Section):
    """Per-ticker decayed state (DESIGN.md "Per-ticker state")."""

    fast_half_life_s: Positive = Field(3600.0, description="fast half-life (s)")
    slow_half_life_s: Positive = Field(72 * 3600.0, description="slow half-life (s)")
    linear_window_sessions: int = Field(90, ge=1, description="sessions in the linear-decay window")
    recent_ids: int = Field(512, ge=8, description="story ids remembered per ticker to drop redeliveries (count bound)")
    recent_ids_s: Positive = Field(
        7 * 24 * 3600.0, description="story ids older than this behind the ticker's newest story are forgotten (s)"
    )
    zscore_sessions: int = Field(
        20, ge=2, description="sessions before the newest whose mean scores are the z-score baseline (< linear_window_sessions)"
    )
    zscore_min_sessions: int = Field(5, ge=0, description="baseline sessions with news before the z-score is given (at least 2)")
    zscore_min_std: Positive = Field(0.35, description="floor on the baseline's standard deviation (score units)")
    driver_stories: int = Field(5, ge=0, description="recent stories per direction kept to explain alerts")
    batch_max: int = Field(1000, ge=1, description="state agent batch size (records)")
    batch_wait_s: float = Field(0.01, ge=0, description="state agent batch wait (s)")
    store: str = Field("memory://", description="table store: `memory://` or `rocksdb://`")


class AlertSettings(Section):
    """Asymmetric-negative alerts (DESIGN.md "Alert")."""

    story_threshold: float = Field(-1.3, description="a story at or below this score alerts (score units)")
    min_confidence: float = Field(0.95, ge=0, le=1, description="confidence a story_score alert needs")
    min_relevance: float = Field(0.6, ge=0, le=1, description="relevance to the ticker any alert needs")
    min_novelty: float = Field(0.5, ge=0, le=1, description="novelty any alert needs (0.5: the first story of a chain only)")
    critical_threshold: float | None = Field(
        None, description="story score at or below which an alert is critical whatever its event; unset = by event and z only"
    )
    critical_confidence: float = Field(0.9, ge=0, le=1, description="confidence `critical_threshold` needs")
    zscore_k: Positive = Field(3.0, description="a fast-score z at or below -k alerts (on a negative story)")
    zscore_critical_k: Positive = Field(6.0, description="z at or below -k is critical")
    cooldown_s: float = Field(
        3600.0, ge=0, description="per ticker and direction, either side in event time; a warning can escalate (s)"
    )
    driver_window_s: Positive = Field(7200.0, description="stories this far before the alerting one are listed with it (s)")
    cooldown_marks: int = Field(16, ge=1, description="alerts per ticker and direction remembered for the cooldown")
    positive: bool = Field(False, description="also raise positive alerts")
    positive_story_threshold: float = Field(0.4, description="a story at or above this score raises a positive alert")
    positive_critical_threshold: float = Field(0.48, description="positive story score that is critical")


class MetricsSettings(Section):
    """Prometheus exposition."""

    port: int = Field(9464, ge=0, le=65535, description="port of `/metrics` (0 = any free port)")
    addr: str = Field("127.0.0.1", description="bind address of `/metrics`; loopback unless told otherwise")
    health_max_lag_s: Positive = Field(
        30.0, description="`tickertone health` fails when the worker's event loop is this late (s)"
    )


class HttpSettings(Section):
    """The worker's live state queries over HTTP (DESIGN.md "HTTP API")."""

    enabled: bool = Field(True, description="serve `/tickers`, `/alerts` and `/health`")
    addr: str = Field("127.0.0.1", description="bind address of the query server; loopback unless told otherwise")
    port: int = Field(6066, ge=0, le=65535, description="port of the query server (0 = a free port, logged at start)")
    advertised_host: str | None = Field(None, description="host the other workers reach this one at (forwarding); unset = `addr`")


class ConnectSettings(Section):
    """Feed connectors (`tickertone connect`)."""

    interval_s: Positive = Field(60.0, description="time between two polls of a feed (s)")
    timeout_s: Positive = Field(30.0, description="HTTP request timeout (s)")
    max_backoff_s: Positive = Field(900.0, description="longest wait after repeated errors (s); the wait doubles per error")
    data_dir: Path = Field(
        default_factory=lambda: state_dir() / "connect",
        description="what each feed sent and its validators, kept across restarts",
    )
    user_agent: str = Field("tickertone-connect", min_length=1, description="User-Agent of the feed requests")

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().absolute()


class SecuritySettings(Section):
    """Kafka security for the worker and every client (replay, tail, topic admin)."""

    protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", description="`PLAINTEXT`, `SSL`, `SASL_PLAINTEXT` or `SASL_SSL`"
    )
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        "PLAIN", description="SASL mechanism (with a SASL protocol)"
    )
    sasl_username: str | None = Field(None, description="SASL user")
    sasl_password: SecretStr | None = Field(None, description="SASL password (never printed)")
    ssl_cafile: Path | None = Field(None, description="PEM of the CA that signed the brokers' certificates; unset = system CAs")
    ssl_certfile: Path | None = Field(None, description="PEM client certificate (chain), for brokers that require one (mTLS)")
    ssl_keyfile: Path | None = Field(None, description="PEM private key of `ssl_certfile`; unset = in the certificate file")
    ssl_key_password: SecretStr | None = Field(None, description="password of an encrypted `ssl_keyfile` (never printed)")

    @field_validator("protocol", "sasl_mechanism", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _complete(self) -> SecuritySettings:
        if self.ssl_keyfile is not None and self.ssl_certfile is None:
            raise ValueError("ssl_keyfile is set without ssl_certfile")
        return self


class Settings(BaseSettings):
    """Everything a worker and the commands need. Immutable: derive variants with
    `settings.model_copy(update=...)`. Build it with `streams.settings.load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="TICKERTONE_",
        env_nested_delimiter="__",
        env_ignore_empty=True,
        frozen=True,
        extra="forbid",
        validate_default=True,
    )

    broker: str = Field("kafka://127.0.0.1:9092", min_length=1, description="bootstrap servers, `kafka://a:9092;kafka://b:9092`")
    app_id: str = Field("tickertone", min_length=1, description="Faust app id, also the consumer group")
    data_dir: Path = Field(default_factory=lambda: state_dir() / "worker", description="worker state (tables); created at start")
    stages: Annotated[tuple[Stage, ...], NoDecode] = Field(
        STAGES, min_length=1, description="agents this worker runs, comma-separated"
    )
    allow_untested_faust: bool = Field(
        False, description="start on a Faust/mode/aiokafka version the compat room was not tested with"
    )
    topics: TopicSettings = TopicSettings()
    ingest: IngestSettings = IngestSettings()
    scoring: ScoringSettings = ScoringSettings()
    story: StorySettings = StorySettings()
    state: StateSettings = StateSettings()
    alerts: AlertSettings = AlertSettings()
    metrics: MetricsSettings = MetricsSettings()
    http: HttpSettings = HttpSettings()
    connect: ConnectSettings = ConnectSettings()
    security: SecuritySettings = SecuritySettings()

    @field_validator("stages", mode="before")
    @classmethod
    def _split_stages(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().absolute()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Highest first: explicit values (command-line flags), `TICKERTONE_*` variables, the
        deprecated variable names, the TOML file, then the defaults."""
        return init_settings, env_settings, LegacyEnvSource(settings_cls), TomlFileSource(settings_cls)
