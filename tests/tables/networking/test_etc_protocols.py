"""etc_protocols: /etc/protocols parsed as osquery does; live check against getent."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hostql.tables.networking.etc_protocols import etc_protocols
from hostql.testing import run_table

PROTOCOLS = """\
# Internet (IP) protocols
ip\t0\tIP\t\t# internet protocol, pseudo protocol number
icmp 1 ICMP # internet control # message protocol
\x20\x20
tcp 6 TCP
udp\t17\tUDP UDP-ALIAS\t# user datagram protocol
broken
x 300
# closing comment
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "protocols").write_text(PROTOCOLS)
    return tmp_path


def test_rows(root: Path) -> None:
    assert run_table(etc_protocols, root=root) == [
        {"name": "ip", "number": 0, "alias": "IP",
         "comment": "internet protocol, pseudo protocol number"},
        {"name": "icmp", "number": 1, "alias": "ICMP",
         "comment": "internet control # message protocol"},
        {"name": "tcp", "number": 6, "alias": "TCP", "comment": None},
        {"name": "udp", "number": 17, "alias": "UDP", "comment": "user datagram protocol"},
        {"name": "x", "number": 300, "alias": None, "comment": None},
    ]  # fmt: skip


def test_where_filters(root: Path) -> None:
    assert run_table(etc_protocols, "number = ?", 6, root=root, columns="name") == [{"name": "tcp"}]


def test_missing_file_gives_no_rows(tmp_path: Path) -> None:
    assert run_table(etc_protocols, root=tmp_path) == []


@pytest.mark.live
def test_live_matches_getent() -> None:
    if not shutil.which("getent") or not Path("/etc/protocols").exists():
        pytest.skip("getent or /etc/protocols missing")
    out = subprocess.run(["getent", "protocols"], capture_output=True, text=True).stdout
    expected = set()
    for line in out.splitlines():
        fields = line.split()
        expected.add((fields[0], int(fields[1]), fields[2] if len(fields) > 2 else None))
    rows = run_table(etc_protocols)
    assert {(r["name"], r["number"], r["alias"]) for r in rows} == expected
