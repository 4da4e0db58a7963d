"""How every Kafka client is configured from `Settings`: the bootstrap list and the security
settings, in Faust's terms (the worker) and in kafka-python's (topic admin, replay, tail).

Both get the same protocol and mechanism: Faust defaults a SASL mechanism to PLAIN while
kafka-python has no default, so the mechanism is always passed explicitly.
"""

from __future__ import annotations

import logging
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from kafka.errors import KafkaError

from schemas.errors import TickertoneError
from streams.settings import SecuritySettings

if TYPE_CHECKING:
    from faust.types.auth import CredentialsT

__all__ = ["KafkaUnreachable", "bootstrap_servers", "explained_kafka_errors", "faust_credentials", "kafka_python_config"]


class KafkaUnreachable(TickertoneError):
    """A Kafka client could not bootstrap. The message says why when the client only logged
    it (a refused authentication, a TLS failure): check the broker address and the
    `TICKERTONE_SECURITY__*` settings it names."""


# What kafka-python logs, but does not raise, when a connection is refused for a reason.
_CAUSES = (
    (re.compile(r"Authentication failed[^)\]]*", re.IGNORECASE), "SASL authentication failed"),
    (re.compile(r"SSL\w*Error[^)\]]*|certificate verify failed[^)\]]*", re.IGNORECASE), "TLS failed"),
)


class _Causes(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.found: list[str] = []
        self.sasl_tried = False  # kafka-python's SASL modules logged: the exchange began

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("kafka.net.sasl") or record.name.startswith("kafka.sasl"):
            self.sasl_tried = True
        text = record.getMessage()
        for pattern, label in _CAUSES:
            match = pattern.search(text)
            if match and len(self.found) < 8:
                self.found.append(f"{label} ({match.group(0).strip()})")


@contextmanager
def explained_kafka_errors(bootstrap: str, security: SecuritySettings) -> Iterator[None]:
    """Turn a kafka-python error raised inside into `KafkaUnreachable`: one line with the
    bootstrap, the security protocol and the cause kafka-python only logged, if any."""
    causes = _Causes()
    logger = logging.getLogger("kafka")
    logger.addHandler(causes)
    try:
        yield
    except KafkaError as error:
        if causes.found:
            why = causes.found[-1]
        elif causes.sasl_tried and security.protocol.startswith("SASL"):
            # Some brokers and request versions just close the connection on a refused login.
            why = f"SASL authentication failed or was refused (the broker closed the connection; {error})"
        else:
            why = f"{type(error).__name__}: {error}"
        hint = " (check TICKERTONE_SECURITY__SASL_USERNAME and __SASL_PASSWORD)" if "SASL" in why else ""
        raise KafkaUnreachable(f"cannot use Kafka at {bootstrap} over {security.protocol}: {why}{hint}") from error
    finally:
        logger.removeHandler(causes)


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
    if security.ssl_certfile is not None:
        config["ssl_certfile"] = str(security.ssl_certfile)
        config["ssl_keyfile"] = str(security.ssl_keyfile or security.ssl_certfile)
        if security.ssl_key_password is not None:
            config["ssl_password"] = security.ssl_key_password.get_secret_value()
    return config


def faust_credentials(security: SecuritySettings) -> CredentialsT | None:
    """Faust's `broker_credentials`; None for PLAINTEXT."""
    import faust  # only the worker needs Faust; the tools import this module too

    if security.protocol == "PLAINTEXT":
        return None
    ssl_context = None
    if security.protocol.endswith("SSL"):
        ssl_context = ssl.create_default_context(cafile=str(security.ssl_cafile) if security.ssl_cafile else None)
        if security.ssl_certfile is not None:  # a client certificate, for brokers that require one
            password = security.ssl_key_password.get_secret_value() if security.ssl_key_password is not None else None
            ssl_context.load_cert_chain(str(security.ssl_certfile), security.ssl_keyfile and str(security.ssl_keyfile), password)
    if security.protocol.startswith("SASL"):
        password = security.sasl_password.get_secret_value() if security.sasl_password is not None else None
        return faust.SASLCredentials(
            username=security.sasl_username,
            password=password,
            mechanism=security.sasl_mechanism,
            ssl_context=ssl_context,
        )
    return faust.SSLCredentials(ssl_context)
