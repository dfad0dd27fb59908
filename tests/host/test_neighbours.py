"""neighbours: /proc/net/arp fields and interfaces in ifindex order."""

from __future__ import annotations

from pathlib import Path

from hostql.host import Host


def test_arp_fields(tmp_path: Path) -> None:
    (tmp_path / "proc" / "net").mkdir(parents=True)
    (tmp_path / "proc" / "net" / "arp").write_text(
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "10.0.0.1         0x1         0x2         52:54:00:00:00:01     *        eth0\n"
        "10.0.0.2\t0x1 0x2 52:54:00:00:00:02 * eth0\n"  # a tab is not a separator for osquery
    )
    assert list(Host(tmp_path).neighbours.arp()) == [
        ("10.0.0.1", "0x2", "52:54:00:00:00:01", "eth0")
    ]


def test_interfaces_and_settings(tmp_path: Path) -> None:
    for name, index in (("wlan0", 3), ("lo", 1), ("eth0", 2), ("bad", "x")):
        base = tmp_path / "sys" / "class" / "net" / name
        base.mkdir(parents=True)
        (base / "ifindex").write_text(f"{index}\n")
    conf = tmp_path / "proc" / "sys" / "net" / "ipv6" / "conf" / "eth0"
    conf.mkdir(parents=True)
    (conf / "hop_limit").write_text("63\n")
    (conf / "accept_ra").write_text("junk\n")
    reader = Host(tmp_path).neighbours
    assert reader.interfaces() == ["lo", "eth0", "wlan0"]
    assert reader.ipv6_setting("eth0", "hop_limit") == 63
    assert reader.ipv6_setting("eth0", "rtadv_accept") == -1
    assert reader.ipv6_setting("lo", "forwarding_enabled") == -1
