"""interface_details: link dumps plus sysfs to exact rows, osquery's flag rules, live check."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from hostql.host.netlink import IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_STATS64, Link
from hostql.tables.networking.interface_details import (
    interface_details,
    link_row,
    link_speed,
    mac_text,
)
from hostql.testing import run_table

COUNTERS = (100, 200, 30000, 40000, 1, 2, 3, 4, 5, 6)


def attribute(kind: int, value: bytes) -> bytes:
    data = struct.pack("=HH", 4 + len(value), kind) + value
    return data + b"\0" * (-len(data) % 4)


def link_message(index: int, name: str, kind: int, flags: int, mac: bytes | None) -> bytes:
    payload = struct.pack("=BxHiII", 0, kind, index, flags, 0)
    payload += attribute(IFLA_IFNAME, name.encode() + b"\0")
    payload += attribute(IFLA_MTU, struct.pack("=I", 1500 if kind == 1 else 65536))
    if mac is not None:
        payload += attribute(IFLA_ADDRESS, mac)
    payload += attribute(IFLA_STATS64, struct.pack("=23Q", *COUNTERS, *([0] * 13)))
    return struct.pack("=IHHII", 16 + len(payload), 16, 2, 1, 0) + payload


def write_sysfs(root: Path, name: str, **values: str) -> Path:
    directory = root / "sys/class/net" / name
    directory.mkdir(parents=True)
    for key, value in values.items():
        (directory / key).write_text(value)
    return directory


def test_recorded_links_with_sysfs_give_osquery_rows(tmp_path: Path) -> None:
    (tmp_path / "netlink").mkdir()
    (tmp_path / "netlink/link.bin").write_bytes(
        link_message(1, "lo", 772, 0x10049, bytes(6))
        + link_message(2, "eth0", 1, 0x11043, bytes.fromhex("02fc00000001"))
    )
    write_sysfs(tmp_path, "lo", flags="0x9\n")
    eth0 = write_sysfs(tmp_path, "eth0", flags="0x1103\n", speed="1000\n")
    (eth0 / "device").symlink_to("../../../devices/pci0000:00/0000:00:03.0")
    counters = {
        "ipackets": 100,
        "opackets": 200,
        "ibytes": 30000,
        "obytes": 40000,
        "ierrors": 1,
        "oerrors": 2,
        "idrops": 3,
        "odrops": 4,
        "collisions": 6,
    }
    rows = run_table(interface_details, root=tmp_path, columns="*, link_speed, pci_slot")
    assert rows == [
        {
            "interface": "lo",
            "mac": "00:00:00:00:00:00",
            "type": 772,
            "mtu": 65536,
            "metric": 0,
            "flags": 0x10049,
            **counters,
            "last_change": -1,
            "link_speed": 0,
            "pci_slot": "-1",
        },
        {
            "interface": "eth0",
            "mac": "02:fc:00:00:00:01",
            "type": 1,
            "mtu": 1500,
            "metric": 0,
            # PROMISC comes from the device's own flags in sysfs.
            "flags": 0x11143,
            **counters,
            "last_change": -1,
            "link_speed": 1000,
            "pci_slot": "0000:00:03.0",
        },
    ]


def test_flags_without_sysfs_lose_the_sysfs_bits() -> None:
    link = Link(3, "veth0", 1, 0x11043, 1500, bytes(6), _stats())
    row = link_row(link, None)
    assert row["flags"] == 0x11043 & ~0xF3A5
    assert link_row(link, "garbage")["flags"] == row["flags"]


def test_link_without_statistics_has_only_name_and_mac() -> None:
    link = Link(9, "odd0", 1, 0, None, None, None)
    assert link_row(link, "0x1\n") == {"interface": "odd0", "mac": "00:00:00:00:00:00"}


def test_mac_and_speed_formats() -> None:
    assert mac_text(bytes.fromhex("0a0b0c")) == "0a:0b:0c:00:00:00"
    assert mac_text(bytes(range(16))) == "00:01:02:03:04:05"
    assert link_speed("-1\n") == 0
    assert link_speed(None) == 0
    assert link_speed("25000\n") == 25000


def _stats() -> dict[str, int]:
    names = ("rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_errors", "tx_errors")
    names += ("rx_dropped", "tx_dropped", "multicast", "collisions")
    return dict.fromkeys(names, 0)


@pytest.mark.live
def test_live_details_match_sysfs() -> None:
    rows = run_table(interface_details)
    assert {r["interface"] for r in rows} == set(os.listdir("/sys/class/net"))
    for row in rows:
        base = Path("/sys/class/net") / row["interface"]
        assert row["mtu"] == int((base / "mtu").read_text())
        assert row["type"] == int((base / "type").read_text())
        if (base / "addr_len").read_text().strip() == "6":
            assert row["mac"] == (base / "address").read_text().strip()
        assert row["ipackets"] <= int((base / "statistics/rx_packets").read_text())
        flags = int((base / "flags").read_text(), 16)
        assert row["flags"] & 0xF3A5 == flags & 0xF3A5
