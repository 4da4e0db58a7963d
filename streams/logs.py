"""The one logging setup for every `tickertone` command."""

from __future__ import annotations

import logging

__all__ = ["configure_logging"]


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr as `time level logger: message`; quiet the chattiest libraries."""
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("kafka", "aiokafka"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
