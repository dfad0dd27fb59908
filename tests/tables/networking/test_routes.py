"""routes: a recorded rtnetlink route dump to exact rows, osquery's type/mask rules, live check."""

from __future__ import annotations

import ipaddress
import json
import shutil
import socket
import struct
import subprocess
from pathlib import Path

import pytest

from hostql.host.netlink import RTA_DST, RTA_METRICS, RTA_OIF, RTAX_HOPLIMIT, RTAX_MTU, Route
from hostql.tables.networking.routes import route_rows, routes
from hostql.testing import run_table

# An RTM_GETROUTE dump (all tables, both families) recorded on a VM with eth0 = ifindex 4.
ROUTE_DUMP = bytes.fromhex(
    "3400000018000200010000006f5b000002000000fe0300010000000008000f00fe00000008000500c0000201"
    "08000400040000003c00000018000200010000006f5b000002180000fe02fd010000000008000f00fe000000"
    "08000100c000020008000700c000020208000400040000003c00000018000200010000006f5b000002080000"
    "ff02fe020000000008000f00ff000000080001007f000000080007007f00000108000400010000003c000000"
    "18000200010000006f5b000002200000ff02fe020000000008000f00ff000000080001007f00000108000700"
    "7f00000108000400010000003c00000018000200010000006f5b000002200000ff02fd030000000008000f00"
    "ff000000080001007fffffff080007007f00000108000400010000003c00000018000200010000006f5b0000"
    "02200000ff02fe020000000008000f00ff00000008000100c000020208000700c00002020800040004000000"
    "3c00000018000200010000006f5b000002200000ff02fd030000000008000f00ff00000008000100c00002ff"
    "08000700c000020208000400040000007400000018000200010000006f5b00000a400000fe02000100000000"
    "08000f00fe00000014000100fd00000000000000000000000000000008000600000100000800040004000000"
    "24000c0000000000000000000000000000000000000000000000000000000000000000000500140000000000"
    "7400000018000200010000006f5b00000a400000fe0200010000000008000f00fe00000014000100fe800000"
    "0000000000000000000000000800060000010000080004000400000024000c00000000000000000000000000"
    "000000000000000000000000000000000000000005001400000000007400000018000200010000006f5b0000"
    "0a000000fe0300010000000008000f00fe000000080006000004000014000500fd0000000000000000000000"
    "00000001080004000400000024000c0000000000000000000000000000000000000000000000000000000000"
    "0000000005001400000000007400000018000200010000006f5b00000a800000ff0200020000000008000f00"
    "ff00000014000100000000000000000000000000000000010800060000000000080004000100000024000c00"
    "0000000000000000000000000000000000000000000000000000000000000000050014000000000074000000"
    "18000200010000006f5b00000a800000ff0200020000000008000f00ff00000014000100fd00000000000000"
    "00000000000000020800060000000000080004000400000024000c0000000000000000000000000000000000"
    "0000000000000000000000000000000005001400000000007400000018000200010000006f5b00000a800000"
    "ff0200020000000008000f00ff00000014000100fe8000000000000000fc00fffe0000010800060000000000"
    "080004000400000024000c000000000000000000000000000000000000000000000000000000000000000000"
    "05001400000000007400000018000200010000006f5b00000a080000ff0200050000000008000f00ff000000"
    "14000100ff0000000000000000000000000000000800060000010000080004000400000024000c0000000000"
    "0000000000000000000000000000000000000000000000000000000005001400000000001400000003000200"
    "010000006f5b000000000000"
)


def link_message(index: int, name: str) -> bytes:
    value = name.encode() + b"\0"
    attribute = struct.pack("=HH", 4 + len(value), 3) + value
    attribute += b"\0" * (-len(attribute) % 4)
    payload = struct.pack("=BxHiII", 0, 1, index, 0, 0) + attribute
    return struct.pack("=IHHII", 16 + len(payload), 16, 2, 1, 0) + payload


