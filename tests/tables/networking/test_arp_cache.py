"""arp_cache: /proc/net/arp; live check against `ip -4 neigh`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from hostql.tables.networking.arp_cache import arp_cache
from hostql.testing import run_table

ARP = (
    "IP address       HW type     Flags       HW address            Mask     Device\n"
    "192.168.1.1      0x1         0x2         52:54:00:12:35:02     *        eth0\n"
    "192.168.1.9      0x1         0x6         aa:bb:cc:dd:ee:ff     *        eth0\n"
    "10.0.0.7         0x1         0x0         00:00:00:00:00:00     *        br-lan\n"
    "garbage line\n"
    " 10.0.0.8        0x1         0x2         00:11:22:33:44:55     *        eth1\n"
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "proc" / "net").mkdir(parents=True)
    (tmp_path / "proc" / "net" / "arp").write_text(ARP)
    return tmp_path


def test_rows(root: Path) -> None:
    assert run_table(arp_cache, root=root) == [
        {"address": "192.168.1.1", "mac": "52:54:00:12:35:02", "interface": "eth0",
         "permanent": "0"},
        {"address": "192.168.1.9", "mac": "aa:bb:cc:dd:ee:ff", "interface": "eth0",
         "permanent": "1"},
        {"address": "10.0.0.7", "mac": "00:00:00:00:00:00", "interface": "br-lan",
         "permanent": "0"},
    ]  # fmt: skip


def test_mac_is_nocase(root: Path) -> None:
    rows = run_table(arp_cache, "mac = 'AA:BB:CC:DD:EE:FF'", root=root, columns="address")
    assert rows == [{"address": "192.168.1.9"}]


def test_missing_file(tmp_path: Path) -> None:
    assert run_table(arp_cache, root=tmp_path) == []


@pytest.mark.live
def test_live_matches_ip_neigh() -> None:
    if not shutil.which("ip"):
        pytest.skip("iproute2 missing")
    out = subprocess.run(["ip", "-4", "neigh", "show"], capture_output=True, text=True).stdout
    expected = set()
    for line in out.splitlines():
        words = line.split()
        if "lladdr" in words:
            expected.add(
                (words[0], words[words.index("dev") + 1], words[words.index("lladdr") + 1])
            )
    rows = run_table(arp_cache)
    ours = {
        (r["address"], r["interface"], r["mac"]) for r in rows if r["mac"] != "00:00:00:00:00:00"
    }
    assert ours == expected
