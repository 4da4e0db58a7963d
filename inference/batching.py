"""Length-bucketed micro-batches: sort by token length, chunk, pad each chunk to its own max.

Headlines are 10-30 tokens and body sentences up to the model's max length; padding every
batch to the longest sentence of the call would spend most of the model's time on padding.
Sorting first makes each chunk's sentences about the same length, so padding is small.

With `max_pad` (the CPU's plan) a batch also closes before a sentence more than `max_pad` tokens
longer than its shortest, so padding stays within a few tokens: on a CPU a transformer's cost is
per token and a run of 20 tokens already fills the matrix kernels, so the padding of a mixed
chunk costs more than the runs it saves, while one run per exact length pays the per-run
overhead too often (measured in BENCHMARKS.md, "Inference, CPU"). A GPU wants few large runs: it
keeps the plain sorted chunks (`max_pad` None).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Batch", "plan_batches", "pad_batch", "run_batched"]


@dataclass(frozen=True)
class Batch:
    """One padded micro-batch; `rows[i]` is the input position of row i."""

    rows: np.ndarray  # int64 (n,)
    input_ids: np.ndarray  # int64 (n, width)
    attention_mask: np.ndarray  # int64 (n, width), 1 for tokens, 0 for padding
    token_type_ids: np.ndarray  # int64 (n, width)


def plan_batches(lengths: Sequence[int], batch_size: int, max_pad: int | None = None) -> list[np.ndarray]:
    """Input positions grouped into batches of at most `batch_size`, shortest sentences first;
    with `max_pad`, no batch holds a sentence more than `max_pad` tokens longer than its first.

    The sort is stable, so equal lengths keep their input order (the plan is deterministic).
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    sizes = np.asarray(lengths, dtype=np.int64)
    order = np.argsort(sizes, kind="stable")
    if max_pad is None:
        return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    plans: list[np.ndarray] = []
    start = 0
    for i in range(1, len(order) + 1):
        if i == len(order) or i - start == batch_size or sizes[order[i]] - sizes[order[start]] > max_pad:
            plans.append(order[start:i])
            start = i
    return plans


def pad_batch(
    ids: Sequence[Sequence[int]], type_ids: Sequence[Sequence[int]], rows: np.ndarray, pad_id: int
) -> Batch:
    """Right-pad the sequences at `rows` to the longest of them."""
    width = max(len(ids[r]) for r in rows)
    input_ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    attention_mask = np.zeros((len(rows), width), dtype=np.int64)
    token_type_ids = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        n = len(ids[r])
        input_ids[i, :n] = ids[r]
        attention_mask[i, :n] = 1
        token_type_ids[i, :n] = type_ids[r]
    return Batch(rows=rows, input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)


def run_batched(
    ids: Sequence[Sequence[int]],
    type_ids: Sequence[Sequence[int]],
    infer: Callable[[Batch], np.ndarray],
    *,
    batch_size: int,
    pad_id: int,
    max_pad: int | None = None,
) -> np.ndarray:
    """Run `infer` over length-bucketed batches (`max_pad`: see the module docstring); the
    result's row i belongs to input i."""
    plans = plan_batches([len(x) for x in ids], batch_size, max_pad)
    out: np.ndarray | None = None
    for rows in plans:
        result = infer(pad_batch(ids, type_ids, rows, pad_id))
        if out is None:
            out = np.empty((len(ids), *result.shape[1:]), dtype=result.dtype)
        out[rows] = result
    if out is None:
        raise ValueError("run_batched needs at least one sequence")
    return out
