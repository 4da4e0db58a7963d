"""ONNX Runtime sessions: provider and precision choice, thread settings, IO binding.

Provider order is CUDA, then CPU; an explicit provider is used as given or fails. The
precision follows the provider: fp16 on CUDA, int8 on CPU, else whatever the model dir has.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import onnxruntime as ort

from inference.errors import ModelError

__all__ = [
    "CPU",
    "CUDA",
    "PRECISIONS",
    "LogitsSession",
    "ModelError",
    "OrtSession",
    "choose_precision",
    "choose_provider",
    "default_intra_op_threads",
    "open_session",
    "session_options",
]

log = logging.getLogger(__name__)

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"
PRECISIONS = ("int8", "fp16", "fp32")
_ALIASES = {"cuda": CUDA, "gpu": CUDA, "cpu": CPU}
# Preferred precision per provider, best first. int8 (static QDQ quantization) has no fast CUDA
# kernels and fp16 has no fast CPU kernels, so each is the other's last resort.
_PRECISION_ORDER = {CUDA: ("fp16", "fp32", "int8"), CPU: ("int8", "fp32", "fp16")}
# More intra-op threads than this stop paying for sentence-sized matmuls and take cores from
# the worker's event loop.
_MAX_INTRA_OP_THREADS = 8
_NUMPY_INT = {"tensor(int64)": np.int64, "tensor(int32)": np.int32}


class LogitsSession(Protocol):
    """What the scorer needs from a model session: named int inputs in, logits out."""

    @property
    def input_names(self) -> frozenset[str]: ...

    def run(self, feeds: Mapping[str, np.ndarray]) -> np.ndarray:
        """Logits (batch, num_labels) for int64 feeds (batch, width)."""
        ...


class OrtSession:
    """An onnxruntime session behind `LogitsSession`; IO binding on CUDA."""

    def __init__(self, session: ort.InferenceSession, precision: str) -> None:
        self._session = session
        self.precision = precision
        self.provider: str = session.get_providers()[0]
        inputs = session.get_inputs()
        unsupported = [f"{i.name}: {i.type}" for i in inputs if i.type not in _NUMPY_INT]
        if unsupported:
            raise ModelError(f"model inputs must be integer token tensors, got {', '.join(unsupported)}")
        self._input_types = {i.name: _NUMPY_INT[i.type] for i in inputs}
        outputs = [o.name for o in session.get_outputs()]
        self._output = "logits" if "logits" in outputs else outputs[0]

    @property
    def input_names(self) -> frozenset[str]:
        return frozenset(self._input_types)

    def run(self, feeds: Mapping[str, np.ndarray]) -> np.ndarray:
        typed = {name: np.ascontiguousarray(feeds[name], dtype=dtype) for name, dtype in self._input_types.items()}
        if self.provider == CUDA:
            return self._run_bound(typed)
        (logits,) = self._session.run([self._output], typed)
        return np.asarray(logits, dtype=np.float32)

    def _run_bound(self, feeds: Mapping[str, np.ndarray]) -> np.ndarray:
        # IO binding copies the inputs to the device once and skips the per-run output
        # allocation and the provider's own copy logic.
        binding = self._session.io_binding()
        for name, array in feeds.items():
            binding.bind_cpu_input(name, array)
        binding.bind_output(self._output, "cpu")
        self._session.run_with_iobinding(binding)
        return np.asarray(binding.copy_outputs_to_cpu()[0], dtype=np.float32)


def choose_provider(requested: str | None, available: Sequence[str]) -> str:
    """The provider to use: `requested` (aliases cpu/cuda/gpu) if available, else CUDA, else CPU."""
    if requested is not None:
        name = _ALIASES.get(requested.lower(), requested)
        if name not in available:
            raise ModelError(f"provider {requested!r} is not available here (available: {', '.join(available)})")
        return name
    return CUDA if CUDA in available else CPU


def choose_precision(model_dir: Path, provider: str, requested: str | None = None) -> str:
    """The precision whose `model_<precision>.onnx` to load for `provider`."""
    present = [p for p in PRECISIONS if (model_dir / f"model_{p}.onnx").is_file()]
    if requested is not None:
        if requested not in present:
            raise ModelError(f"{model_dir} has no model_{requested}.onnx (has: {', '.join(present) or 'none'})")
        return requested
    for precision in _PRECISION_ORDER.get(provider, _PRECISION_ORDER[CPU]):
        if precision in present:
            return precision
    raise ModelError(f"{model_dir} has no model_int8.onnx, model_fp16.onnx or model_fp32.onnx")


OPTIMIZATION_LEVELS = {
    "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
    "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
    "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
}


def session_options(intra_op_threads: int | None = None, optimization: str = "all") -> ort.SessionOptions:
    """Options sized for this machine: intra-op threads = usable cores (capped), inter-op 1;
    graph optimizations `optimization` (a key of OPTIMIZATION_LEVELS)."""
    options = ort.SessionOptions()
    options.graph_optimization_level = OPTIMIZATION_LEVELS[optimization]
    options.intra_op_num_threads = intra_op_threads or default_intra_op_threads()
    # One graph branch at a time: BERT is a chain, parallel branches only add thread churn.
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # Idle intra-op threads would otherwise spin between runs and starve the worker's event
    # loop, which shares these cores.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def open_session(
    model_dir: Path,
    provider: str | None = None,
    precision: str | None = None,
    *,
    intra_op_threads: int | None = None,
    optimization: str = "all",
) -> OrtSession:
    """Open the model in `model_dir` on the chosen provider; logs the choice at INFO.

    With no explicit provider, a CUDA provider that fails to initialise (missing CUDA
    libraries: onnxruntime then silently runs on CPU) is replaced by a CPU session with the
    CPU precision.
    """
    chosen = choose_provider(provider, ort.get_available_providers())
    session = _open(model_dir, chosen, choose_precision(model_dir, chosen, precision), intra_op_threads, optimization)
    if session.provider != chosen:
        if provider is not None:
            raise ModelError(f"provider {chosen} failed to initialise (onnxruntime fell back to {session.provider})")
        log.warning("%s failed to initialise; falling back to %s", chosen, CPU)
        session = _open(model_dir, CPU, choose_precision(model_dir, CPU, precision), intra_op_threads, optimization)
    log.info("model %s: provider %s, precision %s", model_dir, session.provider, session.precision)
    return session


def _open(model_dir: Path, provider: str, precision: str, intra_op_threads: int | None, optimization: str) -> OrtSession:
    providers = [provider] if provider == CPU else [provider, CPU]
    path = model_dir / f"model_{precision}.onnx"
    try:
        session = ort.InferenceSession(str(path), session_options(intra_op_threads, optimization), providers=providers)
    except Exception as exc:  # onnxruntime raises bare RuntimeError subclasses for bad files
        raise ModelError(f"cannot load {path}: {exc}") from exc
    return OrtSession(session, precision)


def default_intra_op_threads() -> int:
    """The cores this process may use (affinity mask, as taskset/cpusets set it), capped."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return min(cores, _MAX_INTRA_OP_THREADS)
