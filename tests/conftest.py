"""Fixtures and markers shared by every test folder.

`kafka_bootstrap` is one broker for the whole session: an `EmbeddedBroker` on a free port in
a temporary directory, or the broker named by `TICKERTONE_TEST_BOOTSTRAP` (host:port) when CI
or a developer already runs one. Tests share it, so they name their topics with
`unique_prefix` and never assume an empty broker. `own_broker` is a test's own broker, for
tests that stop or restart it.

Markers: every test under `integration/` and `reliability/` is marked `integration`
(`pytest -m "not integration"` skips them). Tests marked `slow` (the long reliability runs)
are skipped unless the `-m` expression names `slow` (`make reliability` runs `-m slow`).
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.broker import EmbeddedBroker, JavaNotFound, fetch_jars
from support.worker import free_port as _free_port

HERE = Path(__file__).resolve().parent
BROKER_FOLDERS = (HERE / "integration", HERE / "reliability")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    slow_selected = "slow" in (config.getoption("markexpr") or "")
    skip_slow = pytest.mark.skip(reason="long run: select it with -m slow (make reliability)")
    for item in items:
        if any(folder in item.path.parents for folder in BROKER_FOLDERS):
            item.add_marker(pytest.mark.integration)
        if "slow" in item.keywords and not slow_selected:
            item.add_marker(skip_slow)


@pytest.fixture
def free_port() -> int:
    """A TCP port that nothing listens on right now."""
    return _free_port()


@pytest.fixture(scope="session")
def kafka_jars() -> Path:
    """Kafka's jar directory (fetched once into the user cache)."""
    return fetch_jars()


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`127.0.0.1:PORT` of the session's broker (started here unless TICKERTONE_TEST_BOOTSTRAP)."""
    external = os.environ.get("TICKERTONE_TEST_BOOTSTRAP")
    if external:
        yield external
        return
    broker = _start_or_skip(EmbeddedBroker(tmp_path_factory.mktemp("kafka"), port=_free_port()))
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture
def own_broker(tmp_path: Path, kafka_jars: Path) -> Iterator[EmbeddedBroker]:
    """A broker of this test's own, which it may stop and restart (same port, same data)
    without disturbing the session's broker."""
    broker = _start_or_skip(EmbeddedBroker(tmp_path / "kafka", port=_free_port(), jars=kafka_jars))
    try:
        yield broker
    finally:
        broker.stop()


def _start_or_skip(broker: EmbeddedBroker) -> EmbeddedBroker:
    try:
        broker.start()
    except JavaNotFound as err:
        pytest.skip(str(err))
    return broker


@pytest.fixture
def unique_prefix(request: pytest.FixtureRequest) -> str:
    """A topic-name prefix no other test (or earlier run on the same broker) uses.

    Only letters, digits and '-': Kafka treats '.' and '_' as colliding in topic names.
    """
    name = re.sub(r"[^A-Za-z0-9]+", "-", request.node.name).strip("-")[:40]
    return f"{name}-{uuid.uuid4().hex[:8]}-"
