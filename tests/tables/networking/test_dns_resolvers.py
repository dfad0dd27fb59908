"""dns_resolvers: resolv.conf as res_init() reads it; live check against glibc's _res."""

from __future__ import annotations

import ctypes
import socket
import struct
from pathlib import Path

import pytest

from hostql.tables.networking.dns_resolvers import dns_resolvers
from hostql.testing import run_table


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "resolv.conf").write_text(
        "nameserver 10.0.0.1\nnameserver 2001:db8::1\n"
        "search one.example two.example\nsortlist 10.1.0.0/255.255.0.0\noptions debug\n"
    )
    return tmp_path


def test_rows(root: Path) -> None:
    options = 0x1 | 0x2C0 | 0x2
    mask = str(int.from_bytes(bytes([255, 255, 0, 0]), "little"))
    assert run_table(dns_resolvers, root=root) == [
        {"id": 0, "type": "nameserver", "address": "10.0.0.1", "netmask": "32", "options": options},
        {"id": 1, "type": "nameserver", "address": "", "netmask": "32", "options": options},
        {"id": 0, "type": "sortlist", "address": "10.1.0.0", "netmask": mask, "options": options},
        # osquery repeats the first search domain on every search row.
        {"id": 0, "type": "search", "address": "one.example", "netmask": None,
         "options": options},
        {"id": 1, "type": "search", "address": "one.example", "netmask": None,
         "options": options},
    ]  # fmt: skip


def test_pid_with_namespace_is_hidden_and_zero(root: Path) -> None:
    rows = run_table(dns_resolvers, root=root, columns="pid_with_namespace")
    assert {r["pid_with_namespace"] for r in rows} == {0}


def test_no_resolv_conf_gives_defaults_only(tmp_path: Path) -> None:
    assert run_table(dns_resolvers, root=tmp_path) == []


def _glibc_resolver() -> tuple[list[str], list[str], int]:
    """nameservers (IPv4), search domains and options from glibc's res_init() state."""
    libc = ctypes.CDLL("libc.so.6")
    getattr(libc, "__res_init")()
    libc.__res_state.restype = ctypes.c_void_p
    state = ctypes.string_at(libc.__res_state(), 8 + 8 + 4 + 48 + 8 + 56)
    options, count = struct.unpack_from("<Qi", state, 8)
    servers = []
    for i in range(count):
        family, _, address = struct.unpack_from("<HH4s", state, 20 + 16 * i)
        servers.append(socket.inet_ntoa(address) if family == socket.AF_INET else "")
    pointers = struct.unpack_from("<7Q", state, 72)
    search = [ctypes.string_at(p).decode() for p in pointers if p]
    return servers, search, options


@pytest.mark.live
def test_live_matches_glibc() -> None:
    if struct.calcsize("P") != 8 or not Path("/etc/resolv.conf").exists():
        pytest.skip("needs a 64-bit glibc and /etc/resolv.conf")
    servers, search, options = _glibc_resolver()
    rows = run_table(dns_resolvers)
    assert [r["address"] for r in rows if r["type"] == "nameserver"] == servers
    assert len([r for r in rows if r["type"] == "search"]) == len(search)
    assert {r["address"] for r in rows if r["type"] == "search"} <= set(search[:1])
    assert {r["options"] for r in rows} <= {options}
