"""rtnetlink client: message and attribute parsing over bytes, dump requests, fixture dumps."""

from __future__ import annotations

import socket
import struct
from pathlib import Path

import pytest

from hostql.host import Host
from hostql.host.netlink import (
    IFA_ADDRESS,
    IFA_LABEL,
    IFLA_ADDRESS,
    IFLA_IFNAME,
    IFLA_MTU,
    IFLA_STATS,
    IFLA_STATS64,
    NLM_F_DUMP,
    NLM_F_MULTI,
    NLM_F_REQUEST,
    NLMSG_DONE,
    NLMSG_ERROR,
    RTM_GETROUTE,
    RTM_NEWADDR,
    RTM_NEWLINK,
    NetlinkError,
    dump_payloads,
    dump_request,
    parse_address,
    parse_attributes,
    parse_link,
    parse_messages,
)


def attribute(kind: int, value: bytes) -> bytes:
    """One rtattr, padded to four bytes."""
    data = struct.pack("=HH", 4 + len(value), kind) + value
    return data + b"\0" * (-len(data) % 4)


def message(kind: int, payload: bytes, flags: int = NLM_F_MULTI, seq: int = 1) -> bytes:
    """One nlmsghdr-framed message, padded to four bytes."""
    data = struct.pack("=IHHII", 16 + len(payload), kind, flags, seq, 0) + payload
    return data + b"\0" * (-len(data) % 4)


def link_payload(index: int, name: str, stats: tuple[int, ...], *, wide: bool = True) -> bytes:
    header = struct.pack("=BxHiII", 0, 1, index, 0x1043, 0)
    counters = (
        attribute(IFLA_STATS64, struct.pack("=23Q", *stats, *([0] * (23 - len(stats)))))
        if wide
        else attribute(IFLA_STATS, struct.pack("=23I", *stats, *([0] * (23 - len(stats)))))
    )
    return (
        header
        + attribute(IFLA_IFNAME, name.encode() + b"\0")
        + attribute(IFLA_MTU, struct.pack("=I", 1500))
        + attribute(IFLA_ADDRESS, bytes.fromhex("020000000001"))
        + counters
    )


def test_messages_and_attributes_parse_in_order() -> None:
    data = message(RTM_NEWLINK, b"abcd", seq=7) + message(NLMSG_DONE, b"\0" * 4, flags=0)
    parsed = list(parse_messages(data))
    assert [(m.type, m.seq, m.payload) for m in parsed] == [
        (RTM_NEWLINK, 7, b"abcd"),
        (NLMSG_DONE, 1, b"\0" * 4),
    ]
    attrs = attribute(1, b"xyz") + attribute(3 | 0x8000, b"nested") + attribute(2, b"")
    assert list(parse_attributes(attrs)) == [(1, b"xyz"), (3, b"nested"), (2, b"")]


def test_truncated_messages_and_attributes_stop_parsing() -> None:
    data = message(RTM_NEWLINK, b"abcd")
    assert list(parse_messages(data[:-2])) == []
    assert list(parse_attributes(attribute(1, b"xyz")[:5])) == []


def test_link_with_64_bit_and_32_bit_counters() -> None:
    stats = (10, 20, 3000, 4000, 1, 2, 3, 4, 5, 6)
    link = parse_link(link_payload(4, "eth0", stats))
    assert (link.index, link.name, link.type, link.flags, link.mtu) == (4, "eth0", 1, 0x1043, 1500)
    assert link.address == bytes.fromhex("020000000001")
    assert link.stats == {
        "rx_packets": 10,
        "tx_packets": 20,
        "rx_bytes": 3000,
        "tx_bytes": 4000,
        "rx_errors": 1,
        "tx_errors": 2,
        "rx_dropped": 3,
        "tx_dropped": 4,
        "multicast": 5,
        "collisions": 6,
    }
    narrow = parse_link(link_payload(4, "eth0", stats, wide=False))
    assert narrow.stats == link.stats


def test_address_keeps_attribute_order() -> None:
    payload = struct.pack("=BBBBI", socket.AF_INET, 24, 0, 0, 4)
    payload += attribute(IFA_ADDRESS, socket.inet_aton("10.0.0.1"))
    payload += attribute(IFA_LABEL, b"eth0:1\0")
    address = parse_address(payload)
    assert (address.family, address.prefixlen, address.index) == (socket.AF_INET, 24, 4)
    assert address.attributes == ((IFA_ADDRESS, socket.inet_aton("10.0.0.1")), (3, b"eth0:1\0"))


def test_dump_payloads_filters_types_and_raises_errors() -> None:
    data = message(RTM_NEWADDR, b"one") + message(RTM_NEWLINK, b"two") + message(NLMSG_DONE, b"")
    assert list(dump_payloads(data, RTM_NEWLINK)) == [b"two"]
    error = message(NLMSG_ERROR, struct.pack("=i", -1) + b"\0" * 16, flags=0)
    with pytest.raises(NetlinkError) as raised:
        list(dump_payloads(error, RTM_NEWLINK))
    assert raised.value.errno == 1
    ack = message(NLMSG_ERROR, struct.pack("=i", 0) + b"\0" * 16, flags=0)
    assert list(dump_payloads(ack, RTM_NEWLINK)) == []


def test_dump_request_is_a_well_formed_dump() -> None:
    request = dump_request(RTM_GETROUTE, 9)
    length, kind, flags, seq, pid = struct.unpack_from("=IHHII", request)
    assert (length, kind, flags, seq, pid) == (len(request), RTM_GETROUTE, 0x301, 9, 0)
    assert flags == NLM_F_REQUEST | NLM_F_DUMP
    assert len(request) == 16 + 12


def test_fixture_host_reads_recorded_dumps(tmp_path: Path) -> None:
    (tmp_path / "netlink").mkdir()
    stats = (1, 2, 3, 4, 0, 0, 0, 0, 0, 0)
    recorded = message(RTM_NEWLINK, link_payload(2, "ens3", stats)) + message(NLMSG_DONE, b"")
    (tmp_path / "netlink" / "link.bin").write_bytes(recorded)
    netlink = Host(tmp_path).netlink
    assert [(link.index, link.name) for link in netlink.links()] == [(2, "ens3")]
    assert netlink.routes() == []


def test_fixture_host_reads_sysfs_attributes(tmp_path: Path) -> None:
    net = tmp_path / "sys/class/net/ens3"
    net.mkdir(parents=True)
    (net / "flags").write_text("0x1003\n")
    (net / "device").symlink_to("../../../devices/pci0000:00/0000:00:03.0")
    netlink = Host(tmp_path).netlink
    assert netlink.sysfs("ens3", "flags") == "0x1003\n"
    assert netlink.sysfs("ens3", "speed") is None
    assert netlink.bus_info("ens3") == "0000:00:03.0"
    assert netlink.bus_info("lo") is None


@pytest.mark.live
def test_live_dumps_name_the_loopback() -> None:
    netlink = Host().netlink
    links = netlink.links()
    assert any(link.name == "lo" and link.type == 772 for link in links)
    assert {a.index for a in netlink.addresses()} <= {link.index for link in links}
    assert netlink.routes()
