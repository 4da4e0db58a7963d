"""Exponentially decayed sums for one half-life (DESIGN.md "Per-ticker state").

Invariant: after any set of stories, in any arrival order, with `T` the latest story time,
`N = sum(w*s*2**(-(T-t)/h))`, `D = sum(w*2**(-(T-t)/h))`, `B = sum(2**(-(T-t)/h))` (equal up to
float rounding). In-order stories take the first branch of `update`, late ones the second.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Decayed", "update"]


@dataclass(frozen=True, slots=True)
class Decayed:
    """Decayed sums `N` (score), `D` (weight), `B` (count) as of state time `T`.

    `T` is None before the first story: the empty state has no time, so the first story's
    decay factor is 0 (the `2**(-inf)` of an infinitely old state) without computing one.
    """

    N: float = 0.0
    D: float = 0.0
    B: float = 0.0
    T: float | None = None

    @property
    def score(self) -> float:
        """Decay-weighted mean score `N / D`; 0.0 when there is no weight."""
        return self.N / self.D if self.D > 0.0 else 0.0

    @property
    def exposure(self) -> float:
        """Decayed sum of weighted scores, `N`."""
        return self.N

    @property
    def buzz(self) -> float:
        """Decayed story count, `B`."""
        return self.B


def update(d: Decayed, t: float, s: float, w: float, half_life: float) -> Decayed:
    """Add a story (time `t`, score `s`, weight `w`) to `d`: DESIGN's two branches, exactly."""
    if d.T is None:
        return Decayed(w * s, w, 1.0, t)
    if t >= d.T:
        f = 2.0 ** (-(t - d.T) / half_life)
        return Decayed(d.N * f + w * s, d.D * f + w, d.B * f + 1.0, t)
    f = 2.0 ** (-(d.T - t) / half_life)  # late story: decay it to the state time instead
    return Decayed(d.N + w * s * f, d.D + w * f, d.B + f, d.T)
