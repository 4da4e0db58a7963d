"""Model export, ONNX Runtime sessions, tokenization, batching and scoring.

The public names load on first use, so that `tickertone --help` and the ingest-only worker
do not pay for importing onnxruntime, tokenizers and pysbd.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inference.errors import ModelError
    from inference.scorer import Scorer, SentenceScore, StoryScore, load_scorer

__all__ = ["ModelError", "Scorer", "SentenceScore", "StoryScore", "load_scorer"]

_HOMES = {
    "ModelError": "inference.errors",
    "Scorer": "inference.scorer",
    "SentenceScore": "inference.scorer",
    "StoryScore": "inference.scorer",
    "load_scorer": "inference.scorer",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'inference' has no attribute {name!r}")
