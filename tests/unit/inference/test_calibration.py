"""Temperature scaling and ECE (`inference.calibration`); expected values by hand or by scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax

from inference.calibration import expected_calibration_error, fit_temperature, nll, softmax


def test_ece_by_hand() -> None:
    # Confidences 0.9 (right), 0.9 (wrong), 0.6 (right), 0.6 (right) with 10 bins:
    # bin (0.8, 0.9]: acc 0.5, conf 0.9 -> 0.5 * 0.4; bin (0.5, 0.6]: acc 1.0, conf 0.6 -> 0.5 * 0.4.
    probs = np.array([[0.9, 0.05, 0.05], [0.9, 0.05, 0.05], [0.2, 0.6, 0.2], [0.2, 0.2, 0.6]])
    gold = np.array([0, 1, 1, 2])
    assert expected_calibration_error(probs, gold, bins=10) == pytest.approx(0.4)


def test_ece_of_a_perfectly_calibrated_bin_is_zero() -> None:
    probs = np.array([[0.5, 0.3, 0.2]] * 4)
    assert expected_calibration_error(probs, np.array([0, 0, 1, 2]), bins=10) == pytest.approx(0.0)


def test_nll_matches_scipy() -> None:
    rng = np.random.default_rng(1)
    logits, gold = rng.normal(size=(50, 3)) * 3, rng.integers(0, 3, 50)
    expected = -np.mean(log_softmax(logits / 1.7, axis=1)[np.arange(50), gold])
    assert nll(logits, gold, 1.7) == pytest.approx(expected)


def test_fitted_temperature_is_scipys_minimiser() -> None:
    rng = np.random.default_rng(7)
    logits = rng.normal(size=(2000, 3)) * 4
    true_t = 2.5  # labels drawn from softmax(logits / 2.5): the raw logits are overconfident
    p = softmax(logits, true_t)
    gold = np.array([rng.choice(3, p=row) for row in p])
    best = minimize_scalar(lambda log_t: nll(logits, gold, math.exp(log_t)), bounds=(-3, 3), method="bounded")
    fitted = fit_temperature(logits, gold)
    assert fitted == pytest.approx(math.exp(best.x), rel=1e-3)
    assert fitted == pytest.approx(true_t, rel=0.15)
    assert expected_calibration_error(softmax(logits, fitted), gold) < expected_calibration_error(softmax(logits), gold)


def test_temperature_never_changes_the_predicted_label() -> None:
    logits = np.random.default_rng(3).normal(size=(100, 3))
    assert (softmax(logits, 0.3).argmax(1) == softmax(logits, 4.0).argmax(1)).all()
