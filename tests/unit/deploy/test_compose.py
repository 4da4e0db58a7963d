"""docker-compose.yml: the services the stack needs, wired to the files they mount, and valid for
Docker Compose itself (`docker compose config -q`, skipped where no compose client exists)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from streams.settings.docs import variable_names

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = ROOT / "docker-compose.yml"
SAMPLE = "/app/streams/sample/benzinga_headlines.csv"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def _compose_command() -> list[str] | None:
    """`docker compose` (v2 plugin) where it works, else `docker-compose` (v1), else None."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True, check=False).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """container path -> host source, for `source:target[:mode]` volume entries."""
    out = {}
    for entry in service.get("volumes", []):
        source, target = entry.split(":")[:2]
        out[target] = source
    return out


def test_services(services: dict[str, Any]) -> None:
    assert set(services) == {"kafka", "worker", "worker-gpu", "replay", "prometheus", "grafana"}
    assert services["worker-gpu"]["profiles"] == ["gpu"]
    assert services["replay"]["profiles"] == ["demo"]
    for name in ("kafka", "worker", "prometheus", "grafana"):
        assert "profiles" not in services[name], f"{name} must start by default"


def test_images_are_pinned(services: dict[str, Any]) -> None:
    assert re.fullmatch(r"apache/kafka:\d+\.\d+\.\d+", services["kafka"]["image"])
    assert re.fullmatch(r"prom/prometheus:v\d+\.\d+\.\d+", services["prometheus"]["image"])
    assert re.fullmatch(r"grafana/grafana:\d+\.\d+\.\d+", services["grafana"]["image"])


def test_kafka_is_single_node_kraft(services: dict[str, Any]) -> None:
    env = services["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == 1
    assert env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == 1  # exactly-once needs transactions
    assert not any("ZOOKEEPER" in key for key in env)
    assert "healthcheck" in services["kafka"]


@pytest.mark.parametrize("name", ["worker", "worker-gpu", "replay"])
def test_tickertone_services_use_known_settings(services: dict[str, Any], name: str) -> None:
    env = services[name]["environment"]
    assert env["TICKERTONE_BROKER"] == "kafka://kafka:9092"
    known = variable_names()
    assert set(env) <= known, f"variables streams.settings does not read: {sorted(set(env) - known)}"
    assert services[name]["depends_on"]["kafka"]["condition"] == "service_healthy"


@pytest.mark.parametrize(("name", "dockerfile"), [("worker", "deploy/Dockerfile"), ("worker-gpu", "deploy/Dockerfile.gpu")])
def test_workers(services: dict[str, Any], name: str, dockerfile: str) -> None:
    service = services[name]
    assert service["build"] == {"context": ".", "dockerfile": dockerfile}
    assert (ROOT / dockerfile).is_file()
    assert service["environment"]["TICKERTONE_METRICS__ADDR"] == "0.0.0.0"  # reachable by Prometheus
    assert "ports" not in service, "metrics stay on the compose network"
    prometheus = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    (job,) = [job for job in prometheus["scrape_configs"] if job["job_name"] == "tickertone"]
    (sd,) = job["dns_sd_configs"]
    assert set(sd["names"]) <= set(service["networks"]["default"]["aliases"])
    assert sd["port"] == int(service["environment"]["TICKERTONE_METRICS__PORT"])


def test_gpu_worker_reserves_an_nvidia_gpu_and_installs_the_gpu_extra(services: dict[str, Any]) -> None:
    (device,) = services["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
    dockerfile = (ROOT / "deploy" / "Dockerfile.gpu").read_text(encoding="utf-8")
    assert '".[gpu' in dockerfile
    assert "pip uninstall -y onnxruntime" in dockerfile  # the CPU package would shadow the GPU one


def test_replay_publishes_the_bundled_sample(services: dict[str, Any]) -> None:
    command = services["replay"]["command"]
    assert command[:2] == ["replay", SAMPLE]
    assert (ROOT / SAMPLE.removeprefix("/app/")).is_file()
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY streams/sample /app/streams/sample" in dockerfile
    assert 'ENTRYPOINT ["tickertone"]' in dockerfile


def test_prometheus_mounts_its_config(services: dict[str, Any]) -> None:
    service = services["prometheus"]
    config = next(arg for arg in service["command"] if arg.startswith("--config.file="))
    config_dir = str(Path(config.split("=", 1)[1]).parent)
    assert _mounts(service)[config_dir] == "./deploy/prometheus"


def test_grafana_mounts_provisioning_and_dashboards(services: dict[str, Any]) -> None:
    mounts = _mounts(services["grafana"])
    assert mounts["/etc/grafana/provisioning"] == "./deploy/grafana/provisioning"
    provider = yaml.safe_load((ROOT / "deploy/grafana/provisioning/dashboards/tickertone.yml").read_text(encoding="utf-8"))
    path = provider["providers"][0]["options"]["path"]
    assert mounts[path] == "./deploy/grafana/dashboards"
    home = services["grafana"]["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert (ROOT / "deploy/grafana/dashboards" / Path(home).relative_to(path)).is_file()


def test_published_ports_are_loopback_only(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on all interfaces"


@pytest.mark.parametrize("profiles", [[], ["--profile", "gpu", "--profile", "demo"]], ids=["default", "gpu+demo"])
def test_docker_compose_config_is_valid(profiles: list[str]) -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("no docker compose client (docker compose plugin or docker-compose)")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TICKERTONE_", "COMPOSE_"))}
    env["GRAFANA_ADMIN_PASSWORD"] = "from-the-operator"  # required: the stack ships no default
    result = subprocess.run(
        [*command, "-f", str(COMPOSE), *profiles, "config", "-q"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_grafana_has_no_default_admin_password() -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("no docker compose client (docker compose plugin or docker-compose)")
    env = {key: value for key, value in os.environ.items() if key != "GRAFANA_ADMIN_PASSWORD"}
    result = subprocess.run(
        [*command, "-f", str(COMPOSE), "config", "-q"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "GRAFANA_ADMIN_PASSWORD" in result.stderr


def test_every_service_that_talks_to_kafka_gets_the_security_settings(services: dict[str, Any]) -> None:
    for name in ("worker", "worker-gpu", "replay"):
        env = services[name]["environment"]
        assert {
            f"TICKERTONE_SECURITY__{key}"
            for key in (
                "PROTOCOL",
                "SASL_MECHANISM",
                "SASL_USERNAME",
                "SASL_PASSWORD",
                "SSL_CAFILE",
                "SSL_CERTFILE",
                "SSL_KEYFILE",
                "SSL_KEY_PASSWORD",
            )
        } <= set(env), name


@pytest.mark.parametrize("name", ["worker", "worker-gpu"])
def test_worker_health_is_the_event_loop_not_just_the_metrics_thread(services: dict[str, Any], name: str) -> None:
    check = services[name]["healthcheck"]
    assert check["test"] == ["CMD", "tickertone", "health"]
    assert "TICKERTONE_METRICS__HEALTH_MAX_LAG_S" in services[name]["environment"]
    for dockerfile in ("deploy/Dockerfile", "deploy/Dockerfile.gpu"):
        assert 'CMD ["tickertone", "health"]' in (ROOT / dockerfile).read_text(encoding="utf-8")
