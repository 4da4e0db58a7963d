"""`explained_kafka_errors`: a kafka-python error becomes one line with the cause the client
only logged (the log records here are the ones kafka-python writes, copied from a real run)."""

from __future__ import annotations

import logging

import pytest
from kafka.errors import KafkaTimeoutError

from streams.kafka.clients import KafkaUnreachable, explained_kafka_errors
from streams.settings import SecuritySettings

SASL = SecuritySettings(protocol="SASL_PLAINTEXT", sasl_username="u", sasl_password="not-it")


def test_a_refused_login_is_named() -> None:
    with pytest.raises(KafkaUnreachable) as raised, explained_kafka_errors("kafka://b:9093", SASL):
        logging.getLogger("kafka.net.connection").error(
            "<KafkaConnection node_id=bootstrap-0>: Connection lost: [Error 58] SaslAuthenticationFailedError: "
            "SaslAuthenticationFailedError: Authentication failed: Invalid username or password"
        )
        raise KafkaTimeoutError("Unable to bootstrap from b:9093")
    message = str(raised.value)
    assert message.startswith("cannot use Kafka at kafka://b:9093 over SASL_PLAINTEXT: SASL authentication failed")
    assert "Invalid username or password" in message and "not-it" not in message and "\n" not in message


def test_a_closed_connection_after_the_sasl_exchange_is_named() -> None:
    with pytest.raises(KafkaUnreachable, match="SASL authentication failed or was refused"), explained_kafka_errors("b:1", SASL):
        logging.getLogger("kafka.net.sasl.plain").warning("Sending username and password in the clear")
        logging.getLogger("kafka.net.transport").error("socket disconnected")
        raise KafkaTimeoutError("Unable to bootstrap from b:1")


def test_without_a_logged_cause_the_error_itself_is_shown() -> None:
    with (
        pytest.raises(KafkaUnreachable, match="over PLAINTEXT: KafkaTimeoutError"),
        explained_kafka_errors("b:1", SecuritySettings()),
    ):
        raise KafkaTimeoutError("Unable to bootstrap from b:1")


def test_other_errors_pass_through_and_the_handler_is_removed() -> None:
    before = list(logging.getLogger("kafka").handlers)
    with pytest.raises(ValueError), explained_kafka_errors("b:1", SASL):
        raise ValueError("not Kafka's")
    assert logging.getLogger("kafka").handlers == before
