"""`validate_news`: raw bytes from news.raw -> a NewsItem, or `InvalidMessage` with a reason.

The checks run in this order, so each bad message gets the most specific reason:
size (too_large) -> JSON (not_utf8 / not_json / too_deep) -> nesting (too_deep) -> the
news_item.schema.json validator (no_tickers for an empty list, else schema) -> times
(naive_time / bad_time). Nothing else escapes: any input gives a NewsItem or InvalidMessage.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import fastjsonschema
import orjson

from schemas.errors import InvalidMessage, Reason
from schemas.news import NewsItem

__all__ = ["SCHEMA_NAMES", "MAX_DEPTH", "schema_path", "validate_news"]

SCHEMA_NAMES = ("news_item", "normalized_news", "dead_letter", "scored_news", "ticker_signal", "alert")

# Deepest nesting accepted (the story object is level 1). Unknown fields are passed on inside
# other records and orjson refuses to write past ~255 levels; real feeds stay far below this.
MAX_DEPTH = 64

_SCHEMA_DIR = Path(__file__).parent


def schema_path(name: str) -> Path:
    """Path of the JSON Schema file for `name` (one of `SCHEMA_NAMES`, e.g. "news_item")."""
    if name not in SCHEMA_NAMES:
        raise ValueError(f"unknown schema {name!r}; expected one of {', '.join(SCHEMA_NAMES)}")
    return _SCHEMA_DIR / f"{name}.schema.json"


def _accept_any(value: str) -> bool:
    return True


_NEWS_SCHEMA: dict[str, Any] = json.loads(schema_path("news_item").read_text(encoding="utf-8"))
_REQUIRED: tuple[str, ...] = tuple(_NEWS_SCHEMA["required"])
# Compiled once. The date-time format is left to `parse_time`, which runs right after and
# tells a missing offset (naive_time) from garbage (bad_time) instead of one generic failure.
_validate_schema = fastjsonschema.compile(_NEWS_SCHEMA, formats={"date-time": _accept_any})


def validate_news(data: bytes, max_bytes: int = 1_000_000) -> NewsItem:
    """Validate one raw message and return its NewsItem; raise `InvalidMessage` if it is bad."""
    if len(data) > max_bytes:
        raise InvalidMessage(Reason.TOO_LARGE, f"{len(data)} bytes, more than the {max_bytes} allowed")
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise _json_error(data, error) from None
    if _deeper_than(data, obj, MAX_DEPTH):
        raise InvalidMessage(Reason.TOO_DEEP, f"nested more than {MAX_DEPTH} levels deep")
    try:
        _validate_schema(obj)
    except fastjsonschema.JsonSchemaValueException as error:
        raise _schema_error(obj, error) from None
    return NewsItem.from_dict(obj)


def _json_error(data: bytes, error: orjson.JSONDecodeError) -> InvalidMessage:
    try:
        str(data, "utf-8")
    except UnicodeDecodeError as bad:
        return InvalidMessage(Reason.NOT_UTF8, f"not UTF-8: {bad.reason} at byte offset {bad.start}")
    # orjson stops at 1024 levels with this message; deeper than MAX_DEPTH either way.
    if "depth limit" in str(error):
        return InvalidMessage(Reason.TOO_DEEP, f"nested more than {MAX_DEPTH} levels deep")
    return InvalidMessage(Reason.NOT_JSON, f"not JSON: {error}")


def _deeper_than(data: bytes, obj: Any, limit: int) -> bool:
    """True when `obj` nests more than `limit` containers deep."""
    # A document cannot nest deeper than it has brackets: most stories end the walk here.
    if data.count(b"{") + data.count(b"[") <= limit:
        return False
    stack = [(obj, 1)]
    while stack:  # iterative: a recursive walk could itself hit the recursion limit
        value, level = stack.pop()
        children: Iterable[Any]
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if level > limit:
            return True
        stack.extend((child, level + 1) for child in children)
    return False


def _schema_error(obj: Any, error: fastjsonschema.JsonSchemaValueException) -> InvalidMessage:
    if error.name == "data":  # the root: only its type or its required fields can fail
        if error.rule == "required":
            missing = ", ".join(name for name in _REQUIRED if name not in obj)
            return InvalidMessage(Reason.SCHEMA, f"missing required field(s): {missing}")
        return InvalidMessage(Reason.SCHEMA, f"must be a JSON object, not {type(obj).__name__}")
    if error.name == "data.tickers" and error.rule == "minItems":
        return InvalidMessage(Reason.NO_TICKERS, "tickers is empty; a story needs at least one ticker")
    # fastjsonschema says "data.headline must be string": name the field, show what came.
    text = error.message.removeprefix("data.")
    shown = repr(error.value)
    return InvalidMessage(Reason.SCHEMA, f"{text} (got {shown[:80]}{'...' if len(shown) > 80 else ''})")
