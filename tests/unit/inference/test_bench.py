"""`tickertone model bench` on the tiny model: table, JSON, and a clean skip without torch."""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path

import pytest

from inference import bench

TINY = Path(__file__).parent / "resources" / "tiny_model"


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    return parser.parse_args(["--model", str(TINY), "--sentences", "40", "--seconds", "0.05", *argv])


def test_reports_every_batch_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bench.json"
    assert bench.run(_args("--batch-sizes", "1,8,32", "--json", str(out))) == 0
    result = json.loads(out.read_text())
    assert [r["batch_size"] for r in result["batches"]] == [1, 8, 32]
    assert all(r["sentences_per_s"] > 0 and r["p99_ms"] >= r["p50_ms"] > 0 for r in result["batches"])
    assert (result["provider"], result["precision"]) == ("CPUExecutionProvider", "fp32")
    assert "| 32 |" in capsys.readouterr().out


def test_compare_needs_the_hf_checkpoint(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.run(_args("--compare-pipeline")) == 2
    assert "--hf-model" in capsys.readouterr().out


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="torch is installed here")
def test_compare_is_skipped_cleanly_without_torch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bench.json"
    assert bench.run(_args("--batch-sizes", "8", "--compare-pipeline", "--hf-model", str(tmp_path), "--json", str(out))) == 0
    assert "skipped" in capsys.readouterr().out
    assert "skipped" in json.loads(out.read_text())["compare"]


def test_missing_model_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    assert bench.run(parser.parse_args(["--model", str(tmp_path)])) == 1
    assert "cannot load the model" in capsys.readouterr().out
