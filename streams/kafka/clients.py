"""How every Kafka client is configured from `Settings`: the bootstrap list and the security
settings, in Faust's terms (the worker) and in kafka-python's (topic admin, replay, tail).

Both get the same protocol and mechanism: Faust defaults a SASL mechanism to PLAIN while
kafka-python has no default, so the mechanism is always passed explicitly.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any

from streams.settings import SecuritySettings

if TYPE_CHECKING:
    from faust.types.auth import CredentialsT

__all__ = ["bootstrap_servers", "faust_credentials", "kafka_python_config"]


def bootstrap_servers(broker_url: str) -> str:
    """`kafka://a:9092;kafka://b:9092` (Faust's form) -> `a:9092,b:9092` (Kafka clients' form)."""
    hosts = []
    for part in broker_url.replace(",", ";").split(";"):
        part = part.strip()
        if part:
            hosts.append(part.split("://", 1)[-1])
    return ",".join(hosts)


def kafka_python_config(security: SecuritySettings) -> dict[str, Any]:
    """Keyword arguments for kafka-python's clients; empty for PLAINTEXT."""
    if security.protocol == "PLAINTEXT":
        return {}
    config: dict[str, Any] = {"security_protocol": security.protocol}
    if security.protocol.startswith("SASL"):
        config["sasl_mechanism"] = security.sasl_mechanism
        config["sasl_plain_username"] = security.sasl_username
        if security.sasl_password is not None:
            config["sasl_plain_password"] = security.sasl_password.get_secret_value()
    if security.ssl_cafile is not None:
        config["ssl_cafile"] = str(security.ssl_cafile)
    return config


def faust_credentials(security: SecuritySettings) -> CredentialsT | None:
    """Faust's `broker_credentials`; None for PLAINTEXT."""
    import faust  # only the worker needs Faust; the tools import this module too

    if security.protocol == "PLAINTEXT":
        return None
    ssl_context = None
    if security.protocol.endswith("SSL"):
        ssl_context = ssl.create_default_context(cafile=str(security.ssl_cafile) if security.ssl_cafile else None)
    if security.protocol.startswith("SASL"):
        password = security.sasl_password.get_secret_value() if security.sasl_password is not None else None
        return faust.SASLCredentials(
            username=security.sasl_username,
            password=password,
            mechanism=security.sasl_mechanism,
            ssl_context=ssl_context,
        )
    return faust.SSLCredentials(ssl_context)
