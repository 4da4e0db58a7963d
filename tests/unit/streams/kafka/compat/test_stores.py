"""The worker's `rocksdb://` setting reaches Faust as `KeyPartitionedRocksDB` (streams/kafka/compat/stores.py);
the store itself is checked on the real broker (tests/integration/test_state_agent.py)."""

from __future__ import annotations

import faust.stores
import pytest

from streams.kafka.compat.stores import KeyPartitionedRocksDB, store_url


@pytest.mark.parametrize("setting", ["rocksdb://", "rocksdb:///var/lib/tickertone"])
def test_rocksdb_setting_selects_the_key_partitioned_store(setting: str) -> None:
    url = store_url(setting)
    assert faust.stores.by_url(url) is KeyPartitionedRocksDB
    assert url.split(":", 1)[1] == setting.split(":", 1)[1]  # same location


def test_other_stores_pass_through() -> None:
    assert store_url("memory://") == "memory://"
