"""The embedded broker's class path: Apache Kafka's jars from Maven Central, fetched once.

`pom.xml` beside this module names the Kafka version and the logging binding; Maven resolves
them and their runtime dependencies (`mvn dependency:copy-dependencies`) into a cache outside
the package. Steps of `fetch_jars`:

1. The cache directory is `kafka_cache_dir(version)` (see `streams.settings.paths`).
2. If its `.complete` marker holds the pom's SHA-256, the cache is complete: return it.
3. Otherwise copy the pom into a scratch directory (the package may be read-only), let Maven
   copy the jars into a fresh sibling of the cache, write the marker there, and swap it in.

A failed or interrupted fetch therefore never leaves a cache that looks complete, and a pom
edit (a version bump) invalidates the cache. `tickertone broker --fetch-only` fetches and
prints the directory (`make kafka` runs it).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from schemas.errors import TickertoneError
from streams.settings.paths import kafka_cache_dir

__all__ = ["POM", "LOG4J_CONFIG", "JarsError", "fetch_jars", "kafka_version"]

POM = Path(__file__).with_name("pom.xml")
LOG4J_CONFIG = Path(__file__).with_name("log4j2.yaml")
_MARKER = ".complete"


class JarsError(TickertoneError):
    """Kafka's jars could not be fetched.

    Operators: Maven (`mvn`) and access to Maven Central are needed once; the message carries
    Maven's last lines. Or point the broker at a directory of Kafka's jars (`jars=`).
    """


def kafka_version(pom: Path = POM) -> str:
    """The Kafka version the pom asks for (its `<kafka.version>` property)."""
    match = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", pom.read_text(encoding="utf-8"))
    if match is None:
        raise JarsError(f"{pom} has no <kafka.version> property")
    return match.group(1).strip()


def fetch_jars(cache: Path | None = None, pom: Path = POM) -> Path:
    """The directory holding Kafka's jars, fetched with Maven on first use (module docstring)."""
    cache = cache or kafka_cache_dir(kafka_version(pom))
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()
    marker = cache / _MARKER
    if marker.is_file() and marker.read_text().strip() == digest:
        return cache
    mvn = shutil.which("mvn")
    if mvn is None:
        raise JarsError(f"Maven (mvn) is needed once to download the Kafka {kafka_version(pom)} jars into {cache}")
    cache.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{cache.name}.tmp.", dir=cache.parent))
    try:
        with tempfile.TemporaryDirectory() as scratch:
            local_pom = Path(scratch) / "pom.xml"
            shutil.copyfile(pom, local_pom)
            command = [mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(local_pom), "dependency:copy-dependencies",
                       "-DincludeScope=runtime", f"-DoutputDirectory={staging}"]
            done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise JarsError(f"Maven could not fetch the Kafka jars: {(done.stderr or done.stdout).strip()[-2000:]}")
        (staging / _MARKER).write_text(digest + "\n")
        staging.chmod(0o755)
        shutil.rmtree(cache, ignore_errors=True)
        staging.rename(cache)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return cache

