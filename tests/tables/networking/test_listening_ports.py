"""listening_ports: the bound sockets of process_open_sockets, and ss on the live host."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from hostql.tables.networking.listening_ports import listening_ports
from hostql.testing import run_table

NS = 4026531840
HEADER = (
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode\n"
)


def word(address: str) -> str:
    return f"{int.from_bytes(socket.inet_aton(address), sys.byteorder):08X}"


def line(local: str, remote: str, state: str, inode: int) -> str:
    return (
        f"   0: {local} {remote} {state} 00000000:00000000 00:00000000 00000000  "
        f"0        0 {inode} 1 0000000000000000 100 0 0 10 0\n"
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    base = tmp_path / "proc" / "100"
    (base / "fd").mkdir(parents=True)
    (base / "ns").mkdir()
    (base / "ns" / "net").symlink_to(f"net:[{NS}]")
    (base / "net").mkdir()
    (base / "net" / "tcp").write_text(
        HEADER
        + line(f"{word('127.0.0.1')}:1F90", f"{word('0.0.0.0')}:0000", "0A", 11)
        + line(f"{word('127.0.0.1')}:1F90", f"{word('127.0.0.1')}:D000", "01", 12)
    )
    (base / "net" / "udp").write_text(
        HEADER
        + line(f"{word('0.0.0.0')}:0044", f"{word('0.0.0.0')}:0000", "07", 13)
        + line(f"{word('10.0.0.1')}:9000", f"{word('10.0.0.9')}:0035", "01", 14)
    )
    (base / "net" / "unix").write_text(
        "Num       RefCount Protocol Flags    Type St Inode Path\n"
        "0000000000000000: 00000002 00000000 00010000 0001 01 15 /run/app.sock\n"
        "0000000000000000: 00000003 00000000 00000000 0001 03 16\n"
    )
    for fd, inode in ((3, 11), (4, 12), (5, 13), (6, 15)):
        (base / "fd" / str(fd)).symlink_to(f"socket:[{inode}]")
    return tmp_path


def test_bound_sockets_only(root: Path) -> None:
    common = {"pid": 100, "net_namespace": str(NS)}
    assert run_table(listening_ports, root=root) == [
        {**common, "port": 8080, "protocol": 6, "family": 2, "address": "127.0.0.1", "fd": 3,
         "socket": 11, "path": None},
        {**common, "port": 68, "protocol": 17, "family": 2, "address": "0.0.0.0", "fd": 5,
         "socket": 13, "path": None},
        {**common, "port": 0, "protocol": 0, "family": 1, "address": None, "fd": 6,
         "socket": 0, "path": "/run/app.sock"},
    ]  # fmt: skip


def test_pid_constraint(root: Path) -> None:
    assert run_table(listening_ports, "pid = 100", root=root, columns="port") == [
        {"port": 8080},
        {"port": 68},
        {"port": 0},
    ]
    assert run_table(listening_ports, "pid = 7", root=root) == []


@pytest.mark.live
def test_live_listening_socket_of_this_process() -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server,
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as idle,
    ):
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        idle.bind(("127.0.0.1", 0))  # bound but not listening: not in /proc/net/tcp
        rows = run_table(listening_ports, "port = ?", port)
        assert rows == [
            {
                "pid": os.getpid(),
                "port": port,
                "protocol": 6,
                "family": 2,
                "address": "127.0.0.1",
                "fd": server.fileno(),
                "socket": os.fstat(server.fileno()).st_ino,
                "path": None,
                "net_namespace": str(os.stat("/proc/self/ns/net").st_ino),
            }
        ]
        ss = subprocess.run(["ss", "-ltnupH"], capture_output=True, text=True, check=True).stdout
        ss_ports = {int(entry.split()[4].rsplit(":", 1)[1]) for entry in ss.splitlines()}
        ours = {
            r["port"]
            for r in run_table(listening_ports, "protocol in (6, 17) and family in (2, 10)")
        }
        assert ss_ports <= ours
        assert port in ss_ports
