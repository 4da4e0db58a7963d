"""Live state queries (streams/serve/http.py) and the compacted signals.latest topic, with two
workers of one group on the real broker: every ticker answered from either worker (forwarded to
its owner, or redirected), the ranking over both workers' tickers, the alerts since a time.

ScoredNews go straight into the scored topic (workers with only the state stage): no model.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from schemas import Alert, TickerSignal, decode, dumps
from streams.cli.tail import iter_messages
from streams.serve.http import SERVED_BY
from streams.settings import StateSettings
from support.http_schemas import http_validator
from support.kafka import produce
from support.stories import scored_stories
from support.worker import WorkerProcess, wait_until

_SCHEMA_OF = {"/health": "health", "/alerts": "alert_list", "/tickers": "ticker_ranking"}


def _get(url: str) -> tuple[int, dict[str, str], Any]:
    """GET `url`; every answer's body is checked against its schema in schemas/http/."""
    try:
        with urllib.request.urlopen(url, timeout=30) as reply:
            status, headers, body = reply.status, dict(reply.headers), json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as error:
        status, headers, body = error.code, dict(error.headers), json.loads(error.read() or b"null")
    path = urllib.parse.urlsplit(url).path
    name = "error" if status >= 400 else _SCHEMA_OF.get(path, "ticker_state")
    errors = [e.message for e in http_validator(name).iter_errors(body)]
    assert errors == [], (url, errors)
    return status, headers, body


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


def _health(worker: WorkerProcess) -> dict[str, Any] | None:
    try:
        status, _, body = _get(f"{worker.url}/health")
    except OSError:
        return None
    return body if status == 200 else None


def _settled(a: WorkerProcess, b: WorkerProcess) -> bool:
    """Both workers serve, each owns some of the 4 partitions, and both know the same two workers."""
    ha, hb = _health(a), _health(b)
    if ha is None or hb is None:
        return False
    return (
        sorted(ha["partitions"] + hb["partitions"]) == [0, 1, 2, 3]
        and bool(ha["partitions"])
        and bool(hb["partitions"])
        and ha["workers"] == hb["workers"] == sorted([a.url, b.url])
    )


def test_two_workers_answer_for_every_ticker(kafka_bootstrap: str, unique_prefix: str, tmp_path: Path) -> None:
    stories = scored_stories(600, seed=11)
    began = datetime.now(UTC) - timedelta(seconds=1)
    a = WorkerProcess(kafka_bootstrap, unique_prefix, tmp_path / "a", stages="state")
    b = WorkerProcess(kafka_bootstrap, unique_prefix, tmp_path / "b", stages="state")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    try:
        a.start().wait_ready()
        b.start().wait_ready()
        assert wait_until(lambda: _settled(a, b), 240), (a.log_tail(), b.log_tail())  # a rebalance on a busy machine
        produce(kafka_bootstrap, a.topic("scored"), [(s.ticker.encode(), dumps(s)) for s in stories])
        out = list(iter_messages(kafka_bootstrap, a.topic("signals"), True, len(stories), timeout=60))
        assert len(out) == len(stories)
        signals = [decode(TickerSignal, value) for value in out]
        last: dict[str, TickerSignal] = {}
        for signal in signals:  # per ticker, Kafka keeps the order: the last one is the current state
            last[signal.ticker] = signal

        # GET /tickers/{T} from worker a: its own tickers and b's (forwarded), equal to the last signal
        # with exposure and buzz decayed from the state's time to now.
        served_by: dict[str, str] = {}
        half_life = StateSettings().fast_half_life_s
        for ticker, signal in sorted(last.items()):
            status, headers, body = _get(f"{a.url}/tickers/{ticker.lower()}")
            assert status == 200, body
            served_by[ticker] = headers[SERVED_BY]
            assert body["ticker"] == ticker and body["n_events"] == signal.n_events
            assert abs(body["score_fast"] - signal.score_fast) < 1e-9
            assert abs(body["score_slow"] - signal.score_slow) < 1e-9
            state_time = datetime.fromisoformat(body["state_time"])
            as_of = datetime.fromisoformat(body["as_of"])
            assert state_time == max(s.as_of for s in signals if s.ticker == ticker)
            assert as_of >= state_time
            f = 2.0 ** (-(as_of - state_time).total_seconds() / half_life)
            assert abs(body["exposure"] - signal.exposure * f) < 1e-9 * max(1.0, abs(signal.exposure))
        assert set(served_by.values()) == {a.url, b.url}, "a's answers must come from both owners"

        forwarded = next(t for t, url in served_by.items() if url == b.url)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            opener.open(f"{a.url}/tickers/{forwarded}?redirect=true", timeout=30)
            raise AssertionError("expected a redirect")
        except urllib.error.HTTPError as error:
            assert error.code == 307 and error.headers["Location"] == f"{b.url}/tickers/{forwarded}"
        assert _get(f"{b.url}/tickers/NOSUCH")[0] == 404

        # GET /tickers?top=N&by=FIELD over both workers' tickers, from either worker.
        want = sorted(last.values(), key=lambda s: s.n_events, reverse=True)[:5]
        for worker in (a, b):
            status, _, ranking = _get(f"{worker.url}/tickers?top=5&by=n_events")
            assert status == 200 and not ranking["partial"] and ranking["workers"] == sorted([a.url, b.url])
            assert [row["n_events"] for row in ranking["tickers"]] == [s.n_events for s in want]
        status, _, everything = _get(f"{a.url}/tickers?top=1000&by=score_fast&order=asc")
        assert sorted(row["ticker"] for row in everything["tickers"]) == sorted(last)
        assert [row["score_fast"] for row in everything["tickers"]] == sorted(s.score_fast for s in last.values())
        assert _get(f"{a.url}/tickers?by=price")[0] == 400

        # GET /alerts?since=T: every alert the workers wrote in this test, from either worker.
        alerts = [decode(Alert, v) for v in iter_messages(kafka_bootstrap, a.topic("alerts"), True, None, timeout=5)]
        assert alerts, "600 stories with scores down to -1.5 raise negative alerts"
        status, _, listed = _get(f"{b.url}/alerts?since={began.isoformat().replace('+00:00', 'Z')}")
        assert status == 200 and not listed["truncated"]
        assert sorted((x["ticker"], x["news_ids"][0]) for x in listed["alerts"]) == sorted(
            (x.ticker, x.news_ids[0]) for x in alerts
        )
        later = urllib.parse.quote((datetime.now(UTC) + timedelta(hours=1)).isoformat())
        assert _get(f"{a.url}/alerts?since={later}")[2]["alerts"] == []
        assert _get(f"{a.url}/alerts?since=yesterday")[0] == 400

        # signals.latest: compacted, and its last record per ticker is that ticker's last signal.
        latest = [decode(TickerSignal, v) for v in iter_messages(kafka_bootstrap, a.topic("latest"), True, None, timeout=5)]
        newest: dict[str, TickerSignal] = {}
        for signal in latest:
            newest[signal.ticker] = signal
        assert {t: s.news_id for t, s in newest.items()} == {t: s.news_id for t, s in last.items()}
        assert len(latest) <= len(signals)
        assert a.alive() and b.alive(), (a.log_tail(), b.log_tail())
    finally:
        a.stop()
        b.stop()
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, a.topic("latest"))])
        assert "compact" in str(described), described
    finally:
        admin.close()
