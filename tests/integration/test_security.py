"""Kafka security for real: the session broker's SASL_PLAINTEXT (PLAIN) listener, used by the
topic admin, `tickertone replay`, a worker and `tickertone tail` with credentials; wrong
credentials fail with one clear line, and no password shows in any output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from conftest import SaslEndpoint
from kafka import KafkaAdminClient

from streams.kafka.admin import ensure_topics
from support.worker import WorkerProcess, wait_until

REPO = Path(__file__).resolve().parents[2]


def _security_env(sasl: SaslEndpoint, password: str | None = None) -> dict[str, str]:
    return {
        "TICKERTONE_SECURITY__PROTOCOL": "SASL_PLAINTEXT",
        "TICKERTONE_SECURITY__SASL_MECHANISM": "PLAIN",
        "TICKERTONE_SECURITY__SASL_USERNAME": sasl.username,
        "TICKERTONE_SECURITY__SASL_PASSWORD": password or sasl.password,
    }


def _cli(args: list[str], env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "streams", *args],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _news(tmp_path: Path, n: int) -> Path:
    path = tmp_path / "news.jsonl"
    lines = [
        orjson.dumps(
            {
                "id": f"sec-{i}",
                "published_at": f"2024-03-05T15:{i:02d}:00Z",
                "headline": f"Acme story {i}",
                "tickers": ["ACME"],
                "schema_version": 1,
            }
        )
        for i in range(n)
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_admin_replay_worker_and_tail_through_sasl(kafka_sasl: SaslEndpoint, unique_prefix: str, tmp_path: Path) -> None:
    env = _security_env(kafka_sasl)
    config = {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "PLAIN",
        "sasl_plain_username": kafka_sasl.username,
        "sasl_plain_password": kafka_sasl.password,
    }
    admin_topic = f"{unique_prefix}admin-check"
    ensure_topics(kafka_sasl.bootstrap, [admin_topic], 2, **config)
    admin = KafkaAdminClient(bootstrap_servers=kafka_sasl.bootstrap, **config)
    try:
        assert admin_topic in admin.list_topics()
    finally:
        admin.close()

    with WorkerProcess(kafka_sasl.bootstrap, unique_prefix, tmp_path, stages="ingest", **env) as worker:
        worker.wait_ready()
        broker = {"TICKERTONE_BROKER": f"kafka://{kafka_sasl.bootstrap}"}
        sent = _cli(["replay", str(_news(tmp_path, 12)), "--topic", worker.topic("raw"), "--no-progress"], {**env, **broker})
        assert sent.returncode == 0, sent.stderr
        assert "sent 12 messages" in sent.stdout

        def tailed() -> list[dict[str, object]]:
            out = _cli(
                ["tail", worker.topic("normalized"), "--from-beginning", "--max", "12", "--timeout", "5"], {**env, **broker}
            )
            assert out.returncode == 0, out.stderr
            return [orjson.loads(line) for line in out.stdout.splitlines() if line.strip()]

        assert wait_until(lambda: len(tailed()) == 12, 120, interval=3.0), worker.log_tail()
        assert worker.alive(), worker.log_tail()
        log = worker.log_tail()
    assert kafka_sasl.password not in log and kafka_sasl.password not in sent.stdout + sent.stderr


@pytest.mark.parametrize("command", ["replay", "tail"])
def test_wrong_credentials_fail_with_one_clear_line(
    kafka_sasl: SaslEndpoint, unique_prefix: str, tmp_path: Path, command: str
) -> None:
    env = {**_security_env(kafka_sasl, password="not-the-password"), "TICKERTONE_BROKER": f"kafka://{kafka_sasl.bootstrap}"}
    args = (
        ["replay", str(_news(tmp_path, 1)), "--topic", f"{unique_prefix}raw", "--no-progress"]
        if command == "replay"
        else ["tail", f"{unique_prefix}raw", "--max", "1", "--timeout", "5"]
    )
    result = _cli(args, env, timeout=180)
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"tickertone {command}: ") and "authentication" in last.lower(), result.stderr
    assert "Traceback" not in result.stderr and "not-the-password" not in result.stderr


def test_a_worker_with_wrong_credentials_stops_with_one_clear_line(
    kafka_sasl: SaslEndpoint, unique_prefix: str, tmp_path: Path
) -> None:
    env = _security_env(kafka_sasl, password="not-the-password")
    worker = WorkerProcess(kafka_sasl.bootstrap, unique_prefix, tmp_path, stages="ingest", **env)
    with worker:
        assert wait_until(lambda: not worker.alive(), 120, interval=1.0), worker.log_tail()
        log = worker.log_tail()
    assert worker.proc is not None and worker.proc.returncode not in (0, None)
    assert "authentication" in log.lower() and "not-the-password" not in log
