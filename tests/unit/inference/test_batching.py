"""Length bucketing: sorted chunks, per-batch padding, original order restored."""

from __future__ import annotations

import numpy as np
import pytest

from inference.batching import Batch, pad_batch, plan_batches, run_batched


def test_plan_sorts_by_length_and_chunks() -> None:
    plans = plan_batches([5, 2, 9, 2, 7], batch_size=2)
    # Stable: the two length-2 inputs keep their order (1 before 3).
    assert [p.tolist() for p in plans] == [[1, 3], [0, 4], [2]]


def test_max_pad_closes_a_batch_at_a_length_jump() -> None:
    # Sorted: 2, 2, 2, 3, 5, 5, 9 (positions 1, 3, 5, 6, 0, 4, 2); batches of 3, max_pad 1:
    # {2,2,2} is full | {3}: a 5 is 2 longer | {5,5} | {9}.
    plans = plan_batches([5, 2, 9, 2, 5, 2, 3], batch_size=3, max_pad=1)
    assert [p.tolist() for p in plans] == [[1, 3, 5], [6], [0, 4], [2]]
    # Sorted: 2, 2, 3, 5, 5, 9 (positions 1, 3, 5, 0, 4, 2); batches of 4: {2,2,3} | {5,5} | {9}.
    plans = plan_batches([5, 2, 9, 2, 5, 3], batch_size=4, max_pad=1)
    assert [p.tolist() for p in plans] == [[1, 3, 5], [0, 4], [2]]


def test_run_batched_max_pad_zero_pads_nothing() -> None:
    lengths = [4, 1, 3, 4, 1, 4]
    ids = [[n] * n for n in lengths]
    masks: list[np.ndarray] = []

    def infer(batch: Batch) -> np.ndarray:
        masks.append(batch.attention_mask)
        return batch.input_ids[:, :1].astype(np.float32)

    out = run_batched(ids, [[0] * n for n in lengths], infer, batch_size=2, pad_id=0, max_pad=0)
    assert out[:, 0].tolist() == lengths
    assert all(mask.all() for mask in masks)  # not one padding position
    assert [m.shape for m in masks] == [(2, 1), (1, 3), (2, 4), (1, 4)]


def test_plan_rejects_bad_batch_size() -> None:
    with pytest.raises(ValueError):
        plan_batches([1], batch_size=0)


def test_pad_batch_pads_to_the_batch_max_only() -> None:
    ids = [[101, 7, 102], [101, 8, 9, 10, 102], [101, 102]]
    types = [[0, 0, 0], [0, 0, 0, 1, 1], [0, 0]]
    batch = pad_batch(ids, types, np.array([2, 0]), pad_id=0)
    assert batch.input_ids.tolist() == [[101, 102, 0], [101, 7, 102]]
    assert batch.attention_mask.tolist() == [[1, 1, 0], [1, 1, 1]]
    assert batch.token_type_ids.tolist() == [[0, 0, 0], [0, 0, 0]]
    assert batch.input_ids.dtype == np.int64


def test_run_batched_restores_input_order() -> None:
    lengths = [4, 1, 3, 6, 2, 5, 1]
    ids = [[n] * n for n in lengths]  # each row's tokens tell which input it was
    widths: list[int] = []

    def infer(batch: Batch) -> np.ndarray:
        widths.append(batch.input_ids.shape[1])
        return batch.input_ids[:, :1].astype(np.float32)  # the first token = the input's length

    out = run_batched(ids, [[0] * n for n in lengths], infer, batch_size=3, pad_id=0)
    assert out[:, 0].tolist() == lengths
    assert widths == [2, 5, 6]  # batches {1,1,2}, {3,4,5}, {6}: each padded to its own max


def test_run_batched_needs_input() -> None:
    with pytest.raises(ValueError):
        run_batched([], [], lambda b: np.zeros((0, 3)), batch_size=4, pad_id=0)