def row(destination: str, netmask: int, kind: str, interface: str, **extra: object) -> dict:
    base = {
        "destination": destination,
        "netmask": netmask,
        "gateway": None,
        "source": None,
        "flags": 0,
        "interface": interface,
        "mtu": 0,
        "metric": 0,
        "type": kind,
        "hopcount": 0,
    }
    return {**base, **extra}


def test_recorded_dump_gives_osquery_rows(tmp_path: Path) -> None:
    (tmp_path / "netlink").mkdir()
    (tmp_path / "netlink/route.bin").write_bytes(ROUTE_DUMP)
    links = link_message(1, "lo") + link_message(4, "eth0")
    (tmp_path / "netlink/link.bin").write_bytes(links)
    assert run_table(routes, root=tmp_path) == [
        row("0.0.0.0", 0, "gateway", "eth0", gateway="192.0.2.1"),
        row("192.0.2.0", 24, "gateway", "eth0", source="192.0.2.2"),
        row("127.0.0.0", 8, "local", "lo", source="127.0.0.1"),
        # osquery reports host routes (/32, /128) with netmask 0.
        row("127.0.0.1", 0, "local", "lo", source="127.0.0.1"),
        row("127.255.255.255", 0, "broadcast", "lo", source="127.0.0.1"),
        row("192.0.2.2", 0, "local", "eth0", source="192.0.2.2"),
        row("192.0.2.255", 0, "broadcast", "eth0", source="192.0.2.2"),
        row("fd00::", 64, "gateway", "eth0", metric=256),
        row("fe80::", 64, "gateway", "eth0", metric=256),
        row("::", 0, "gateway", "eth0", gateway="fd00::1", metric=1024),
        row("::1", 0, "local", "lo"),
        row("fd00::2", 0, "local", "eth0"),
        row("fe80::fc:ff:fe00:1", 0, "local", "eth0"),
        row("ff00::", 8, "other", "eth0", metric=256),
    ]


def test_metrics_and_unknown_interfaces() -> None:
    def attribute(kind: int, value: bytes) -> bytes:
        return struct.pack("=HH", 4 + len(value), kind) + value

    metrics = attribute(RTAX_MTU, struct.pack("=I", 1400)) + attribute(
        RTAX_HOPLIMIT, struct.pack("=I", 64)
    )
    route = Route(
        socket.AF_INET,
        16,
        254,
        4,
        0,
        4,
        0x200,
        {
            RTA_DST: socket.inet_aton("10.1.0.0"),
            RTA_OIF: struct.pack("=i", 99),
            RTA_METRICS: metrics,
        },
    )
    (result,) = route_rows([], [route])
    expected = row("10.1.0.0", 16, "anycast", "", mtu=1400, hopcount=64, flags=0x200)
    assert {key: result.get(key) for key in expected} == expected


@pytest.mark.live
def test_live_routes_match_ip_route() -> None:
    if shutil.which("ip") is None:
        pytest.skip("iproute2 is not installed")
    output = subprocess.run(
        ["ip", "-j", "route", "show", "table", "all"], capture_output=True, text=True, check=True
    )
    output6 = subprocess.run(
        ["ip", "-j", "-6", "route", "show", "table", "all"],
        capture_output=True,
        text=True,
        check=True,
    )
    expected = set()
    for entry in json.loads(output.stdout) + json.loads(output6.stdout):
        if "dev" not in entry:
            continue
        dst = entry["dst"]
        if dst == "default":
            dst = "::/0" if ":" in entry.get("gateway", "") else "0.0.0.0/0"
        network = ipaddress.ip_network(dst, strict=False)
        expected.add((str(network.network_address), entry["dev"], entry.get("gateway")))
    rows = run_table(routes, columns="destination, interface, gateway")
    assert {(r["destination"], r["interface"], r["gateway"]) for r in rows} == expected
