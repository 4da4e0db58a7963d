"""The reliability suite: kill, fuzz, burst and outage scenarios on a real broker (RELIABILITY.md).

Each scenario runs in two sizes from one test body: `ci` (part of the normal run) and `long`
(marked `slow`; `make reliability` runs them). Every test records its figures (peak RSS, drain
time, repeats seen...) with `record_property`; they are printed at the end of the run under
"reliability figures", which is where RELIABILITY.md's numbers come from.
"""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    reports = [
        report
        for reports in terminalreporter.stats.values()
        for report in reports
        if isinstance(report, pytest.TestReport) and report.when == "call" and report.user_properties
    ]
    if reports:
        terminalreporter.section("reliability figures")
        for report in reports:
            figures = ", ".join(f"{name}={value}" for name, value in report.user_properties)
            terminalreporter.line(f"{report.nodeid} [{report.outcome}]: {figures}")
