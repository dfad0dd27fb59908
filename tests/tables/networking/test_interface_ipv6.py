"""interface_ipv6: per-interface IPv6 sysctls combined as osquery does; live check via sysctl."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hostql.tables.networking.interface_ipv6 import interface_ipv6
from hostql.testing import run_table


def _conf(root: Path, interface: str, **values: int) -> None:
    base = root / "proc" / "sys" / "net" / "ipv6" / "conf" / interface
    base.mkdir(parents=True)
    for name, value in values.items():
        (base / name).write_text(f"{value}\n")


def _link(root: Path, name: str, index: int) -> None:
    base = root / "sys" / "class" / "net" / name
    base.mkdir(parents=True)
    (base / "ifindex").write_text(f"{index}\n")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    _conf(tmp_path, "all", accept_redirects=0, forwarding=0, hop_limit=64, accept_ra=1)
    _conf(tmp_path, "lo", hop_limit=64, forwarding=0, accept_redirects=1, accept_ra=1)
    _conf(tmp_path, "eth0", hop_limit=255, forwarding=1, accept_redirects=1, accept_ra=1)
    _conf(tmp_path, "wlan0", hop_limit=64, forwarding=1, accept_redirects=1, accept_ra=2)
    _link(tmp_path, "eth0", 2)
    _link(tmp_path, "lo", 1)
    _link(tmp_path, "wlan0", 3)
    _link(tmp_path, "noipv6", 4)  # IPv6 disabled: no conf directory
    return tmp_path


def test_rows(root: Path) -> None:
    assert run_table(interface_ipv6, root=root) == [
        # not forwarding: OR with all/accept_redirects; accept_ra && !forwarding
        {"interface": "lo", "hop_limit": 64, "forwarding_enabled": 0, "redirect_accept": 1,
         "rtadv_accept": 1},
        # forwarding: AND with all/accept_redirects (0); accept_ra 1 while forwarding -> 0
        {"interface": "eth0", "hop_limit": 255, "forwarding_enabled": 1, "redirect_accept": 0,
         "rtadv_accept": 0},
        # accept_ra 2 accepts even when forwarding
        {"interface": "wlan0", "hop_limit": 64, "forwarding_enabled": 1, "redirect_accept": 0,
         "rtadv_accept": 1},
        # unreadable values are -1, which C treats as true
        {"interface": "noipv6", "hop_limit": -1, "forwarding_enabled": -1, "redirect_accept": 0,
         "rtadv_accept": 0},
    ]  # fmt: skip


def test_interface_constraint(root: Path) -> None:
    rows = run_table(interface_ipv6, "interface = 'eth0'", root=root, columns="hop_limit")
    assert rows == [{"hop_limit": 255}]


@pytest.mark.live
def test_live_matches_sysctl() -> None:
    if not shutil.which("sysctl") or not Path("/proc/sys/net/ipv6/conf").exists():
        pytest.skip("sysctl or IPv6 missing")

    def sysctl(interface: str, name: str) -> int:
        key = f"net.ipv6.conf.{interface.replace('.', '/')}.{name}"
        out = subprocess.run(["sysctl", "-n", key], capture_output=True, text=True)
        return int(out.stdout) if out.returncode == 0 else -1

    rows = run_table(interface_ipv6)
    assert {r["interface"] for r in rows} == {p.name for p in Path("/sys/class/net").iterdir()}
    for row in rows:
        name = row["interface"]
        assert row["hop_limit"] == sysctl(name, "hop_limit")
        assert row["forwarding_enabled"] == sysctl(name, "forwarding")
