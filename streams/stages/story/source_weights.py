"""Per-source weights: how much the state trusts a news source (DESIGN.md "Source weights").

The file (`TICKERTONE_STORY__SOURCE_WEIGHTS`) is JSON:

    {"format": 1, "default": 1.0, "weights": {"benzinga": 1.0, "some-blog": 0.0}, ...}

`weights` maps a source name (compared case-insensitively, surrounding spaces ignored) to a
weight >= 0; `default` (1.0 when absent) is the weight of any other source and of a story with no
source. Other keys (how the weights were learned, `tickertone evaluate` writes them) are kept for
people and ignored here. No file: every source weighs 1.0, the behaviour before weights existed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["FORMAT", "SourceWeights"]

FORMAT = 1


@dataclass(frozen=True)
class SourceWeights:
    """Weight by lower-cased source; `default` for the rest."""

    weights: Mapping[str, float] = field(default_factory=dict)
    default: float = 1.0

    def weight_for(self, source: str | None) -> float:
        if source is None:
            return self.default
        return self.weights.get(source.strip().lower(), self.default)

    @classmethod
    def load(cls, path: Path | None) -> SourceWeights:
        """The weights in `path`; all 1.0 for None. Raises ValueError naming the file on a bad one."""
        if path is None:
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls.from_dict(data)
        except (OSError, ValueError, TypeError) as error:
            raise ValueError(f"source weights file {path}: {error}") from error

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SourceWeights:
        if data.get("format", FORMAT) != FORMAT:
            raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
        default = _weight("default", data.get("default", 1.0))
        weights = {str(k).strip().lower(): _weight(str(k), v) for k, v in dict(data.get("weights", {})).items()}
        return cls(weights, default)

    def to_dict(self, **extra: Any) -> dict[str, Any]:
        return {"format": FORMAT, "default": self.default, "weights": dict(sorted(self.weights.items())), **extra}


def _weight(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise ValueError(f"weight of {name!r} must be a finite number >= 0, got {value!r}")
    return float(value)
