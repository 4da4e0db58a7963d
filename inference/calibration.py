"""Probability calibration of a classifier by temperature scaling (Guo et al., 2017), pure numpy.

`fit_temperature(logits, gold)` picks the T > 0 that minimises the negative log-likelihood of
`softmax(logits / T)` on a held-out split (golden-section search on log T: the NLL is convex
in 1/T). `expected_calibration_error(probs, gold)` is the top-label ECE with `bins` equal-width
confidence bins: sum over bins of (bin size / n) * |accuracy(bin) - mean confidence(bin)|.
Temperature changes confidences, never the predicted label.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["expected_calibration_error", "fit_temperature", "nll", "softmax"]

T_RANGE = (0.05, 20.0)


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Row-wise softmax of `logits / temperature`, in float64."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return out


def nll(logits: np.ndarray, gold: np.ndarray, temperature: float = 1.0) -> float:
    """Mean negative log-likelihood of the gold class indices."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(z).sum(axis=1))
    return float(np.mean(log_norm - z[np.arange(len(gold)), gold]))


def fit_temperature(logits: np.ndarray, gold: np.ndarray, tolerance: float = 1e-4) -> float:
    """The temperature in `T_RANGE` with the least NLL on (logits, gold)."""
    if len(gold) == 0:
        raise ValueError("no examples to calibrate on")
    lo, hi = math.log(T_RANGE[0]), math.log(T_RANGE[1])
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = nll(logits, gold, math.exp(a)), nll(logits, gold, math.exp(b))
    while hi - lo > tolerance:
        if fa <= fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = nll(logits, gold, math.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = nll(logits, gold, math.exp(b))
    return math.exp((lo + hi) / 2.0)


def expected_calibration_error(probs: np.ndarray, gold: np.ndarray, bins: int = 15) -> float:
    """Top-label ECE over `bins` equal-width bins of confidence in (0, 1]."""
    probs = np.asarray(probs, dtype=np.float64)
    if len(gold) == 0:
        raise ValueError("no examples")
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == np.asarray(gold)
    # Bin i holds confidences in (i/bins, (i+1)/bins]; a confidence of exactly 0 cannot occur.
    index = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)
    ece = 0.0
    for i in range(bins):
        members = index == i
        if members.any():
            ece += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return float(ece)
