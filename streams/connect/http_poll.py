"""A JSON API polled over HTTP, read through a mapping file that names its fields.

The mapping file (TOML):

    items = "data.articles"   # dotted path to the list of stories; "" when the body is the list
    id = "id"                 # the story's own id (else the url, else headline + time)
    time = "published_at"     # RFC 3339 with an offset, or epoch seconds (ms when > 1e11)
    headline = "title"        # required
    body = "summary"          # optional
    tickers = "symbols"       # optional: a list, or one string of symbols split on , ; or spaces
    url = "link"              # optional
    source = "my-api"         # optional: the NewsItem source (default: the API's host)

Every value but `source` is a dotted path into one story (`a.b.0.c`: keys and list indexes).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from streams.connect.items import FeedStory

__all__ = ["ApiParseError", "FieldMap", "MappingError", "parse_api"]

_FIELDS = ("items", "id", "time", "headline", "body", "tickers", "url", "source")


class MappingError(ValueError):
    """The mapping file cannot be used: the message names the file and the field."""


@dataclass(frozen=True)
class FieldMap:
    """Where a JSON API keeps each NewsItem field (module docstring)."""

    headline: str
    items: str = ""
    id: str | None = None
    time: str | None = None
    body: str | None = None
    tickers: str | None = None
    url: str | None = None
    source: str | None = None

    @classmethod
    def load(cls, path: Path) -> FieldMap:
        """Read and check a mapping file."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise MappingError(f"{path}: {error}") from None
        unknown = sorted(set(data) - set(_FIELDS))
        if unknown:
            raise MappingError(f"{path}: unknown field(s) {', '.join(unknown)}; known: {', '.join(_FIELDS)}")
        if not isinstance(data.get("headline"), str) or not data["headline"]:
            raise MappingError(f"{path}: `headline` (the path of the story's headline) is required")
        if any(not isinstance(v, str) for v in data.values()):
            raise MappingError(f"{path}: every value is a string (a dotted path)")
        return cls(**data)


class ApiParseError(ValueError):
    """The body is not JSON, or the items path does not lead to a list."""


def parse_api(body: bytes, mapping: FieldMap) -> list[FeedStory]:
    """The stories of one API response; a story without a headline is skipped."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise ApiParseError(f"not JSON: {error}") from None
    items = _get(data, mapping.items) if mapping.items else data
    if not isinstance(items, list):
        raise ApiParseError(f"{mapping.items or 'the body'} is not a list")
    stories = []
    for item in items:
        headline = _str(_get(item, mapping.headline))
        if not headline:
            continue
        when = _time(_get(item, mapping.time)) if mapping.time else None
        url = _str(_get(item, mapping.url)) if mapping.url else ""
        own = _str(_get(item, mapping.id)) if mapping.id else ""
        key = own or url or f"{headline}\x1f{when.isoformat() if when else ''}"
        body_text = _str(_get(item, mapping.body)) if mapping.body else ""
        tickers = _tickers(_get(item, mapping.tickers)) if mapping.tickers else ()
        stories.append(FeedStory(key, headline, when, body_text or None, url or None, tickers))
    return stories


def _get(value: Any, path: str) -> Any:
    for part in path.split(".") if path else ():
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _str(value: Any) -> str:
    return " ".join(str(value).split()) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def _tickers(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(t for t in re.split(r"[,;\s]+", value) if t)
    if isinstance(value, list):
        return tuple(str(t).strip() for t in value if isinstance(t, (str, int)) and str(t).strip())
    return ()


def _time(value: Any) -> datetime | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else value
        return datetime.fromtimestamp(seconds, tz=UTC)
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None  # naive: the zone is unknown; use the time received
