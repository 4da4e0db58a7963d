"""Topics on a real broker (issue #22, items 3 and 10): the worker creates its topics, and Faust
its changelogs, with the configured replication, `min.insync.replicas`, `max.message.bytes`,
the input's retention and the compaction of `signals.latest` and the changelogs (read back
with the admin client); it refuses to start, with one line naming the topic and both counts,
when a topic it reads or a changelog has another partition count; and `tickertone health`
passes on a live worker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from streams.kafka.admin import MAX_MESSAGE_BYTES, TopicAdminError, ensure_topics
from support.worker import WorkerProcess


def _configs(bootstrap: str, topics: list[str]) -> dict[str, dict[str, Any]]:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name) for name in topics])
        return {name: {key: entry["value"] for key, entry in described["topic"][name].items()} for name in topics}
    finally:
        admin.close()


def _replicas(bootstrap: str, topics: list[str]) -> dict[str, tuple[int, int]]:
    """(partitions, replicas of each) per topic; replicas -1 when partitions disagree."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        out = {}
        for t in admin.describe_topics(topics):
            counts = {len(p["replica_nodes"]) for p in t["partitions"]}
            out[t["name"]] = (len(t["partitions"]), counts.pop() if len(counts) == 1 else -1)
        return out
    finally:
        admin.close()


def test_the_worker_creates_topics_and_changelogs_with_their_configs(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    worker = WorkerProcess(
        kafka_bootstrap, unique_prefix, tmp_path, "ingest,state",
        TICKERTONE_TOPICS__RAW_RETENTION_S="86400",
    )
    with worker:
        worker.wait_ready(timeout=120)
        app = worker.group
        changelogs = [f"{app}-seen-ids-v2-changelog", f"{app}-ticker-state-v3-changelog", f"{app}-ticker-chains-v1-changelog"]
        raw, latest, signals = worker.topic("raw"), worker.topic("latest"), worker.topic("signals")
        configs = _configs(kafka_bootstrap, [raw, latest, signals, *changelogs])
        health = subprocess.run(
            [sys.executable, "-m", "streams", "health", "--metrics-port", str(worker.metrics_port)],
            env=worker.env, capture_output=True, text=True, timeout=60, check=False,
        )
    for name, config in configs.items():
        assert config.get("min.insync.replicas") == "1", (name, config)
        assert config.get("max.message.bytes") == str(MAX_MESSAGE_BYTES), (name, config)
    assert configs[raw]["retention.ms"] == "86400000"
    assert configs[latest]["cleanup.policy"] == "compact"
    assert configs[signals].get("cleanup.policy", "delete") == "delete"
    for name in changelogs:
        assert configs[name]["cleanup.policy"] == "compact", name
    assert set(_replicas(kafka_bootstrap, [raw, latest, *changelogs]).values()) == {(4, 1)}
    assert health.returncode == 0, health.stdout + health.stderr
    assert health.stdout.startswith("tickertone health: healthy")


def test_a_replication_factor_the_cluster_cannot_meet_is_refused(kafka_bootstrap: str, unique_prefix: str) -> None:
    # One broker: replication 2 cannot be met; the setting reaches the broker (not its default).
    with pytest.raises(TopicAdminError, match="InvalidReplicationFactor"):
        ensure_topics(kafka_bootstrap, [unique_prefix + "r2"], partitions=1, replication_factor=2)


@pytest.mark.parametrize(
    ("stages", "topic"),
    [("state", "{prefix}scored"), ("ingest", "{prefix}raw"), ("state", "{prefix}app-ticker-state-v3-changelog")],
)
def test_a_topic_with_another_partition_count_stops_the_worker_with_one_line(
    kafka_bootstrap: str, unique_prefix: str, tmp_path: Path, stages: str, topic: str
) -> None:
    name = topic.format(prefix=unique_prefix)
    ensure_topics(kafka_bootstrap, [name], partitions=2)
    worker = WorkerProcess(kafka_bootstrap, unique_prefix, tmp_path, stages, TICKERTONE_TOPICS__PARTITIONS="4")
    done = subprocess.run(
        [sys.executable, "-m", "streams", "worker"], env=worker.env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 2, done.stderr[-3000:]
    lines = [line for line in done.stderr.splitlines() if line.startswith("tickertone worker:")]
    assert len(lines) == 1, done.stderr[-3000:]
    assert f"topic {name!r} has 2 partitions but TICKERTONE_TOPICS__PARTITIONS is 4" in lines[0]
    assert "Traceback" not in done.stderr
