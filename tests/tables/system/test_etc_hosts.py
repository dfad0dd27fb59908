"""etc_hosts: comments, malformed lines, the hosts alias, and getent on the live machine."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hostql.tables.system.etc_hosts import etc_hosts
from hostql.testing import engine_for, run_table

HOSTS = (
    "# The following lines are desirable for IPv4 capable hosts\n"
    "127.0.0.1       localhost\n"
    "\n"
    "   \t  \n"
    "192.168.1.10\tweb01.example.com   web01  # the web server\n"
    "  # an indented comment\n"
    "::1     ip6-localhost ip6-loopback\n"
    "10.0.0.1\n"
    "10.0.0.2 #only-a-comment\n"
    "fe00::0 ip6-localnet\r\n"
)


def test_rows_skip_comments_and_blank_lines(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/hosts").write_text(HOSTS)
    assert run_table(etc_hosts, root=tmp_path) == [
        {"address": "127.0.0.1", "hostnames": "localhost"},
        {"address": "192.168.1.10", "hostnames": "web01.example.com web01"},
        {"address": "::1", "hostnames": "ip6-localhost ip6-loopback"},
        {"address": "10.0.0.1", "hostnames": None},
        {"address": "10.0.0.2", "hostnames": ""},
        {"address": "fe00::0", "hostnames": "ip6-localnet"},
    ]


def test_hosts_alias_and_missing_file(tmp_path: Path) -> None:
    engine = engine_for(etc_hosts, root=tmp_path)
    try:
        assert engine.query("SELECT * FROM hosts") == []
        assert engine.take_warnings() == ["Cannot read /etc/hosts"]
        (tmp_path / "etc").mkdir()
        (tmp_path / "etc/hosts").write_text("10.1.1.1 a b\n")
        assert engine.query("SELECT address, hostnames FROM hosts") == [
            {"address": "10.1.1.1", "hostnames": "a b"}
        ]
    finally:
        engine.close()


@pytest.mark.live
def test_live_localhost_matches_getent() -> None:
    output = subprocess.run(["getent", "hosts", "localhost"], capture_output=True, text=True)
    if output.returncode != 0:
        pytest.skip("localhost does not resolve through /etc/hosts here")
    address = output.stdout.split()[0]
    rows = run_table(etc_hosts)
    assert any(
        r["address"] == address and "localhost" in (r["hostnames"] or "").split() for r in rows
    )
