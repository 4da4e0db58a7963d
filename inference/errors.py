"""Errors of the model package: a model that cannot be loaded, or exported."""

from __future__ import annotations

from schemas.errors import TickertoneError

__all__ = ["ExportError", "ModelError"]


class ModelError(TickertoneError):
    """The model directory or the requested provider cannot be used.

    Operators: the message names the file, label or provider at fault. Point
    TICKERTONE_SCORING__MODEL at a directory written by `tickertone model export` (config.json with
    positive/negative/neutral labels, tokenizer.json, model_<precision>.onnx), or drop the
    explicit provider to let the worker fall back to CPU.
    """


class ExportError(ModelError):
    """The source dir cannot be exported: not a sequence-classification model, or a tool is missing.

    Operators: install the `export` extra (`pip install 'tickertone[export]'`) and point SRC at a
    local Hugging Face model dir holding config.json, the weights and a tokenizer.
    """
