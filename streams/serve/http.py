"""Live state queries over HTTP, on the worker's own web server (DESIGN.md "HTTP API").

Faust's web server (aiohttp) serves them, once the worker is ready (after table recovery):
its partition assignor already tells every worker which worker owns which partition of the
state table (each worker's `canonical_url` travels in the group's metadata), so a query for a
ticker that another worker owns is forwarded there, and a ranking asks every owner for its
share. Faust's own pages (tables, router, graph, stats) stay off.

- `GET /tickers/{T}`: the ticker's state decayed to now (`read_at`); 404 when no worker holds
  it. On a worker that does not own it, forwarded to the owner (`?redirect=true`: a 307 to the
  owner's URL instead). `X-Tickertone-Served-By` names the worker that answered.
- `GET /tickers?top=N&by=FIELD&order=desc|asc`: the N tickers with the highest (lowest) FIELD,
  over every worker's tickers (`partial: true` when a worker did not answer).
- `GET /alerts?since=T[&limit=N]`: alerts written at or after T (read from the alerts topic).
- `GET /health`: this worker, its partitions of the state table and the workers it knows.
Bodies are JSON; their schemas are in `schemas/http/`.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import faust
import orjson
from aiokafka.partitioner import murmur2
from faust.types import TableT
from faust.web import Request, Response, View

from schemas import Alert, decode, format_time
from schemas.errors import InvalidMessage
from streams.kafka.clients import bootstrap_servers, kafka_python_config
from streams.kafka.state_agent import STATE_TABLE, stored_state
from streams.kafka.time_range import parse_when, records_between
from streams.settings import Settings
from streams.stages.state import TickerState
from streams.stages.state.ticker import read_at

__all__ = ["RANK_FIELDS", "SCHEMA_VERSION", "add_queries", "owner_partition", "state_view"]

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
RANK_FIELDS = ("score_fast", "score_slow", "exposure", "buzz", "zscore", "linear_window_score", "n_events")
MAX_TOP = 1000
MAX_ALERTS = 10_000
SERVED_BY = "X-Tickertone-Served-By"
FORWARDED = "X-Tickertone-Forwarded"


def owner_partition(key: bytes, partitions: int) -> int:
    """The partition of `key` in every ticker-keyed topic and the state changelog (murmur2, as
    the producers and `use_partitioner` place it)."""
    return int(murmur2(key) & 0x7FFFFFFF) % partitions


def state_view(ticker: str, state: TickerState, settings: Settings, now: datetime) -> dict[str, Any]:
    """The JSON body of `GET /tickers/{T}` (schemas/http/ticker_state.schema.json): the state's
    signal values carried to `now` (no story since its latest: exposure and buzz decay, the
    scores stay), through the state stage's own `read_at`."""
    latest = state.fast.T
    t = now.timestamp() if latest is None else max(now.timestamp(), latest)
    values = read_at(state, t, settings.state)
    return {
        "ticker": ticker,
        "as_of": format_time(datetime.fromtimestamp(t, tz=UTC)),
        "state_time": None if latest is None else format_time(datetime.fromtimestamp(latest, tz=UTC)),
        "score_fast": values.score_fast,
        "score_slow": values.score_slow,
        "exposure": values.exposure,
        "buzz": values.buzz,
        "zscore": values.zscore,
        "linear_window_score": values.linear_window_score,
        "n_events": values.n_events,
        "last_negative_alert_at": _time_or_none(state.negative_alerts[-1][0] if state.negative_alerts else None),
        "last_positive_alert_at": _time_or_none(state.positive_alerts[-1][0] if state.positive_alerts else None),
        "schema_version": SCHEMA_VERSION,
    }


def _time_or_none(t: float | None) -> str | None:
    return None if t is None else format_time(datetime.fromtimestamp(t, tz=UTC))


