"""lxd_certificates: GET /1.0/certificates."""

from __future__ import annotations

from hostql.tables.containers.lxd_certificates import lxd_certificates


def test_certificates(lxd, query) -> None:
    rows, warnings = query(lxd_certificates, flags=lxd.flags, columns="name, type, fingerprint")
    assert rows == [
        {
            "name": "admin-laptop",
            "type": "client",
            "fingerprint": "2c0e48f9ac4bbe0787409a6c1f2118e20549a7efa860c30487301923596914b5",
        },
        {
            "name": "node2",
            "type": "server",
            "fingerprint": "54939891561996b6df3344f68595a7c3c13657425e31af055029e1a658a2c1e3",
        },
    ]
    assert warnings == []
    rows, _ = query(lxd_certificates, "name = 'node2'", flags=lxd.flags, columns="certificate")
    assert rows == [
        {
            "certificate": "-----BEGIN CERTIFICATE-----\n"
            "MIIB5jCCAWygAwIBAgIRAO0tmKd5cOzS0O4pCg1BFxQwCgYIKoZIzj0EAwMwNDEc\n"
            "-----END CERTIFICATE-----\n"
        }
    ]
