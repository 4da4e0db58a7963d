"""The error hierarchy shared by every stage.

`TickertoneError` is the root. `InvalidMessage` is what the ingest stage turns into a
dead letter: its `reason` is the machine-readable code written to the dead letter and used
as the `reason` label of `tickertone_invalid_total`.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Reason", "TickertoneError", "InvalidMessage"]


class Reason(StrEnum):
    """Why a raw message was rejected (dead-letter code and metric label)."""

    NOT_UTF8 = "not_utf8"
    NOT_JSON = "not_json"
    TOO_LARGE = "too_large"
    TOO_DEEP = "too_deep"  # nested deeper than the records can carry on
    SCHEMA = "schema"
    NAIVE_TIME = "naive_time"
    BAD_TIME = "bad_time"
    UNPLACEABLE_TIME = "unplaceable_time"
    NO_TICKERS = "no_tickers"
    UNKNOWN_EXCHANGE = "unknown_exchange"
    FUTURE_TIME = "future_time"  # published later than it was read, beyond the tolerance
    MODEL_OUTPUT = "model_output"  # the model gave non-finite probabilities for the story
    INTERNAL = "internal_error"


class TickertoneError(Exception):
    """Root of every error tickertone raises on purpose."""


class InvalidMessage(TickertoneError):
    """A raw message that cannot be processed.

    Operators: nothing to do in the worker; the message is in the dead-letter topic with this
    reason and its original bytes. Fix the producer, then replay the dead letters if needed.
    """

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(f"{reason.value}: {message}")
        self.reason = reason
        self.message = message
