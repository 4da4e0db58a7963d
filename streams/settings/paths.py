"""Per-user directories: where state and caches go when no setting names a place.

The XDG base-directory variables decide (`XDG_STATE_HOME`, default `~/.local/state`;
`XDG_CACHE_HOME`, default `~/.cache`), so every default is absolute and a command works from
any directory. This module and `streams.settings` are the only readers of the environment.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir", "kafka_cache_dir", "state_dir"]

_APP = "tickertone"


def state_dir() -> Path:
    """`$XDG_STATE_HOME/tickertone` (default `~/.local/state/tickertone`)."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base).expanduser().resolve() / _APP


def cache_dir() -> Path:
    """`$XDG_CACHE_HOME/tickertone` (default `~/.cache/tickertone`)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser().resolve() / _APP


def kafka_cache_dir(version: str) -> Path:
    """Where the embedded broker's jars for Kafka `version` are kept: `$TICKERTONE_KAFKA_CACHE`
    when set (one directory, used as is), else `cache_dir()/kafka-VERSION`."""
    explicit = os.environ.get("TICKERTONE_KAFKA_CACHE")
    return Path(explicit).expanduser().resolve() if explicit else cache_dir() / f"kafka-{version}"
