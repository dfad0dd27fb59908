"""The /proc reader: parsers of the kernel's formats and the socket/process correlation."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

from hostql.host import Host
from hostql.host import procfs as procfs_module
from hostql.host.proc_net import (
    AF_INET,
    AF_INET6,
    AF_PACKET,
    AF_UNIX,
    Socket,
    decode_address,
    parse_inet_sockets,
    parse_packet_sockets,
    parse_unix_sockets,
)
from hostql.host.procfs import (
    OpenSocket,
    ProcIo,
    ProcStat,
    ProcStatus,
    parse_cgroup_path,
    parse_environ,
    parse_io,
    parse_stat,
    parse_status,
)

STAT_TAIL = (
    "0 0 0 4194560 1200 0 3 0 {utime} {stime} 0 0 20 {nice} {threads} 0 {start} 10854400 "
    "512 18446744073709551615 1 1 0 0 0 0 0 4096 1260 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0"
)
TCP_HEADER = (
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
    "timeout inode\n"
)
TCP6_HEADER = (
    "  sl  local_address                         remote_address                        st "
    "tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
)
UNIX_HEADER = "Num       RefCount Protocol Flags    Type St Inode Path\n"
PACKET_HEADER = "sk               RefCnt Type Proto  Iface R Rmem   User   Inode\n"


def stat_line(pid: int, comm: str, state: str = "S", ppid: int = 1, **tail: int) -> str:
    """A /proc/<pid>/stat line as the kernel writes it."""
    values = {"utime": 150, "stime": 30, "nice": 0, "threads": 1, "start": 500} | tail
    return f"{pid} ({comm}) {state} {ppid} {pid} " + STAT_TAIL.format(**values) + "\n"


def inet_line(slot: int, local: str, remote: str, state: str, inode: int) -> str:
    """One line of /proc/net/tcp[6] or udp[6]."""
    return (
        f"  {slot:>2}: {local} {remote} {state} 00000000:00000000 00:00000000 00000000  "
        f"1000        0 {inode} 1 0000000000000000 100 0 0 10 0\n"
    )


def hex4(address: str) -> str:
    """An IPv4 address as /proc/net prints it on this machine (a host-order 32-bit word)."""
    return f"{int.from_bytes(socket.inet_aton(address), sys.byteorder):08X}"


def hex6(address: str) -> str:
    """An IPv6 address as /proc/net prints it: four host-order 32-bit words."""
    packed = socket.inet_pton(socket.AF_INET6, address)
    return "".join(
        f"{int.from_bytes(packed[i : i + 4], sys.byteorder):08X}" for i in range(0, 16, 4)
    )


# --- parsers -------------------------------------------------------------------------------


def test_parse_stat_splits_after_the_last_parenthesis() -> None:
    line = stat_line(42, "we) ird (name", "R", 7, utime=12, stime=34, nice=-5, threads=3, start=99)
    assert parse_stat(line.encode()) == ProcStat("R", 7, 42, 12, 34, -5, 3, 99)


def test_parse_stat_rejects_short_content() -> None:
    with pytest.raises(ValueError):
        parse_stat(b"42 (x) S 1 42 0\n")
    with pytest.raises(ValueError):
        parse_stat(b"garbage without parenthesis")


def test_parse_status_reads_ids_and_memory() -> None:
    text = (
        "Name:\tmy proc\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t9\nPid:\t9\nPPid:\t1\n"
        "Uid:\t1000\t1001\t1002\t1003\nGid:\t2000\t2001\t2002\t2003\nFDSize:\t64\n"
        "VmPeak:\t   20000 kB\nVmSize:\t   10600 kB\nVmRSS:\t    5120 kB\nThreads:\t1\n"
    )
    assert parse_status(text.encode()) == ProcStatus(
        "my proc", (1000, 1001, 1002), (2000, 2001, 2002), 5120, 10600
    )


def test_parse_status_of_a_kernel_thread_has_no_memory() -> None:
    text = "Name:\tkthreadd\nState:\tS (sleeping)\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
    assert parse_status(text.encode()) == ProcStatus("kthreadd", (0, 0, 0), (0, 0, 0), None, None)


def test_parse_io() -> None:
    text = (
        "rchar: 100\nwchar: 200\nsyscr: 3\nsyscw: 4\nread_bytes: 4096\nwrite_bytes: 8192\n"
        "cancelled_write_bytes: 1024\n"
    )
    assert parse_io(text.encode()) == ProcIo(4096, 8192, 1024)
    assert parse_io(b"") == ProcIo(0, 0, 0)


def test_parse_environ_follows_osquery() -> None:
    data = b"HOME=/root\0EMPTY=\0A=b=c\0NOEQUALS\0\0AFTER=ignored\0"
    assert parse_environ(data) == [
        ("HOME", "/root"),
        ("EMPTY", ""),
        ("A", "b=c"),
        ("NOEQUALS", "NOEQUALS"),
    ]


def test_parse_cgroup_path_takes_the_first_line() -> None:
    assert parse_cgroup_path(b"0::/user.slice/user-0.slice/session-1.scope\n") == (
        "/user.slice/user-0.slice/session-1.scope"
    )
    assert parse_cgroup_path(b"12:cpu,cpuacct:/docker/ab:cd\n11:memory:/x\n") == "/docker/ab:cd"
    assert parse_cgroup_path(b"garbage\n") == ""


def test_decode_address() -> None:
    assert decode_address(hex4("127.0.0.1"), AF_INET) == "127.0.0.1"
    assert decode_address(hex4("10.1.2.3"), AF_INET) == "10.1.2.3"
    assert decode_address(hex6("::1"), AF_INET6) == "::1"
    assert decode_address(hex6("fe80::1:2"), AF_INET6) == "fe80::1:2"
    assert decode_address(hex6("::ffff:127.0.0.1"), AF_INET6) == "::ffff:127.0.0.1"
    assert decode_address("XYZ", AF_INET) == ""
    assert decode_address("ZZZZZZZZ", AF_INET) == ""


def test_parse_inet_sockets_with_states_and_malformed_lines() -> None:
    text = (
        TCP_HEADER
        + inet_line(0, f"{hex4('0.0.0.0')}:0016", f"{hex4('0.0.0.0')}:0000", "0A", 1111)
        + inet_line(1, f"{hex4('10.0.0.5')}:0016", f"{hex4('10.0.0.9')}:D431", "01", 2222)
        + "   2: short line\n"
        + inet_line(3, "nocolon", f"{hex4('0.0.0.0')}:0000", "0A", 3333)
        + inet_line(4, f"{hex4('10.0.0.5')}:0050", f"{hex4('10.0.0.9')}:D432", "06", 0)
        + inet_line(5, f"{hex4('10.0.0.5')}:0051", f"{hex4('10.0.0.9')}:D433", "FF", 4444)
    )
    assert list(parse_inet_sockets(text, AF_INET, 6)) == [
        Socket(1111, AF_INET, 6, "0.0.0.0", 22, "0.0.0.0", 0, "", "LISTEN"),
        Socket(2222, AF_INET, 6, "10.0.0.5", 22, "10.0.0.9", 54321, "", "ESTABLISHED"),
        Socket(0, AF_INET, 6, "10.0.0.5", 80, "10.0.0.9", 54322, "", "TIME_WAIT"),
        Socket(4444, AF_INET, 6, "10.0.0.5", 81, "10.0.0.9", 54323, "", "UNKNOWN"),
    ]


def test_parse_inet_sockets_udp6_has_no_state() -> None:
    text = TCP6_HEADER + inet_line(0, f"{hex6('::')}:0035", f"{hex6('::')}:0000", "07", 77)
    assert list(parse_inet_sockets(text, AF_INET6, 17)) == [
        Socket(77, AF_INET6, 17, "::", 53, "::", 0, "", "")
    ]


def test_parse_inet_sockets_needs_the_header() -> None:
    line = inet_line(0, f"{hex4('0.0.0.0')}:0016", f"{hex4('0.0.0.0')}:0000", "0A", 1)
    assert list(parse_inet_sockets(line, AF_INET, 6)) == []
    assert list(parse_inet_sockets("", AF_INET, 6)) == []


def test_parse_unix_sockets() -> None:
    text = (
        UNIX_HEADER
        + "0000000000000000: 00000002 00000000 00010000 0001 01 5001 /run/dbus/system_bus_socket\n"
        + "0000000000000000: 00000002 00000000 00000000 0002 01 5002 @/tmp/.X11-unix/X0\n"
        + "0000000000000000: 00000003 00000000 00000000 0001 03 5003\n"
        + "0000000000000000: 00000002 00000000 00010000 0001 01 5004 /tmp/with space.sock\n"
        + "0000000000000000: 00000002 broken\n"
    )
    assert [(s.inode, s.family, s.protocol, s.path, s.state) for s in parse_unix_sockets(text)] == [
        (5001, AF_UNIX, 0, "/run/dbus/system_bus_socket", ""),
        (5002, AF_UNIX, 0, "@/tmp/.X11-unix/X0", ""),
        (5003, AF_UNIX, 0, "", ""),
        (5004, AF_UNIX, 0, "/tmp/with space.sock", ""),
    ]


def test_parse_packet_sockets() -> None:
    text = PACKET_HEADER + "ffff8880 3      3    0003   2     1 0      0      6001\nbad\n"
    assert list(parse_packet_sockets(text)) == [
        Socket(6001, AF_PACKET, 3, "", 0, "", 0, "", "NONE")
    ]


# --- the reader over a fixture tree -----------------------------------------------------------


def make_process(root: Path, pid: int, *, net_ns: int | None = 4026531840) -> Path:
    """A minimal /proc/<pid> with stat, an fd directory and a net namespace link."""
    base = root / "proc" / str(pid)
    (base / "fd").mkdir(parents=True)
    (base / "ns").mkdir()
    (base / "stat").write_text(stat_line(pid, f"p{pid}"))
    if net_ns is not None:
        (base / "ns" / "net").symlink_to(f"net:[{net_ns}]")
    return base


def write_net(base: Path, tcp: str = "", unix: str = "") -> None:
    """/proc/<pid>/net/{tcp,unix} of one namespace (other tables absent, as if not built)."""
    (base / "net").mkdir(exist_ok=True)
    (base / "net" / "tcp").write_text(TCP_HEADER + tcp)
    (base / "net" / "unix").write_text(UNIX_HEADER + unix)


def test_pids_lists_numeric_entries_and_checks_wanted(tmp_path: Path) -> None:
    for pid in (1, 20, 3):
        make_process(tmp_path, pid)
    (tmp_path / "proc" / "self").mkdir()
    (tmp_path / "proc" / "uptime").write_text("100.5 50.0\n")
    procfs = Host(tmp_path).procfs
    assert procfs.pids() == [1, 3, 20]
    assert procfs.pids({20, "3", 99, -1, 0, "x", 1.5}) == [3, 20]
    assert procfs.pids(set()) == []


def test_boot_time_is_now_minus_whole_uptime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc" / "uptime").write_text("1000.75 50.0\n")
    monkeypatch.setattr(procfs_module.time, "time", lambda: 1_700_000_000.9)
    assert Host(tmp_path).procfs.boot_time() == 1_700_000_000 - 1000
    (tmp_path / "proc" / "uptime").unlink()
    assert Host(tmp_path).procfs.boot_time() is None


def test_descriptors_and_links(tmp_path: Path) -> None:
    base = make_process(tmp_path, 5)
    (base / "fd" / "10").symlink_to("/var/log/x.log")
    (base / "fd" / "2").symlink_to("socket:[123]")
    (base / "exe").symlink_to("/usr/bin/true")
    procfs = Host(tmp_path).procfs
    assert procfs.descriptors(5) == [(2, "socket:[123]"), (10, "/var/log/x.log")]
    assert procfs.readlink(5, "exe") == "/usr/bin/true"
    assert procfs.readlink(5, "cwd") == ""
    assert procfs.namespace_inode(5, "net") == 4026531840
    assert procfs.namespace_inode(5, "mnt") is None


def test_open_sockets_joins_owners_and_namespaces(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listen = inet_line(0, f"{hex4('127.0.0.1')}:1F90", f"{hex4('0.0.0.0')}:0000", "0A", 900)
    orphan = inet_line(1, f"{hex4('127.0.0.1')}:1F91", f"{hex4('0.0.0.0')}:0000", "0A", 901)
    first = make_process(tmp_path, 10)
    write_net(first, listen + orphan, "0000000000000000: 00000002 0 0 0001 01 902 /run/a\n")
    (first / "fd" / "3").symlink_to("socket:[900]")
    second = make_process(tmp_path, 11)
    (second / "net").symlink_to(first / "net")  # one namespace, seen through both pids
    (second / "fd" / "7").symlink_to("socket:[902]")
    other = make_process(tmp_path, 12, net_ns=4026532000)
    write_net(other, inet_line(0, f"{hex4('0.0.0.0')}:0050", f"{hex4('0.0.0.0')}:0000", "0A", 950))
    (other / "fd" / "4").symlink_to("socket:[950]")
    procfs = Host(tmp_path).procfs
    reads: list[str] = []
    real_read = procfs_module.read_bytes
    monkeypatch.setattr(procfs_module, "read_bytes", lambda p: reads.append(p) or real_read(p))

    everything = list(procfs.open_sockets())
    assert [(s.pid, s.fd, s.net_namespace, s.socket.inode) for s in everything] == [
        (10, 3, 4026531840, 900),
        (-1, -1, 4026531840, 901),
        (11, 7, 4026531840, 902),
        (12, 4, 4026532000, 950),
    ]
    # Each namespace's tables are read once, through its first process.
    assert sorted(p.rsplit("/proc/", 1)[1] for p in reads if p.endswith("/tcp")) == [
        "10/net/tcp",
        "12/net/tcp",
    ]
    only_11 = list(procfs.open_sockets({11}))
    assert only_11 == [
        OpenSocket(11, 7, 4026531840, Socket(902, AF_UNIX, 0, "", 0, "", 0, "/run/a", ""))
    ]
    # osquery: -1 among the pids means no filter at all.
    assert list(procfs.open_sockets({11, -1})) == everything


def test_open_sockets_reads_an_unidentified_namespace_once(tmp_path: Path) -> None:
    listen = inet_line(0, f"{hex4('0.0.0.0')}:0016", f"{hex4('0.0.0.0')}:0000", "0A", 700)
    hidden = make_process(tmp_path, 1, net_ns=None)  # ns link unreadable, as for pid 1 here
    write_net(hidden, listen)
    known = make_process(tmp_path, 2)
    write_net(known, listen)
    rows = list(Host(tmp_path).procfs.open_sockets())
    # The same socket is not listed twice, and it keeps the namespace that could be read.
    assert [(r.net_namespace, r.socket.inode) for r in rows] == [(4026531840, 700)]

    separate = make_process(tmp_path, 3, net_ns=None)
    write_net(
        separate, inet_line(0, f"{hex4('0.0.0.0')}:0017", f"{hex4('0.0.0.0')}:0000", "0A", 701)
    )
    (tmp_path / "proc" / "1" / "net" / "tcp").write_text(
        TCP_HEADER + inet_line(0, f"{hex4('0.0.0.0')}:0017", f"{hex4('0.0.0.0')}:0000", "0A", 701)
    )
    rows = list(Host(tmp_path).procfs.open_sockets())
    assert [(r.net_namespace, r.socket.inode) for r in rows] == [(4026531840, 700), (0, 701)]


@pytest.mark.live
def test_live_own_process() -> None:
    procfs = Host().procfs
    pid = os.getpid()
    assert pid in procfs.pids()
    assert procfs.pids({pid}) == [pid]
    assert procfs.stat(pid).parent == os.getppid()
    status = procfs.status(pid)
    assert status.uids is not None and status.uids[0] == os.getuid()
    assert procfs.readlink(pid, "cwd") == os.getcwd()
    assert procfs.namespace_inode(pid, "net") == os.stat("/proc/self/ns/net").st_ino


@pytest.mark.live
def test_live_listening_socket_is_owned_by_this_process() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        fd, inode = server.fileno(), os.fstat(server.fileno()).st_ino
        found = [s for s in Host().procfs.open_sockets({os.getpid()}) if s.socket.inode == inode]
    assert len(found) == 1
    assert (found[0].pid, found[0].fd) == (os.getpid(), fd)
    assert found[0].socket.local_port == port
    assert found[0].socket.state == "LISTEN"
