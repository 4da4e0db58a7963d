"""The two sizes of a reliability scenario, run by one test body."""

from __future__ import annotations

from typing import Any

import pytest

__all__ = ["ci_and_long"]


def ci_and_long(ci: Any, long: Any, ci_timeout_s: float, long_timeout_s: float) -> pytest.MarkDecorator:
    """Parametrize the test's `size` with `ci` (runs by default) and `long` (marked `slow`: only
    `-m slow`, e.g. `make reliability`, runs it), each with its own timeout."""
    return pytest.mark.parametrize(
        "size",
        [
            pytest.param(ci, id="ci", marks=pytest.mark.timeout(ci_timeout_s)),
            pytest.param(long, id="long", marks=[pytest.mark.slow, pytest.mark.timeout(long_timeout_s)]),
        ],
    )
