"""Alerts end to end on the real broker (ingest, score and state stages, one partition):
- a story dated 30 days ahead is dead-lettered `future_time` and does not silence its ticker:
  five strongly negative current stories after it raise an alert;
- the same input replayed twice through fresh pipelines raises the same alerts (same ids,
  severities, rules and drivers).
A shuffled batch through the pure fold: tests/property/test_state_properties.py. The bundled
sample's alert budget: on its full replay in test_story.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from schemas import Alert, DeadLetter, Phase, ScoredNews, TickerSignal, decode, dumps
from streams.cli.replay import read_records
from support.kafka import LagProbe, TopicReader, produce
from support.paths import SAMPLE
from support.worker import WorkerProcess, wait_until

STAGES = "ingest,score,state"
ONE_PARTITION = {"TICKERTONE_TOPICS__PARTITIONS": "1"}
# Bad news of several kinds for one company the symbol directory does not know.
BAD = [
    "Zeta Widgets Files For Chapter 11 Bankruptcy Protection",
    "Zeta Widgets Cuts FY24 Guidance Below Estimates",
    "FDA Rejects Zeta Widgets' Drug Application",
    "SEC Charges Zeta Widgets With Accounting Fraud",
    "Zeta Widgets Downgraded To Sell At Goldman Sachs",
]


def _item(news_id: str, published_at: datetime, headline: str) -> tuple[bytes, bytes]:
    value = {
        "id": news_id,
        "published_at": published_at.isoformat(),
        "headline": headline,
        "tickers": ["ZZZT"],
        "source": "test",
        "schema_version": 1,
    }
    return news_id.encode(), orjson.dumps(value)


def _run_pipeline(
    bootstrap: str,
    prefix: str,
    data_dir: Path,
    messages: list[tuple[bytes | None, bytes]],
    scored: Sequence[tuple[bytes | None, bytes]] = (),
) -> tuple[list[TickerSignal], list[Alert], list[DeadLetter]]:
    """Send `messages` to a fresh worker's raw topic (and `scored` straight to its scored topic,
    as a foreign writer would); once every input topic is drained, what came out."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with WorkerProcess(bootstrap, prefix, data_dir, stages=STAGES, **ONE_PARTITION) as worker:
        worker.wait_ready()
        produce(bootstrap, worker.topic("raw"), messages)
        if scored:
            produce(bootstrap, worker.topic("scored"), list(scored))
        inputs = [worker.topic(key) for key in ("raw", "normalized", "scored")] + [worker.tagged_topic]
        with LagProbe(bootstrap, worker.group, inputs) as probe:
            assert wait_until(lambda: probe.lag() == 0, 300, interval=2.0), worker.log_tail()
        read = {}
        for key, kind in (("signals", TickerSignal), ("alerts", Alert), ("deadletter", DeadLetter)):
            with TopicReader(bootstrap, worker.topic(key), lambda r, kind=kind: decode(kind, r.value)) as reader:
                read[key] = reader.read()
        assert not worker.agent_crashes(), worker.agent_crashes()[:3]
    return read["signals"], read["alerts"], read["deadletter"]


def test_a_story_from_the_future_is_refused_and_current_bad_news_still_alerts(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    messages: list[tuple[bytes | None, bytes]] = [
        _item("future-1", now + timedelta(days=30), "Zeta Widgets Posts Record Quarter")
    ]
    messages += [_item(f"bad-{i}", now - timedelta(minutes=50 - 10 * i), headline) for i, headline in enumerate(BAD)]
    # The same kind of story written straight to news.scored (past the ingest check): the state
    # stage refuses it too.
    ahead = now + timedelta(days=30)
    direct = ScoredNews(
        id="future-2",
        ticker="ZZZT",
        published_at_utc=ahead,
        session=ahead.date(),
        phase=Phase.REGULAR,
        score=0.3,
        confidence=0.9,
        n_sentences=1,
        weight=1.0,
        headline="Zeta Widgets Posts Record Quarter",
        source="test",
        model="m",
        ingested_at=now,
        novelty=1.0,
    )
    signals, alerts, letters = _run_pipeline(kafka_bootstrap, unique_prefix, tmp_path, messages, [(b"ZZZT", dumps(direct))])

    refused = sorted((orjson.loads(letter.original)["id"], letter.reason) for letter in letters)
    assert refused == [("future-1", "future_time"), ("future-2", "future_time")]
    assert {signal.news_id for signal in signals} == {f"bad-{i}" for i in range(len(BAD))}
    # No state time ran ahead of the wall clock.
    assert max(signal.as_of for signal in signals) <= datetime.now(UTC)
    assert alerts, "five strongly negative current stories must raise an alert"
    assert all(alert.ticker == "ZZZT" and alert.news_ids[0].startswith("bad-") for alert in alerts)
    # The bankruptcy filing is a severe event: critical, whatever the model's confidence.
    first = next(alert for alert in alerts if alert.news_ids[0] == "bad-0")
    assert (first.severity, first.reason, first.event_type) == ("critical", "event", "bankruptcy")


@pytest.mark.timeout(600)
def test_two_replays_raise_the_same_alerts(kafka_bootstrap: str, unique_prefix: str, tmp_path: Path) -> None:
    records = list(read_records(SAMPLE / "benzinga_headlines.csv", by_time=True))
    wanted = {"AAN", "AAOI", "ABTL"}  # tickers whose news raises several alerts
    messages = [(r.key, r.value) for r in records if wanted & set(orjson.loads(r.value)["tickers"])]
    env_dirs = (tmp_path / "first", tmp_path / "second")
    runs = [_run_pipeline(kafka_bootstrap, f"{unique_prefix}{n}-", data_dir, messages) for n, data_dir in enumerate(env_dirs)]
    first, second = ([(a.alert_id, a.severity, a.reason, a.news_ids) for a in alerts] for _, alerts, _ in runs)
    assert first, "the chosen tickers' news raises alerts"
    assert first == second
