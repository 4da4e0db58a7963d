"""Where the repository's data lies, for tests (one place, so moving a test never breaks it)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["REPO", "SAMPLE", "SAMPLE_HEADLINES"]

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "streams" / "sample"
SAMPLE_HEADLINES = SAMPLE / "benzinga_headlines.csv"
