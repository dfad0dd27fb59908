"""Fixtures: certificates generated once per test session, and a fresh TLS test server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tls_pki import Pki, make_pki
from tls_server import TlsServer


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    """A CA, a server certificate for 127.0.0.1/localhost and a client certificate."""
    return make_pki(Path(tmp_path_factory.mktemp("pki")))


@pytest.fixture
def tls_server(pki: Pki) -> Iterator[TlsServer]:
    """osquery's TLS API on 127.0.0.1, stopped after the test."""
    server = TlsServer(pki).start()
    try:
        yield server
    finally:
        server.stop()
