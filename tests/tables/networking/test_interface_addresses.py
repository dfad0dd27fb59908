"""interface_addresses: recorded rtnetlink dumps to exact rows, peers and labels, live check."""

from __future__ import annotations

import json
import shutil
import socket
import struct
import subprocess
from pathlib import Path

import pytest

from hostql.host.netlink import IFA_ADDRESS, IFA_BROADCAST, IFA_LABEL, IFA_LOCAL, Address, Link
from hostql.tables.networking.interface_addresses import (
    address_rows,
    interface_addresses,
    prefix_mask,
)
from hostql.testing import run_table

# An RTM_GETADDR dump recorded on a VM: lo 127.0.0.1/8 and ::1, eth0 192.0.2.2/24
# (broadcast 192.0.2.255), fd00::2/64 and fe80::fc:ff:fe00:1/64.
ADDR_DUMP = bytes.fromhex(
    "4c00000014000200020000006f5b0000020880fe01000000080001007f000001080002007f00000107000300"
    "6c6f0000080008008000000014000600ffffffffffffffff1600000016000000580000001400020002000000"
    "6f5b0000021880000400000008000100c000020208000200c000020208000400c00002ff0900030065746830"
    "00000000080008008000000014000600ffffffffffffffff1600000016000000500000001400020002000000"
    "6f5b00000a8080fe01000000140001000000000000000000000000000000000114000600ffffffffffffffff"
    "1600000016000000080008008000000005000b00010000004800000014000200020000006f5b00000a408200"
    "0400000014000100fd00000000000000000000000000000214000600ffffffffffffffff1600000016000000"
    "08000800820000005000000014000200020000006f5b00000a4080fd0400000014000100fe80000000000000"
    "00fc00fffe00000114000600ffffffffffffffff1600000016000000080008008000000005000b0003000000"
    "1400000003000200020000006f5b000000000000"
)
LOOPBACK = Link(1, "lo", 772, 0x10049, 65536, bytes(6), {})
ETHERNET = Link(4, "eth0", 1, 0x11043, 1400, bytes.fromhex("02fc00000001"), {})


def link_message(link: Link) -> bytes:
    name = link.name.encode() + b"\0"
    attribute = struct.pack("=HH", 4 + len(name), 3) + name
    attribute += b"\0" * (-len(attribute) % 4)
    payload = struct.pack("=BxHiII", 0, link.type, link.index, link.flags, 0) + attribute
    return struct.pack("=IHHII", 16 + len(payload), 16, 2, 1, 0) + payload


def test_recorded_dump_gives_osquery_rows(tmp_path: Path) -> None:
    (tmp_path / "netlink").mkdir()
    (tmp_path / "netlink/addr.bin").write_bytes(ADDR_DUMP)
    links = link_message(LOOPBACK) + link_message(ETHERNET)
    (tmp_path / "netlink/link.bin").write_bytes(links)
    assert run_table(interface_addresses, root=tmp_path) == [
        {
            "interface": "lo",
            "address": "127.0.0.1",
            "mask": "255.0.0.0",
            "broadcast": None,
            "point_to_point": "127.0.0.1",
            "type": "unknown",
        },
        {
            "interface": "eth0",
            "address": "192.0.2.2",
            "mask": "255.255.255.0",
            "broadcast": "192.0.2.255",
            "point_to_point": None,
            "type": "unknown",
        },
        {
            "interface": "lo",
            "address": "::1",
            "mask": "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "broadcast": None,
            "point_to_point": None,
            "type": "unknown",
        },
        {
            "interface": "eth0",
            "address": "fd00::2",
            "mask": "ffff:ffff:ffff:ffff::",
            "broadcast": None,
            "point_to_point": None,
            "type": "unknown",
        },
        {
            "interface": "eth0",
            "address": "fe80::fc:ff:fe00:1%eth0",
            "mask": "ffff:ffff:ffff:ffff::",
            "broadcast": None,
            "point_to_point": None,
            "type": "unknown",
        },
    ]


def test_point_to_point_peer_and_alias_label() -> None:
    tunnel = Link(7, "tun0", 65534, 0x10D1, 1500, None, {})
    ptp = Address(
        socket.AF_INET,
        32,
        0,
        0,
        7,
        (
            (IFA_ADDRESS, socket.inet_aton("10.8.0.1")),
            (IFA_LOCAL, socket.inet_aton("10.8.0.2")),
            (IFA_LABEL, b"tun0\0"),
        ),
    )
    alias = Address(
        socket.AF_INET,
        16,
        0,
        0,
        4,
        (
            (IFA_ADDRESS, socket.inet_aton("172.16.0.5")),
            (IFA_LOCAL, socket.inet_aton("172.16.0.5")),
            (IFA_LABEL, b"eth0:1\0"),
            (IFA_BROADCAST, socket.inet_aton("172.16.255.255")),
        ),
    )
    rows = list(address_rows([tunnel, ETHERNET], [ptp, alias]))
    assert [
        (r["interface"], r["address"], r.get("point_to_point"), r.get("broadcast")) for r in rows
    ] == [
        ("tun0", "10.8.0.2", "10.8.0.1", None),
        ("eth0:1", "172.16.0.5", None, "172.16.255.255"),
    ]


def test_prefix_masks() -> None:
    assert prefix_mask(socket.AF_INET, 0) == "0.0.0.0"
    assert prefix_mask(socket.AF_INET, 23) == "255.255.254.0"
    assert prefix_mask(socket.AF_INET6, 56) == "ffff:ffff:ffff:ff00::"
    assert prefix_mask(socket.AF_INET6, 0) == "::"


@pytest.mark.live
def test_live_addresses_match_ip_addr() -> None:
    if shutil.which("ip") is None:
        pytest.skip("iproute2 is not installed")
    output = subprocess.run(["ip", "-j", "addr"], capture_output=True, text=True, check=True)
    expected = set()
    for link in json.loads(output.stdout):
        for info in link.get("addr_info", []):
            family = socket.AF_INET if info["family"] == "inet" else socket.AF_INET6
            name = info.get("label", link["ifname"])
            mask = prefix_mask(family, info["prefixlen"])
            expected.add((name, info["local"], mask, info.get("broadcast")))
    rows = run_table(interface_addresses)
    actual = {(r["interface"], r["address"].split("%")[0], r["mask"], r["broadcast"]) for r in rows}
    assert actual == expected
