"""The configs the worker creates its topics and changelogs with (issue #22, item 3); the
broker-side read-back is tests/integration/test_topics.py."""

from __future__ import annotations

from streams.kafka.admin import MAX_MESSAGE_BYTES, changelog_configs
from streams.kafka.app import internal_topic_names, topic_configs
from streams.settings import load_settings


def test_every_topic_gets_min_insync_and_max_message_bytes() -> None:
    settings = load_settings(overrides={"topics": {"replication_factor": 3, "min_insync_replicas": 2}})
    configs = topic_configs(settings)
    assert set(configs) == set(internal_topic_names(settings))
    for config in configs.values():
        assert config["min.insync.replicas"] == "2"
        assert config["max.message.bytes"] == str(MAX_MESSAGE_BYTES)
    assert changelog_configs(settings) == {"min.insync.replicas": "2", "max.message.bytes": str(MAX_MESSAGE_BYTES)}


def test_the_input_has_a_retention_and_latest_stays_compacted() -> None:
    settings = load_settings(overrides={"topics": {"raw_retention_s": 3600}})
    configs = topic_configs(settings)
    assert configs[settings.topics.raw]["retention.ms"] == "3600000"
    assert configs[settings.topics.latest]["cleanup.policy"] == "compact"
    others = set(configs) - {settings.topics.raw, settings.topics.latest}
    assert all("cleanup.policy" not in configs[name] and "retention.ms" not in configs[name] for name in others)


def test_faust_changelogs_get_the_same_replication_and_configs(tmp_path: object) -> None:
    from streams.kafka.app import create_app, read_topic_names
    from streams.metrics import Metrics

    settings = load_settings(
        overrides={
            "topics": {"replication_factor": 3, "min_insync_replicas": 2, "scored": "x.scored"},
            "stages": ("state",), "http": {"enabled": False}, "app_id": "t", "data_dir": str(tmp_path),
        }
    )
    app = create_app(settings, Metrics())
    assert app.conf.topic_replication_factor == 3
    changelogs = {table.changelog_topic.get_topic_name(): table.changelog_topic for table in app.tables.values()}
    assert set(changelogs) == {"t-ticker-chains-v1-changelog", "t-ticker-state-v3-changelog"}
    for topic in changelogs.values():
        assert topic.config == changelog_configs(settings)
        assert topic.compacting and topic.partitions == settings.topics.partitions
    # What the worker checks for the partition count: the state stage's inputs and changelogs.
    assert set(read_topic_names(app)) == {"t.news.tagged", "x.scored", *changelogs}
