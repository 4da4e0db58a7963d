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
from dataclasses import dataclass
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


# The session broker's SASL_PLAINTEXT listener takes this one user (tests/integration/test_security.py).
SASL_USER, SASL_PASSWORD = "tickertone-test", "a-test-secret"


@dataclass(frozen=True)
class SaslEndpoint:
    """A SASL_PLAINTEXT (PLAIN) listener and the credentials it accepts."""

    bootstrap: str
    username: str
    password: str


@pytest.fixture(scope="session")
def session_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker | None]:
    """The session's embedded broker, with a SASL listener beside the plain one; None when
    TICKERTONE_TEST_BOOTSTRAP names a broker that runs elsewhere."""
    if os.environ.get("TICKERTONE_TEST_BOOTSTRAP"):
        yield None
        return
    broker = EmbeddedBroker(
        tmp_path_factory.mktemp("kafka"), port=_free_port(), sasl_port=_free_port(), sasl_users={SASL_USER: SASL_PASSWORD}
    )
    _start_or_skip(broker)
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(session_broker: EmbeddedBroker | None) -> str:
    """`127.0.0.1:PORT` of the session's broker (started here unless TICKERTONE_TEST_BOOTSTRAP)."""
    external = os.environ.get("TICKERTONE_TEST_BOOTSTRAP")
    if external:
        return external
    assert session_broker is not None
    return session_broker.bootstrap


@pytest.fixture(scope="session")
def kafka_sasl(session_broker: EmbeddedBroker | None) -> SaslEndpoint:
    """The session broker's SASL listener, or TICKERTONE_TEST_SASL_BOOTSTRAP (with
    TICKERTONE_TEST_SASL_USERNAME and TICKERTONE_TEST_SASL_PASSWORD) for an external broker."""
    external = os.environ.get("TICKERTONE_TEST_SASL_BOOTSTRAP")
    if external:
        return SaslEndpoint(external, os.environ["TICKERTONE_TEST_SASL_USERNAME"], os.environ["TICKERTONE_TEST_SASL_PASSWORD"])
    if session_broker is None or session_broker.sasl_bootstrap is None:
        pytest.skip("the external test broker has no SASL listener: set TICKERTONE_TEST_SASL_BOOTSTRAP")
    return SaslEndpoint(session_broker.sasl_bootstrap, SASL_USER, SASL_PASSWORD)


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
