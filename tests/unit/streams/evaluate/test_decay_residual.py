"""The IC decay half-life, the decay matrix on a signal that predicts only the next session,
story-level breakdown labels, and the residual of a signal that is only a size factor."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from streams.evaluate.breakdowns import labelled
from streams.evaluate.decay_matrix import decay_matrix, half_life
from streams.evaluate.metrics import session_ics
from streams.evaluate.residual import add_controls, residual_signal


@pytest.mark.parametrize(
    ("ics", "expected"),
    [
        ([0.04, 0.03, 0.02, 0.01], 3.0),  # 0.02 = half of 0.04 exactly at h = 3
        ([0.04, 0.03, 0.01], 2.0 + (0.03 - 0.02) / (0.03 - 0.01)),  # interpolated: 2.5
        ([0.04, 0.04, 0.04], math.inf),  # never halves within the matrix
        ([-0.01, 0.02], math.nan),  # nothing positive to decay
    ],
)
def test_half_life(ics: list[float], expected: float) -> None:
    got = half_life(pd.Series(ics, index=range(1, len(ics) + 1)))
    assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected)


def test_a_signal_about_the_next_session_only_decays_at_once() -> None:
    rng = np.random.default_rng(5)
    rows = []
    for s in range(200):
        signal = rng.normal(size=20)
        m1 = signal + rng.normal(0, 1, 20)  # the first session after entry follows the signal
        rows += [(date(2020, 1, 1) + timedelta(days=s), f"T{i}", signal[i], m1[i], rng.normal(), rng.normal())
                 for i in range(20)]  # fmt: skip
    samples = pd.DataFrame(rows, columns=["session", "ticker", "x", "m_1", "m_2", "m_3"])
    means, ts = decay_matrix(samples, ["x"], [1, 2, 3])
    assert means.loc["x", 1] > 0.5 and ts.loc["x", 1] > 10
    assert abs(means.loc["x", 2]) < 0.05 and abs(means.loc["x", 3]) < 0.05
    assert half_life(means.loc["x"]) < 2


def test_breakdown_labels() -> None:
    stories = pd.DataFrame({"relevance": [1.0, 0.85, 0.6, 0.1], "novelty": [None, 1.0, 0.4, 0.16],
                            "score": [-0.5, 0.0, 0.3, 0.2], "phase": ["regular"] * 4})  # fmt: skip
    out = labelled(stories)
    assert out["relevance_bucket"].tolist() == ["high (>= 0.8)", "high (>= 0.8)", "mid (0.3-0.8)", "low (< 0.3)"]
    assert out["novelty_kind"].tolist() == ["first", "first", "repeat", "repeat"]
    assert out["sign"].tolist() == ["negative", "zero", "positive", "positive"]


def test_a_signal_that_is_only_size_has_no_residual_ic() -> None:
    rng = np.random.default_rng(9)
    rows = []
    for s in range(100):
        size = rng.normal(20, 2, 15)
        ret = 0.01 * size + rng.normal(0, 0.01, 15)  # big names do better in this world
        rows += [(f"T{i:02d}", date(2020, 1, 1) + timedelta(days=s), 1, size[i], 0.5 * size[i], ret[i]) for i in range(15)]
    samples = pd.DataFrame(rows, columns=["ticker", "session", "stories", "log_dollar_volume", "signal", "ret_1"])
    samples = add_controls(samples.sort_values(["ticker", "session"]).reset_index(drop=True))
    samples["residual"] = residual_signal(samples, "signal")
    assert session_ics(samples, "signal", "ret_1").mean() > 0.5
    assert samples["residual"].abs().max() < 1e-9  # all explained by size: nothing left to rank
