"""Decayed sums: DESIGN's two branches against hand-computed values (half-life 3600 s).

Times are whole half-lives apart so every decay factor is an exact power of two and the
expected sums are exact.
"""

from __future__ import annotations

import pytest

from streams.stages.state.decay import Decayed, update

H = 3600.0


@pytest.mark.parametrize(
    ("stories", "expected"),
    [
        # (t, s, w) in arrival order -> (N, D, B, T)
        pytest.param([(100.0, 0.5, 1.0)], (0.5, 1.0, 1.0, 100.0), id="first-event"),
        pytest.param(
            [(0.0, 1.0, 1.0), (H, -1.0, 1.0)], (-0.5, 1.5, 1.5, H), id="one-half-life-apart"
        ),
        pytest.param(
            [(H, -1.0, 1.0), (0.0, 1.0, 1.0)], (-0.5, 1.5, 1.5, H), id="late-one-half-life"
        ),
        pytest.param(
            [(10.0, 0.2, 1.0), (10.0, 0.4, 2.0)], (1.0, 3.0, 2.0, 10.0), id="equal-times-weighted"
        ),
        pytest.param(
            [(0.0, 0.4, 2.0), (2 * H, 0.0, 1.0)], (0.2, 1.5, 1.25, 2 * H), id="two-half-lives"
        ),
        pytest.param(
            [(2 * H, 0.0, 1.0), (H, 1.0, 1.0), (3 * H, 1.0, 1.0)],
            (1.25, 1.75, 1.75, 3 * H),  # late: N=.5 D=1.5 B=1.5 at 2H; then x.5 and +1
            id="late-then-in-order",
        ),
        pytest.param(
            [(0.0, 1.0, 1.0), (2000 * H, 0.5, 1.0)], (0.5, 1.0, 1.0, 2000 * H), id="underflow-new"
        ),
        pytest.param(
            [(2000 * H, 0.5, 1.0), (0.0, 1.0, 1.0)], (0.5, 1.0, 1.0, 2000 * H), id="underflow-late"
        ),
        pytest.param([(0.0, 0.9, 0.0)], (0.0, 0.0, 1.0, 0.0), id="zero-weight"),
    ],
)
def test_update(stories: list[tuple[float, float, float]], expected: tuple) -> None:
    d = Decayed()
    for t, s, w in stories:
        d = update(d, t, s, w, H)
    assert expected == (d.N, d.D, d.B, d.T)


@pytest.mark.parametrize(
    ("d", "score", "exposure", "buzz"),
    [
        (Decayed(), 0.0, 0.0, 0.0),  # empty: no weight, score 0
        (Decayed(-0.5, 1.5, 1.5, 0.0), -1 / 3, -0.5, 1.5),
        (Decayed(0.0, 0.0, 1.0, 0.0), 0.0, 0.0, 1.0),  # zero-weight stories only
    ],
)
def test_accessors(d: Decayed, score: float, exposure: float, buzz: float) -> None:
    assert d.score == pytest.approx(score, rel=1e-15)
    assert (d.exposure, d.buzz) == (exposure, buzz)


def test_empty_state_has_no_time() -> None:
    assert Decayed().T is None
