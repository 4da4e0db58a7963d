"""Provider and precision choice, session options, CPU fallback."""

from __future__ import annotations

import logging
from pathlib import Path

import onnxruntime as ort
import pytest

from inference import runtime
from inference.runtime import CPU, CUDA, ModelError, choose_precision, choose_provider, open_session, session_options

TINY = Path(__file__).parent / "resources" / "tiny_model"


@pytest.mark.parametrize(
    ("requested", "available", "expected"),
    [
        (None, [CUDA, CPU], CUDA),
        (None, [CPU], CPU),
        ("cpu", [CUDA, CPU], CPU),
        ("CUDA", [CUDA, CPU], CUDA),
        (CPU, [CPU], CPU),
    ],
)
def test_choose_provider(requested: str | None, available: list[str], expected: str) -> None:
    assert choose_provider(requested, available) == expected


def test_explicit_provider_that_is_missing_is_an_error() -> None:
    with pytest.raises(ModelError, match="not available"):
        choose_provider("cuda", [CPU])


@pytest.mark.parametrize(
    ("files", "provider", "expected"),
    [
        (["int8", "fp16", "fp32"], CPU, "int8"),
        (["int8", "fp16", "fp32"], CUDA, "fp16"),
        (["int8", "fp32"], CUDA, "fp32"),
        (["fp16", "fp32"], CPU, "fp32"),
        (["fp16"], CPU, "fp16"),
    ],
)
def test_choose_precision(tmp_path: Path, files: list[str], provider: str, expected: str) -> None:
    for precision in files:
        (tmp_path / f"model_{precision}.onnx").touch()
    assert choose_precision(tmp_path, provider) == expected


def test_choose_precision_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no model_int8.onnx"):
        choose_precision(tmp_path, CPU)
    (tmp_path / "model_fp32.onnx").touch()
    with pytest.raises(ModelError, match="has: fp32"):
        choose_precision(tmp_path, CPU, "int8")


def test_session_options_fit_the_machine() -> None:
    options = session_options()
    assert 1 <= options.intra_op_num_threads <= 8
    assert options.inter_op_num_threads == 1
    assert options.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert session_options(3).intra_op_num_threads == 3


@pytest.mark.filterwarnings("ignore:Specified provider .CUDAExecutionProvider. is not in available")
def test_cuda_that_fails_to_start_falls_back_to_cpu(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    # Claim CUDA is available: the CPU-only onnxruntime here then runs the session on CPU, as
    # onnxruntime-gpu does when the CUDA libraries are missing.
    monkeypatch.setattr(runtime.ort, "get_available_providers", lambda: [CUDA, CPU])
    with caplog.at_level(logging.INFO, logger="inference.runtime"):
        session = open_session(TINY)
    assert (session.provider, session.precision) == (CPU, "fp32")
    assert any("falling back" in r.getMessage() for r in caplog.records)
    assert any("provider CPUExecutionProvider" in r.getMessage() for r in caplog.records)


def test_cpu_is_chosen_and_logged_without_cuda(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="inference.runtime"):
        session = open_session(TINY)
    assert session.provider == CPU
    assert session.input_names == {"input_ids", "attention_mask", "token_type_ids"}
    assert any(r.levelno == logging.INFO and CPU in r.getMessage() for r in caplog.records)
