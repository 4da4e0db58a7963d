"""What every record shares: the schema version, the enums, and the time format.

The record types themselves are in `schemas.news` (input side) and `schemas.outputs`; each
mirrors its `<name>.schema.json`.

Every record's `to_dict()` writes times as RFC 3339 strings (UTC as `Z`) and dates as
`YYYY-MM-DD`; `from_dict(d)` reads them back with `parse_time`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum

from schemas.errors import InvalidMessage, Reason

__all__ = [
    "SCHEMA_VERSION",
    "Direction",
    "Phase",
    "Severity",
    "format_time",
    "optional_float",
    "optional_time",
    "parse_time",
]

SCHEMA_VERSION = 1


class Phase(StrEnum):
    """Where a time falls in the exchange's day (see `streams.stages.exchange_time.stamp`)."""

    PRE_MARKET = "pre_market"
    REGULAR = "regular"
    AFTER_HOURS = "after_hours"
    CLOSED = "closed"


class Severity(StrEnum):
    """Alert severity."""

    WARNING = "warning"
    CRITICAL = "critical"


class Direction(StrEnum):
    """Which way the news went: negative alerts always, positive ones only when enabled."""

    NEGATIVE = "negative"
    POSITIVE = "positive"


# RFC 3339 date-time; the offset group is optional here only so that a missing offset can be
# told apart (naive_time) from a string that is no date-time at all (bad_time). [0-9], not \d:
# \d also matches other scripts' digits.
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})?"
)


def parse_time(value: str, name: str) -> datetime:
    """An aware datetime from an RFC 3339 string; `name` says which field, for the error."""
    match = _RFC3339.fullmatch(value)
    if match is None:
        raise InvalidMessage(Reason.BAD_TIME, f"{name}: {value!r} is not an RFC 3339 date-time")
    if match.group(1) is None:
        raise InvalidMessage(Reason.NAIVE_TIME, f"{name}: {value!r} has no UTC offset (add Z or +HH:MM)")
    try:
        # fromisoformat takes "Z" but not "z"; upper() only touches the separator and the zone.
        parsed = datetime.fromisoformat(value.upper())
        # Year-1 or year-9999 times with an offset cannot be moved to UTC: reject them here.
        parsed.astimezone(UTC)
    except (ValueError, OverflowError) as error:
        raise InvalidMessage(Reason.BAD_TIME, f"{name}: {value!r}: {error}") from None
    return parsed


def format_time(value: datetime) -> str:
    """RFC 3339 for an aware datetime, UTC written as `Z`."""
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def optional_time(value: str | None, name: str) -> datetime | None:
    return None if value is None else parse_time(value, name)


def optional_float(value: float | None) -> float | None:
    return None if value is None else float(value)
