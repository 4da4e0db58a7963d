"""The built wheel outside the clone: it carries the model, the schemas, the broker's Maven pom
and log4j config and the sample data, and a worker started from an empty directory comes up
with its state under the user's state directory."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from support.paths import REPO
from support.worker import free_port, topic_env, wait_until

CARRIED = (
    "inference/model/model_int8.onnx",
    "inference/model/tokenizer.json",
    "inference/model/config.json",
    "schemas/news_item.schema.json",
    "schemas/alert.schema.json",
    "schemas/http/ticker_state.schema.json",
    "streams/broker/pom.xml",
    "streams/broker/log4j2.yaml",
    "streams/sample/benzinga_headlines.csv",
    "streams/sample/malformed.jsonl",
    "streams/sample/prices/spy.us.txt",
    "streams/stages/exchanges.csv",
    "streams/py.typed",
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from the clone and unpacked into its own directory (no dependencies:
    those come from the test environment)."""
    work = tmp_path_factory.mktemp("wheel")
    # A copy of the sources: setuptools builds in the source tree, and a build/ left there from an
    # earlier build would carry modules that no longer exist into the wheel.
    source = work / "source"
    skipped = shutil.ignore_patterns(".git", ".venv*", "build", "dist", "*.egg-info", "var", "__pycache__")
    shutil.copytree(REPO, source, ignore=skipped)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), str(source)],
        check=True, timeout=600, capture_output=True,
    )
    (wheel,) = (work / "dist").glob("tickertone-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in CARRIED if name not in names]
    assert not missing, f"the wheel lacks {missing}"
    assert not any(name.startswith(("tests/", "benchmarks/", "deploy/", "reports/")) for name in names)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(work / "site"), str(wheel)],
        check=True, timeout=300, capture_output=True,
    )
    return work / "site"


def _env(site: Path, state: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("TICKERTONE_")}
    return {**env, "PYTHONPATH": str(site), "XDG_STATE_HOME": str(state), **extra}


def test_the_installed_package_finds_its_data_from_an_empty_directory(installed: Path, tmp_path: Path) -> None:
    code = (
        "import streams, inference, schemas\n"
        "from streams.broker.jars import POM, kafka_version\n"
        "from inference.scorer import BUNDLED_MODEL\n"
        "from streams.stages.exchange_time import BUNDLED_MAP\n"
        "from streams.evaluate import BUNDLED_NEWS\n"
        "print(streams.__file__)\n"
        "assert POM.is_file() and kafka_version()\n"
        "assert (BUNDLED_MODEL / 'model_int8.onnx').is_file() and BUNDLED_MAP.is_file() and BUNDLED_NEWS.is_file()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=_env(installed, tmp_path / "state"),
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).is_relative_to(installed)


def test_a_worker_comes_up_from_an_empty_directory(
    installed: Path, kafka_bootstrap: str, unique_prefix: str, tmp_path: Path
) -> None:
    empty, state = tmp_path / "empty", tmp_path / "state"
    empty.mkdir()
    env = _env(
        installed, state,
        TICKERTONE_BROKER=f"kafka://{kafka_bootstrap}",
        TICKERTONE_APP_ID=f"{unique_prefix}app",
        TICKERTONE_STAGES="ingest",
        TICKERTONE_METRICS__PORT=str(free_port()),
        TICKERTONE_HTTP__PORT=str(free_port()),
        **topic_env(unique_prefix),
    )
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        command = [sys.executable, "-m", "streams", "worker"]
        worker = subprocess.Popen(command, cwd=empty, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            ready = wait_until(lambda: worker.poll() is not None or "Ready" in log.read_text(errors="replace"), 120)
            text = log.read_text(errors="replace")
            assert ready and worker.poll() is None, text[-3000:]
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
    data_dir = state / "tickertone" / "worker"
    assert data_dir.is_dir()
    assert f"worker state in {data_dir}" in text
    assert list(empty.iterdir()) == [], "the worker wrote into the directory it was started from"
