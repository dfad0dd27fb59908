"""etc_services: /etc/services parsed as osquery does; live check against getent."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hostql.tables.networking.etc_services import etc_services
from hostql.testing import run_table

SERVICES = """\
# Network services
tcpmux\t\t1/tcp\t\t\t\t# TCP port service multiplexer
echo\t\t7/tcp
smtp  25/tcp  mail mailer # Simple Mail # Transfer
bad-port 80
also/bad 1/2/3
http 80/tcp www # WorldWideWeb HTTP
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "services").write_text(SERVICES)
    return tmp_path


def test_rows(root: Path) -> None:
    assert run_table(etc_services, root=root) == [
        {"name": "tcpmux", "port": 1, "protocol": "tcp", "aliases": "",
         "comment": "TCP port service multiplexer"},
        {"name": "echo", "port": 7, "protocol": "tcp", "aliases": "", "comment": None},
        {"name": "smtp", "port": 25, "protocol": "tcp", "aliases": "mail mailer",
         "comment": "Simple Mail # Transfer"},
        {"name": "http", "port": 80, "protocol": "tcp", "aliases": "www",
         "comment": "WorldWideWeb HTTP"},
    ]  # fmt: skip


def test_where_filters(root: Path) -> None:
    assert run_table(etc_services, "aliases LIKE '%mail%'", root=root, columns="port") == [
        {"port": 25}
    ]


@pytest.mark.live
def test_live_matches_getent() -> None:
    if not shutil.which("getent") or not Path("/etc/services").exists():
        pytest.skip("getent or /etc/services missing")
    out = subprocess.run(["getent", "services"], capture_output=True, text=True).stdout
    expected = set()
    for line in out.splitlines():
        name, port_protocol, *aliases = line.split()
        port, protocol = port_protocol.split("/")
        expected.add((name, int(port), protocol, " ".join(aliases)))
    rows = run_table(etc_services)
    assert {(r["name"], r["port"], r["protocol"], r["aliases"]) for r in rows} == expected
