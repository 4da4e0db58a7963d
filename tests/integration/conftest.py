"""Fixtures for tests against a real Kafka broker.

`kafka_bootstrap` is one broker for the whole session: an `EmbeddedBroker` on a free port in
a temporary directory, or the broker named by `TICKERTONE_TEST_BOOTSTRAP` (host:port) when CI
or a developer already runs one. Tests share it, so they name their topics with
`unique_prefix` and never assume an empty broker. Every test in this folder is marked
`integration` (`pytest -m "not integration"` skips them).
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from streams.broker import EmbeddedBroker, JavaNotFound, fetch_jars

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # This hook sees the whole session's items: mark only the ones collected from this folder.
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.integration)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
    broker = EmbeddedBroker(tmp_path_factory.mktemp("kafka"), port=_free_port())
    try:
        broker.start()
    except JavaNotFound as err:
        pytest.skip(str(err))
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture
def unique_prefix(request: pytest.FixtureRequest) -> str:
    """A topic-name prefix no other test (or earlier run on the same broker) uses.

    Only letters, digits and '-': Kafka treats '.' and '_' as colliding in topic names.
    """
    name = re.sub(r"[^A-Za-z0-9]+", "-", request.node.name).strip("-")[:40]
    return f"{name}-{uuid.uuid4().hex[:8]}-"
