"""Bytes <-> records with orjson (the form every topic carries)."""

from __future__ import annotations

from typing import Any, Protocol, Self, TypeVar

import orjson

from schemas.errors import InvalidMessage, Reason

__all__ = ["JsonRecord", "decode", "dumps"]


class JsonRecord(Protocol):
    """What the codec needs of a record: the types in `schemas.records` all fit."""

    def to_dict(self) -> dict[str, Any]: ...

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self: ...


R = TypeVar("R", bound=JsonRecord)


def dumps(record: JsonRecord) -> bytes:
    """The record's JSON bytes."""
    return orjson.dumps(record.to_dict())


def decode(cls: type[R], data: bytes) -> R:
    """A `cls` from JSON bytes written by `dumps`.

    For the records tickertone writes itself; raw input goes through `validate_news`, which
    checks the schema. Raises `InvalidMessage` (not_json, schema, or a time reason) on bytes
    that are not such a record.
    """
    try:
        d = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise InvalidMessage(Reason.NOT_JSON, f"not a {cls.__name__}: {error}") from None
    try:
        return cls.from_dict(d)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise InvalidMessage(Reason.SCHEMA, f"not a {cls.__name__}: {type(error).__name__}: {error}") from None
