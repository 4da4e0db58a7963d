"""Conditional HTTP GETs of a feed: `If-None-Match` with the last `ETag`, `If-Modified-Since`
with the last `Last-Modified`; a 304 means nothing new and costs the server nothing."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["FetchError", "Fetched", "Validators", "fetch"]

_MAX_BODY = 20 * 1024 * 1024


@dataclass(frozen=True)
class Validators:
    """What the server said about the last body it sent (kept by `SentLog`)."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Fetched:
    """A 200 (`body` set, new `validators`) or a 304 (`body` None)."""

    body: bytes | None
    validators: Validators
    content_type: str = ""


class FetchError(Exception):
    """The feed could not be fetched: a network error or an error status. `retry_after` is the
    server's Retry-After in seconds, when it gave one."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def fetch(url: str, validators: Validators, timeout: float, user_agent: str) -> Fetched:
    """GET `url` conditionally; raises FetchError on anything but 200 or 304."""
    headers = {"User-Agent": user_agent, "Accept-Encoding": "identity"}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            body = reply.read(_MAX_BODY + 1)
            if len(body) > _MAX_BODY:
                raise FetchError(f"{url}: body larger than {_MAX_BODY} bytes")
            fresh = Validators(reply.headers.get("ETag"), reply.headers.get("Last-Modified"))
            return Fetched(body, fresh, reply.headers.get_content_type())
    except urllib.error.HTTPError as error:
        if error.code == 304:
            return Fetched(None, validators)
        raise FetchError(f"{url}: HTTP {error.code} {error.reason}", _retry_after(error.headers.get("Retry-After"))) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise FetchError(f"{url}: {reason}") from None


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        return max((parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return None
