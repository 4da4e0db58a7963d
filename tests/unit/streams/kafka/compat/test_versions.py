"""The worker's start-up gate on the Faust, mode and aiokafka versions (compat/versions.py)."""

from __future__ import annotations

import logging

import pytest

from streams.cli import main
from streams.kafka.compat import versions
from streams.kafka.compat.versions import TESTED, CompatError, require_tested_versions, untested_versions


def _installed(faust: str) -> dict[str, str]:
    return {"faust-streaming": faust, "mode-streaming": TESTED["mode-streaming"][0], "aiokafka": TESTED["aiokafka"][0]}


@pytest.fixture
def faust_016(monkeypatch: pytest.MonkeyPatch) -> None:
    installed = _installed("0.16.0")
    monkeypatch.setattr(versions, "version", lambda name: installed[name])


def test_the_tested_versions_pass() -> None:
    assert untested_versions({name: found for name, found in TESTED.items()}) == {}
    require_tested_versions(allow_untested=False)  # the installed ones (tests/contract checks them too)


@pytest.mark.usefixtures("faust_016")
def test_an_untested_faust_is_refused_in_one_line() -> None:
    with pytest.raises(CompatError) as refused:
        require_tested_versions(allow_untested=False)
    message = str(refused.value)
    assert "\n" not in message
    assert "faust-streaming 0.16.0 (tested: 0.15.3)" in message and "TICKERTONE_ALLOW_UNTESTED_FAUST=true" in message


@pytest.mark.usefixtures("faust_016")
def test_opting_in_starts_when_the_contract_holds(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        require_tested_versions(allow_untested=True)
    assert "untested faust-streaming 0.16.0" in caplog.text


@pytest.mark.usefixtures("faust_016")
def test_opting_in_is_still_refused_when_a_private_name_is_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(versions, "check", lambda: ["faust...Consumer._add_gap (used by consumer.py) is gone"])
    with pytest.raises(CompatError, match="cannot run, .*_add_gap"):
        require_tested_versions(allow_untested=True)


@pytest.mark.usefixtures("faust_016")
def test_the_worker_command_exits_2_with_the_reason(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TICKERTONE_ALLOW_UNTESTED_FAUST", raising=False)
    assert main(["worker", "--broker", "kafka://127.0.0.1:1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tickertone worker: faust-streaming 0.16.0") and "\n" not in err
