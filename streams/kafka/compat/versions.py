"""The library versions the compat room was tested with, and the start-up gate.

The compat room overrides and reads private names of faust-streaming, mode-streaming and
aiokafka (`streams.kafka.compat.contract`). A release may rename or change them without notice,
and the failure would be silent (stories skipped or committed past). So the worker starts only
on the versions below, which tests/contract checks, unless the operator opts in with
`TICKERTONE_ALLOW_UNTESTED_FAUST=true`; even then the contract's names must be present.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version

from schemas.errors import TickertoneError
from streams.kafka.compat.contract import check

__all__ = ["TESTED", "CompatError", "require_tested_versions", "untested_versions"]

log = logging.getLogger(__name__)

TESTED: Mapping[str, tuple[str, ...]] = {
    "faust-streaming": ("0.15.3",),
    "mode-streaming": ("0.7.1",),
    "aiokafka": ("0.14.0",),
}


class CompatError(TickertoneError):
    """The installed Faust, mode or aiokafka is not one the compat room works with.

    Operators: install the pinned versions (the lock file), or opt in to an untested version
    with TICKERTONE_ALLOW_UNTESTED_FAUST=true after running tests/contract against it.
    """


def untested_versions(tested: Mapping[str, tuple[str, ...]] = TESTED) -> dict[str, str]:
    """`{distribution: installed version}` for each one whose version was not tested."""
    found: dict[str, str] = {}
    for distribution, versions in tested.items():
        try:
            installed = version(distribution)
        except PackageNotFoundError:
            installed = "not installed"
        if installed not in versions:
            found[distribution] = installed
    return found


def require_tested_versions(allow_untested: bool) -> None:
    """Return if the installed versions were tested (or the operator opted in and the
    contract's names are all present); else raise `CompatError` with one line saying why."""
    untested = untested_versions()
    if not untested:
        return
    listed = ", ".join(f"{name} {found} (tested: {', '.join(TESTED[name])})" for name, found in untested.items())
    if not allow_untested:
        raise CompatError(
            f"{listed}: the worker's Faust compatibility layer was not tested with this; install the "
            "locked versions or set TICKERTONE_ALLOW_UNTESTED_FAUST=true to start anyway"
        )
    problems = check()
    if problems:
        raise CompatError(f"{listed}: cannot run, {'; '.join(problems)}")
    log.warning("starting on untested %s (TICKERTONE_ALLOW_UNTESTED_FAUST); the contract's names are present", listed)
