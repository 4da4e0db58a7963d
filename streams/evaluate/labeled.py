"""How the story intelligence does on hand-labelled headlines: precision and recall per event
type, direction accuracy, and relevance against its targets (`tickertone model eval --events`).

The labels file has the columns of inference/eval/labeled_headlines.csv (`ticker`, `events` as
`type:direction;...`, `relevance` as subject / list / other, `headline`, and optionally `split`).
Each headline's events are the score stage's: `classify`, then the ticker's roles (`for_ticker`).
An event counts as found when its type is; its direction is then right or wrong.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from streams.settings import StorySettings
from streams.stages.story import SymbolDirectory, classify, for_ticker, relevance

__all__ = ["LabelReport", "evaluate_labels"]

LIST_TARGET, SUBJECT_TARGET = 0.3, 0.7


@dataclass
class LabelReport:
    """Counts per event type, and relevance against its targets, for one split."""

    split: str
    headlines: int = 0
    found: Counter[str] = field(default_factory=Counter)  # true positives
    spurious: Counter[str] = field(default_factory=Counter)  # false positives
    missed: Counter[str] = field(default_factory=Counter)  # false negatives
    direction_right: Counter[str] = field(default_factory=Counter)
    relevance: dict[str, list[float]] = field(default_factory=lambda: {"subject": [], "list": [], "other": []})

    def precision(self, kind: str) -> float:
        total = self.found[kind] + self.spurious[kind]
        return self.found[kind] / total if total else float("nan")

    def recall(self, kind: str) -> float:
        total = self.found[kind] + self.missed[kind]
        return self.found[kind] / total if total else float("nan")

    def direction(self, *kinds: str) -> tuple[int, int]:
        """(right, found) over `kinds`."""
        return sum(self.direction_right[k] for k in kinds), sum(self.found[k] for k in kinds)

    def relevance_met(self, label: str) -> tuple[int, int]:
        """(meeting the target, all) for `subject` (>= 0.7) or `list` (< 0.3) rows."""
        values = self.relevance[label]
        met = sum(v >= SUBJECT_TARGET for v in values) if label == "subject" else sum(v < LIST_TARGET for v in values)
        return met, len(values)

    def table(self) -> str:
        kinds = sorted(set(self.found) | set(self.spurious) | set(self.missed))
        lines = [f"split {self.split}: {self.headlines} headlines", "",
                 "| event type | found | spurious | missed | precision | recall | direction right |",
                 "|---|---:|---:|---:|---:|---:|---:|"]
        for kind in kinds:
            counts = f"| {kind} | {self.found[kind]} | {self.spurious[kind]} | {self.missed[kind]} |"
            rates = f" {self.precision(kind):.2f} | {self.recall(kind):.2f} | {self.direction_right[kind]}/{self.found[kind]} |"
            lines.append(counts + rates)
        right, total = self.direction("earnings", "analyst_rating")
        lines += ["", f"direction right on earnings and analyst ratings: {right}/{total} = {right / max(total, 1):.3f}"]
        for label, target in (("list", f"< {LIST_TARGET}"), ("subject", f">= {SUBJECT_TARGET}")):
            met, total = self.relevance_met(label)
            lines.append(f"relevance of {label} rows {target}: {met}/{total} = {met / max(total, 1):.3f}")
        return "\n".join(lines) + "\n"


def _truth(events: str) -> dict[str, int]:
    pairs = (item.split(":") for item in events.split(";") if item.strip())
    return {kind.strip(): int(direction) for kind, direction in pairs}


def evaluate_labels(path: Path, directory: SymbolDirectory, cfg: StorySettings) -> dict[str, LabelReport]:
    """One report per split of the labels file (all rows under "all" when it has no split)."""
    reports: dict[str, LabelReport] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            report = reports.setdefault(row.get("split") or "all", LabelReport(row.get("split") or "all"))
            report.headlines += 1
            ticker, headline = row["ticker"], row["headline"]
            company = directory.get(ticker)
            got = {e.type.value: e.direction for e in for_ticker(classify(headline), headline, ticker, company)}
            truth = _truth(row["events"])
            for kind in truth.keys() | got.keys():
                if kind in truth and kind in got:
                    report.found[kind] += 1
                    report.direction_right[kind] += truth[kind] == got[kind]
                elif kind in got:
                    report.spurious[kind] += 1
                else:
                    report.missed[kind] += 1
            report.relevance[row["relevance"]].append(relevance(headline, None, ticker, 1, company, cfg))
    return reports
