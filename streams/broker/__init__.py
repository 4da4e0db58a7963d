"""The embedded single-node Apache Kafka broker (KRaft) for the demo, local runs and tests.

- `embedded`: `EmbeddedBroker`, start/stop one node in a data directory;
- `jars`: Kafka's jars from Maven Central (`pom.xml`), fetched once into a cache;
- `properties`: the node's `server.properties`;
- `foreground`: `tickertone broker`.

`pom.xml` and `log4j2.yaml` ship inside the package, so an installed wheel runs the broker.
"""

from streams.broker.embedded import BrokerError, EmbeddedBroker, JavaNotFound
from streams.broker.jars import JarsError, fetch_jars

__all__ = ["BrokerError", "EmbeddedBroker", "JarsError", "JavaNotFound", "fetch_jars"]
