"""process_open_sockets: /proc/<pid>/net joined to /proc/<pid>/fd, and ss on the live host."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from hostql.tables.networking.process_open_sockets import process_open_sockets
from hostql.testing import run_table

NS = 4026531840
HEADER = (
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode\n"
)
UNIX_HEADER = "Num       RefCount Protocol Flags    Type St Inode Path\n"


def word(address: str) -> str:
    """An IPv4 address as /proc/net prints it (one host-order 32-bit word)."""
    return f"{int.from_bytes(socket.inet_aton(address), sys.byteorder):08X}"


def words6(address: str) -> str:
    packed = socket.inet_pton(socket.AF_INET6, address)
    return "".join(
        f"{int.from_bytes(packed[i : i + 4], sys.byteorder):08X}" for i in range(0, 16, 4)
    )


def line(local: str, remote: str, state: str, inode: int) -> str:
    return (
        f"   0: {local} {remote} {state} 00000000:00000000 00:00000000 00000000  "
        f"0        0 {inode} 1 0000000000000000 100 0 0 10 0\n"
    )


def make_host(root: Path) -> None:
    """pid 100 (a server) and pid 200 (a client) in one network namespace."""
    for pid in (100, 200):
        base = root / "proc" / str(pid)
        (base / "fd").mkdir(parents=True)
        (base / "ns").mkdir()
        (base / "ns" / "net").symlink_to(f"net:[{NS}]")
    net = root / "proc" / "100" / "net"
    net.mkdir()
    (root / "proc" / "200" / "net").symlink_to(net)
    (net / "tcp").write_text(
        HEADER
        + line(f"{word('0.0.0.0')}:0050", f"{word('0.0.0.0')}:0000", "0A", 1001)
        + line(f"{word('10.0.0.2')}:0050", f"{word('10.0.0.3')}:C000", "01", 1002)
        + "   9: malformed\n"
    )
    (net / "udp6").write_text(
        HEADER + line(f"{words6('::1')}:0035", f"{words6('::')}:0000", "07", 1003)
    )
    (net / "unix").write_text(
        UNIX_HEADER + "0000000000000000: 00000002 00000000 00010000 0001 01 1004 /run/app.sock\n"
    )
    (net / "packet").write_text(
        "sk               RefCnt Type Proto  Iface R Rmem   User   Inode\n"
        "ffff888000000000 3      3    0003   2     1 0      0      1005\n"
    )
    fds = root / "proc" / "100" / "fd"
    (fds / "3").symlink_to("socket:[1001]")
    (fds / "4").symlink_to("socket:[1002]")
    (fds / "5").symlink_to("socket:[1004]")
    (fds / "6").symlink_to("/var/log/app.log")
    (root / "proc" / "200" / "fd" / "7").symlink_to("socket:[1003]")


def row(pid: int, fd: int, inode: int, family: int, protocol: int, **rest: object) -> dict:
    values = {
        "pid": pid,
        "fd": fd,
        "socket": inode,
        "family": family,
        "protocol": protocol,
        "local_address": "",
        "remote_address": "",
        "local_port": 0,
        "remote_port": 0,
        "path": "",
        "state": "",
        "net_namespace": str(NS),
    }
    values.update(rest)
    return values


def test_every_socket_of_the_namespace(tmp_path: Path) -> None:
    make_host(tmp_path)
    assert run_table(process_open_sockets, root=tmp_path) == [
        row(100, 3, 1001, 2, 6, local_address="0.0.0.0", remote_address="0.0.0.0",
            local_port=80, state="LISTEN"),
        row(100, 4, 1002, 2, 6, local_address="10.0.0.2", remote_address="10.0.0.3",
            local_port=80, remote_port=49152, state="ESTABLISHED"),
        row(200, 7, 1003, 10, 17, local_address="::1", remote_address="::", local_port=53),
        row(100, 5, 1004, 1, 0, path="/run/app.sock"),
        row(-1, -1, 1005, 17, 3, state="NONE"),
    ]  # fmt: skip


def test_pid_constraint_keeps_only_that_process_sockets(tmp_path: Path) -> None:
    make_host(tmp_path)
    (tmp_path / "proc" / "300").mkdir()
    (tmp_path / "proc" / "300" / "fd").write_text("listing this would fail the query")
    assert run_table(process_open_sockets, "pid = 200", root=tmp_path, columns="socket") == [
        {"socket": 1003}
    ]
    assert [r["socket"] for r in run_table(process_open_sockets, "pid = 100", root=tmp_path)] == [
        1001,
        1002,
        1004,
    ]


@pytest.mark.live
def test_live_sockets_of_this_process_match_ss() -> None:
    with (
        socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp,
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unix,
        tempfile.TemporaryDirectory() as directory,
    ):
        tcp.bind(("127.0.0.1", 0))
        tcp.listen()
        udp.bind(("127.0.0.1", 0))
        unix_path = os.path.join(directory, "probe.sock")
        unix.bind(unix_path)
        unix.listen()
        rows = run_table(process_open_sockets, "pid = ?", os.getpid())
        by_fd = {r["fd"]: r for r in rows}
        tcp_row, udp_row, unix_row = by_fd[tcp.fileno()], by_fd[udp.fileno()], by_fd[unix.fileno()]
        assert (tcp_row["family"], tcp_row["protocol"], tcp_row["state"]) == (2, 6, "LISTEN")
        assert (tcp_row["local_address"], tcp_row["local_port"]) == tcp.getsockname()
        assert tcp_row["socket"] == os.fstat(tcp.fileno()).st_ino
        assert (udp_row["protocol"], udp_row["local_port"]) == (17, udp.getsockname()[1])
        assert (unix_row["family"], unix_row["path"]) == (1, unix_path)
        assert tcp_row["net_namespace"] == str(os.stat("/proc/self/ns/net").st_ino)
        ss = subprocess.run(["ss", "-ltnupH"], capture_output=True, text=True, check=True).stdout
        ours = f"127.0.0.1:{tcp.getsockname()[1]}"
        [listed] = [entry for entry in ss.splitlines() if ours in entry.split()]
        assert f"pid={os.getpid()},fd={tcp.fileno()}" in listed