def _json(view: View, body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return view.bytes(orjson.dumps(body), content_type="application/json", status=status, headers=dict(headers or {}))


def _problem(view: View, status: int, message: str, served_by: str) -> Response:
    return _json(view, {"error": message, "status": status}, status, {SERVED_BY: served_by})


def add_queries(app: faust.App, settings: Settings) -> None:
    """Add the query pages to `app` (its web server must be enabled)."""
    me = str(app.conf.canonical_url).rstrip("/")
    partitions = settings.topics.partitions
    has_state = "state" in settings.stages

    def table() -> TableT[bytes, Any]:
        found = app.tables[STATE_TABLE]
        assert isinstance(found, TableT)
        return found

    def owners() -> dict[int, str]:
        """Partition -> URL of the worker that owns it (empty during a rebalance)."""
        changelog = table().changelog_topic.get_topic_name()
        found: dict[int, str] = {}
        for url, topics in app.router.table_metadata(STATE_TABLE).items():
            for partition in topics.get(changelog, ()):
                found[partition] = str(url).rstrip("/")
        return found

    def local_states() -> list[tuple[str, TickerState]]:
        mine = {p for p, url in owners().items() if url == me}
        states = []
        for key in list(table().keys()):  # memory store: standby partitions too; keep the owned ones
            if owner_partition(key, partitions) in mine:
                state = stored_state(table(), key)
                if state is not None:
                    states.append((key.decode("utf-8", "replace"), state))
        return states

    async def forward(view: View, request: Request, owner: str) -> Response:
        url = f"{owner}{request.url.path_qs}"
        try:
            async with app.http_client.get(url, headers={FORWARDED: me}) as reply:
                body = await reply.read()
                served = reply.headers.get(SERVED_BY, owner)
                return view.bytes(body, content_type=reply.content_type, status=reply.status, headers={SERVED_BY: served})
        except (TimeoutError, OSError) as error:
            return _problem(view, 502, f"the owner {owner} did not answer: {error}", me)

    @app.page("/health")
    async def health(view: View, request: Request) -> Response:
        known = owners() if has_state else {}
        return _json(
            view,
            {
                "status": "ok",
                "worker": me,
                "app_id": settings.app_id,
                "stages": list(settings.stages),
                "partitions": sorted(p for p, url in known.items() if url == me),
                "workers": sorted(set(known.values())),
                "schema_version": SCHEMA_VERSION,
            },
            headers={SERVED_BY: me},
        )

    @app.page("/tickers/{ticker}")
    async def ticker(view: View, request: Request, ticker: str) -> Response:
        if not has_state:
            return _problem(view, 404, "this worker runs no state stage", me)
        symbol = ticker.strip().upper()
        key = symbol.encode("utf-8")
        owner = owners().get(owner_partition(key, partitions))
        if owner is None:
            return _problem(view, 503, "partitions are being assigned; retry shortly", me)
        if owner != me:
            if request.headers.get(FORWARDED):
                return _problem(view, 503, "ownership moved while forwarding; retry", me)
            if request.query.get("redirect", "").lower() in {"1", "true", "yes"}:
                return view.bytes(b"", status=307, headers={"Location": f"{owner}/tickers/{symbol}", SERVED_BY: me})
            return await forward(view, request, owner)
        state = stored_state(table(), key)
        if state is None:
            return _problem(view, 404, f"no state for {symbol}", me)
        return _json(view, state_view(symbol, state, settings, datetime.now(UTC)), headers={SERVED_BY: me})

    @app.page("/tickers")
    async def ranking(view: View, request: Request) -> Response:
        if not has_state:
            return _problem(view, 404, "this worker runs no state stage", me)
        by = request.query.get("by", "score_fast")
        order = request.query.get("order", "desc")
        try:
            top = int(request.query.get("top", "10"))
        except ValueError:
            top = -1
        if by not in RANK_FIELDS or order not in {"asc", "desc"} or not 1 <= top <= MAX_TOP:
            return _problem(view, 400, f"use top=1..{MAX_TOP}, by one of {', '.join(RANK_FIELDS)}, order asc|desc", me)
        now = datetime.now(UTC)
        rows = [state_view(name, state, settings, now) for name, state in local_states()]
        workers = sorted(set(owners().values()) | {me})
        partial = False
        if not request.query.get("local"):
            for url in workers:
                if url == me:
                    continue
                try:
                    async with app.http_client.get(
                        f"{url}/tickers", params={"top": str(top), "by": by, "order": order, "local": "true"}
                    ) as reply:
                        reply.raise_for_status()
                        rows += orjson.loads(await reply.read())["tickers"]
                except Exception as error:  # a worker leaving: the answer says it is partial
                    log.warning("ranking: %s did not answer: %s", url, error)
                    partial = True
        # A ticker without the value (a zscore before its baseline) ranks after every one with it.
        ranked = sorted((row for row in rows if row[by] is not None), key=lambda row: _rank_key(row[by]), reverse=order == "desc")
        rows = ranked + [row for row in rows if row[by] is None]
        body = {
            "as_of": format_time(now),
            "by": by,
            "order": order,
            "top": top,
            "tickers": rows[:top],
            "workers": workers,
            "partial": partial,
            "schema_version": SCHEMA_VERSION,
        }
        return _json(view, body, headers={SERVED_BY: me})

    @app.page("/alerts")
    async def alerts(view: View, request: Request) -> Response:
        try:
            since = parse_when(request.query.get("since", "1h").replace(" ", "+"))  # an unescaped + in +00:00
            limit = int(request.query.get("limit", "1000"))
        except ValueError as error:
            return _problem(view, 400, str(error), me)
        if not 1 <= limit <= MAX_ALERTS:
            return _problem(view, 400, f"limit must be 1..{MAX_ALERTS}", me)
        loop = asyncio.get_running_loop()
        found, truncated = await loop.run_in_executor(None, _read_alerts, settings, since, limit)
        body = {"since": format_time(since), "alerts": found, "truncated": truncated, "schema_version": SCHEMA_VERSION}
        return _json(view, body, headers={SERVED_BY: me})


def _rank_key(value: Any) -> float:
    number = float(value)
    return number if math.isfinite(number) else 0.0


def _read_alerts(settings: Settings, since: datetime, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """The alerts written at or after `since`, oldest first by `emitted_at` (at most `limit`,
    the newest ones)."""
    found: list[dict[str, Any]] = []
    records = records_between(
        bootstrap_servers(settings.broker), settings.topics.alerts, since, consumer_config=kafka_python_config(settings.security)
    )
    for record in records:
        try:
            decode(Alert, record.value)
        except InvalidMessage:
            continue  # not an alert this version reads: skipped, never invented
        found.append(orjson.loads(record.value))
    found.sort(key=lambda alert: (alert["emitted_at"], alert["ticker"]))
    return found[-limit:], len(found) > limit
