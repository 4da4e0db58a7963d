"""The one settings object (DESIGN.md "Settings"): built once by the command line with
`load_settings` and passed down; no other module reads the environment.

Sources, highest first: command-line flags, `TICKERTONE_<SECTION>__<FIELD>` variables, the
deprecated names of earlier releases (`TICKERTONE_MODEL`, ...), the TOML file given with
`--config FILE` or `TICKERTONE_CONFIG`, the defaults. A bad value raises `SettingsError` naming
the variable and what it expects.
"""

from streams.settings.load import load_settings
from streams.settings.model import (
    STAGES,
    AlertSettings,
    ConnectSettings,
    HttpSettings,
    IngestSettings,
    MetricsSettings,
    ScoringSettings,
    SecuritySettings,
    Settings,
    StateSettings,
    StorySettings,
    TopicSettings,
)
from streams.settings.sources import CONFIG_ENV, SettingsError

__all__ = [
    "CONFIG_ENV",
    "STAGES",
    "AlertSettings",
    "ConnectSettings",
    "HttpSettings",
    "IngestSettings",
    "MetricsSettings",
    "ScoringSettings",
    "SecuritySettings",
    "Settings",
    "SettingsError",
    "StateSettings",
    "StorySettings",
    "TopicSettings",
    "load_settings",
]
