"""Where settings come from besides `TICKERTONE_<SECTION>__<FIELD>`: a TOML file and the
variable names of earlier releases.

`config_file` is a context variable so that `load_settings(config=...)` can hand the
file to `Settings` without a global: pydantic-settings builds its sources per instantiation.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import PydanticBaseSettingsSource

from schemas.errors import TickertoneError

__all__ = ["CONFIG_ENV", "LEGACY_NAMES", "SettingsError", "LegacyEnvSource", "TomlFileSource", "config_file"]

log = logging.getLogger(__name__)

CONFIG_ENV = "TICKERTONE_CONFIG"
config_file: ContextVar[Path | None] = ContextVar("config_file", default=None)

# Variable names of earlier releases -> (section, field); None = a top-level field. They still
# work, with one deprecation line each, and lose to the new name when both are set.
LEGACY_NAMES: Mapping[str, tuple[str | None, str]] = {
    "TICKERTONE_MODEL": ("scoring", "model"),
    "TICKERTONE_PROVIDER": ("scoring", "provider"),
    "TICKERTONE_METRICS_PORT": ("metrics", "port"),
    "TICKERTONE_METRICS_ADDR": ("metrics", "addr"),
    "TICKERTONE_TOPIC_RAW": ("topics", "raw"),
    "TICKERTONE_TOPIC_DEADLETTER": ("topics", "deadletter"),
    "TICKERTONE_TOPIC_NORMALIZED": ("topics", "normalized"),
    "TICKERTONE_TOPIC_SCORED": ("topics", "scored"),
    "TICKERTONE_TOPIC_SIGNALS": ("topics", "signals"),
    "TICKERTONE_TOPIC_ALERTS": ("topics", "alerts"),
    "TICKERTONE_PARTITIONS": ("topics", "partitions"),
    "TICKERTONE_EXCHANGE_MAP": ("ingest", "exchange_map"),
    "TICKERTONE_DEDUPE_RETENTION_S": ("ingest", "dedupe_retention_s"),
    "TICKERTONE_STATE_STORE": ("state", "store"),
    "TICKERTONE_SECURITY_PROTOCOL": ("security", "protocol"),
    "TICKERTONE_SASL_MECHANISM": ("security", "sasl_mechanism"),
    "TICKERTONE_SASL_USERNAME": ("security", "sasl_username"),
    "TICKERTONE_SASL_PASSWORD": ("security", "sasl_password"),
    "TICKERTONE_SSL_CAFILE": ("security", "ssl_cafile"),
}


class SettingsError(TickertoneError):
    """A setting has a value it cannot take, or names no setting.

    Operators: the message names the variable (or the file key) and what it expects; fix it
    and start again. `tickertone config show` prints what is in effect.
    """


def env_name(section: str | None, name: str) -> str:
    """`TICKERTONE_<SECTION>__<FIELD>` (`TICKERTONE_<FIELD>` for a top-level field)."""
    return f"TICKERTONE_{section.upper()}__{name.upper()}" if section else f"TICKERTONE_{name.upper()}"


class LegacyEnvSource(PydanticBaseSettingsSource):
    """The deprecated variable names, mapped onto their fields; logs one line per name used."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # everything is produced by __call__

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for old, (section, name) in LEGACY_NAMES.items():
            raw = os.environ.get(old)
            if not raw:  # unset or empty: nothing to say, as for the new names
                continue
            new = env_name(section, name)
            if os.environ.get(new):
                log.warning("%s is deprecated and ignored: %s is set", old, new)
                continue
            log.warning("%s is deprecated: set %s instead", old, new)
            target = values if section is None else values.setdefault(section, {})
            target[name] = raw
        return values


class TomlFileSource(PydanticBaseSettingsSource):
    """The TOML file named by `load_settings(config=...)` or `$TICKERTONE_CONFIG`: top-level
    keys for top-level fields, one `[section]` table per section."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = config_file.get() or (Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else None)
        if path is None:
            return {}
        try:
            with open(path, "rb") as handle:
                data = tomllib.load(handle)
        except OSError as error:
            raise SettingsError(f"cannot read the settings file {path}: {error.strerror}") from None
        except tomllib.TOMLDecodeError as error:
            raise SettingsError(f"the settings file {path} is not valid TOML: {error}") from None
        return data
