"""A real Prometheus scrapes a real worker (all stages, bundled model, real Kafka) while
stories flow, and sees every stage's counters and histograms move."""

from __future__ import annotations

from pathlib import Path

import pytest
from kafka import KafkaProducer

from streams.cli.replay import read_records
from streams.settings import Settings
from support.paths import SAMPLE
from support.prometheus import prometheus_binary, query, run_prometheus, wait_for_query
from support.worker import WorkerProcess

pytestmark = pytest.mark.skipif(prometheus_binary() is None, reason="prometheus not installed (apt-get install prometheus)")


GOOD = 120
PARTITIONS = Settings().topics.partitions


def _value(result: list[dict]) -> float:
    return sum(float(sample["value"][1]) for sample in result)


def test_prometheus_sees_a_working_worker(kafka_bootstrap: str, unique_prefix: str, tmp_path: Path) -> None:
    records = list(read_records(SAMPLE / "benzinga_headlines.csv", by_time=True))[-GOOD:]
    malformed = (SAMPLE / "malformed.jsonl").read_bytes().splitlines()
    with WorkerProcess(kafka_bootstrap, unique_prefix, tmp_path, stages="ingest,score,state") as worker:
        worker.wait_ready(timeout=120)
        producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
        for record in records:
            producer.send(worker.topic("raw"), key=record.key, value=record.value)
        for line in malformed:
            producer.send(worker.topic("raw"), value=line)
        producer.flush()
        producer.close()
        with run_prometheus([f"127.0.0.1:{worker.metrics_port}"], tmp_path / "prometheus") as prom:
            wait_for_query(prom, 'up{job="tickertone"}', lambda r: _value(r) == 1.0)
            wait_for_query(prom, "tickertone_signals_total", lambda r: _value(r) == GOOD, timeout_s=90)
            assert _value(query(prom, "tickertone_received_total")) == GOOD + len(malformed)
            assert _value(query(prom, "sum(tickertone_invalid_total)")) == len(malformed)
            assert _value(query(prom, 'tickertone_invalid_total{reason="not_json"}')) == 2
            assert _value(query(prom, "tickertone_normalized_total")) == GOOD
            assert _value(query(prom, "tickertone_scored_total")) == GOOD
            assert _value(query(prom, "tickertone_sentences_scored_total")) >= GOOD
            assert _value(query(prom, "tickertone_inference_batch_seconds_count")) >= 1
            assert _value(query(prom, "tickertone_latency_seconds_count")) == GOOD
            assert _value(query(prom, "tickertone_feed_delay_seconds_count")) == GOOD
            info = query(prom, "tickertone_model_info")
            assert info and info[0]["metric"]["provider"] == "CPUExecutionProvider"
            assert info[0]["metric"]["precision"] in {"int8", "fp32"}
            assert _value(query(prom, "tickertone_worker_up")) == 1.0
            # Lag comes from the offsets Faust's monitor keeps (streams/kafka/lag.py, OffsetsMonitor):
            # every input partition gets a series, and the group's commits bring them to 0.
            for stage_input in ("raw", "normalized", "scored"):
                lags = f'tickertone_consumer_lag{{topic="{worker.topic(stage_input)}"}}'
                wait_for_query(prom, lags, lambda r: len(r) == PARTITIONS and _value(r) == 0.0, timeout_s=60)
        assert worker.alive(), worker.log_tail()
