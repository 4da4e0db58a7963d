"""Every private name the compat room relies on, resolved against the installed Faust, mode,
aiokafka and asyncio (streams/kafka/compat/contract.py). A release that renames one, or changes
its parameters, fails here before it can skip or commit past a record in production."""

from __future__ import annotations

import pytest

from streams.kafka.compat import contract
from streams.kafka.compat.contract import REQUIREMENTS, Requirement, check, fetcher_races_suspend_flow
from streams.kafka.compat.versions import TESTED, untested_versions


@pytest.mark.parametrize("requirement", REQUIREMENTS, ids=lambda r: f"{r.label}")
def test_the_installed_libraries_have_it(requirement: Requirement) -> None:
    assert check([requirement]) == []


def test_faust_hands_each_record_over_racing_suspend_flow() -> None:
    """The one call shape OneTaskFirstWait serves with one task."""
    assert fetcher_races_suspend_flow()


def test_the_installed_versions_are_the_tested_ones() -> None:
    assert untested_versions() == {}, f"installed versions differ from compat.versions.TESTED {dict(TESTED)}"


def test_a_name_taken_away_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a different Faust looks like to the contract: the check names what is gone."""
    from faust.transport import consumer

    monkeypatch.delattr(consumer.Consumer, "_add_gap")
    assert check() == [
        "faust.transport.drivers.aiokafka:Consumer._add_gap (used by consumer.py) is gone",
    ]


def test_a_changed_signature_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from faust.transport import consumer

    async def _seek(self: object, tp: object, offset: int, *, wait: bool = False) -> None: ...

    monkeypatch.setattr(consumer.ThreadDelegateConsumer, "_seek", _seek)
    (problem,) = check()
    assert problem.startswith("faust.transport.drivers.aiokafka:Consumer._seek (used by consumer.py) takes")


def test_a_fetcher_that_no_longer_races_suspend_flow_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(contract, "fetcher_races_suspend_flow", lambda: False)
    assert any("_drain_messages no longer awaits" in problem for problem in check())


def test_an_instance_attribute_is_found_on_a_fresh_instance() -> None:
    assert check([Requirement("asyncio:Event()", "_waiters", None, "first_wait.py")]) == []
    assert check([Requirement("asyncio:Event()", "_waiters_renamed", None, "first_wait.py")]) == [
        "asyncio:Event._waiters_renamed (used by first_wait.py) is gone"
    ]


def test_an_attribute_set_only_in_an_init_is_found_there() -> None:
    """`thread_loop` exists only on instances, assigned in mode's ServiceThread.__init__."""
    assert check([Requirement("mode.threads:ServiceThread", "thread_loop", None, "consumer.py")]) == []
    assert check([Requirement("mode.threads:ServiceThread", "thread_loop_renamed", None, "consumer.py")]) == [
        "mode.threads:ServiceThread.thread_loop_renamed (used by consumer.py) is gone"
    ]
