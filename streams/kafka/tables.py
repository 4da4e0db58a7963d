"""Faust tables as the agents use them: changelogged, partitioned by the key's hash."""

from __future__ import annotations

from typing import Any

import faust
from faust.types import TableT

from streams.kafka.admin import changelog_configs
from streams.kafka.compat.producer import aiokafka_producer
from streams.settings import Settings

__all__ = ["changelogged_table", "wait_for_changelog_metadata"]


def changelogged_table(
    app: faust.App, name: str, settings: Settings, help_text: str, raw_values: bool = False
) -> TableT[bytes, Any]:
    """A changelogged table whose changelog partition follows the key's hash; with `raw_values`
    its values are bytes the agent encodes itself (Faust's own codec is the stdlib's JSON).

    `use_partitioner` lets one batch write keys of several partitions (Faust otherwise takes the
    partition of the event being processed). Every topic feeding a table is keyed by that same
    key and partitioned by the same murmur2 hash, so changelog partition == source partition.
    """
    return app.Table(
        name,
        default=None,
        partitions=settings.topics.partitions,
        key_type=bytes,  # raw keys: Faust derives the changelog (and recovery) codec from the type
        use_partitioner=True,
        value_type=bytes if raw_values else None,  # bytes: the raw codec
        help=help_text,
        # Compacted by Faust; replicated by the app's `topic_replication_factor`.
        extra_topic_configs=changelog_configs(settings),
    )


async def wait_for_changelog_metadata(app: faust.App, table: TableT[bytes, Any]) -> None:
    """Wait until the producer knows the table's changelog partitions.

    With `use_partitioner` Faust hashes a key to a partition synchronously on the first write,
    which fails ("NoneType is not iterable") while the producer has no metadata for the topic.
    """
    await aiokafka_producer(app.producer).partitions_for(table.changelog_topic.get_topic_name())
