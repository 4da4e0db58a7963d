"""The story intelligence on the hand-labelled headlines (inference/eval/LABELS.md): the issue's
targets, on the development split and on the split labelled after the rules were frozen."""

from __future__ import annotations

import pytest

from streams.evaluate.labeled import LabelReport, evaluate_labels
from streams.settings import StorySettings
from streams.stages.story import SymbolDirectory
from support.paths import REPO, SAMPLE

LABELS = REPO / "inference" / "eval" / "labeled_headlines.csv"


@pytest.fixture(scope="module")
def reports() -> dict[str, LabelReport]:
    directory = SymbolDirectory.load(SAMPLE / "symbols.csv")
    return evaluate_labels(LABELS, directory, StorySettings())


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_every_event_type_found_is_right_95_percent_of_the_time(reports: dict[str, LabelReport], split: str) -> None:
    report = reports[split]
    low = {kind: round(report.precision(kind), 3) for kind in report.found | report.spurious if report.precision(kind) < 0.95}
    assert low == {}, report.table()


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_earnings_and_analyst_directions_are_right(reports: dict[str, LabelReport], split: str) -> None:
    right, total = reports[split].direction("earnings", "analyst_rating")
    assert total >= 60 and right / total >= 0.95, reports[split].table()


@pytest.mark.parametrize("split", ["dev", "heldout"])
def test_relevance_meets_its_targets(reports: dict[str, LabelReport], split: str) -> None:
    for label in ("list", "subject"):
        met, total = reports[split].relevance_met(label)
        assert total >= 30 and met / total >= 0.95, (label, reports[split].table())


def test_the_command_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    from streams.cli import main

    assert main(["model", "eval", "--events", str(LABELS), "--symbols", str(SAMPLE / "symbols.csv")]) == 0
    out = capsys.readouterr().out
    assert "split dev: 585 headlines" in out and "split heldout: 239 headlines" in out and "| earnings |" in out
