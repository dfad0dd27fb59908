"""Neighbour tables and per-interface IPv6 settings: /proc/net/arp and /proc/sys/net/ipv6/conf."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostql.host import Host

_SPACES = re.compile(" +")
# osquery's column -> /proc/sys/net/ipv6/conf/<interface>/<entry>.
IPV6_ENTRIES = {
    "forwarding_enabled": "forwarding",
    "redirect_accept": "accept_redirects",
    "hop_limit": "hop_limit",
    "rtadv_accept": "accept_ra",
}


class Neighbours:
    """Reader of the host's ARP cache and IPv6 interface configuration."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def arp(self) -> Iterator[tuple[str, str, str, str]]:
        """(address, flags, mac, device) of each well-formed /proc/net/arp line."""
        try:
            text = self.host.path("/proc/net/arp").read_text(errors="replace")
        except OSError:
            return
        for line in text.split("\n")[1:]:
            # boost::split with token_compress_on on ' ': a leading blank yields an empty field.
            fields = [f.strip() for f in _SPACES.split(line)]
            if len(fields) != 6:
                continue
            yield fields[0], fields[2], fields[3], fields[5]

    def interfaces(self) -> list[str]:
        """Network interface names in ifindex order (the order of a netlink link dump)."""
        base = self.host.path("/sys/class/net")
        try:
            names = os.listdir(base)
        except OSError:
            return []
        indexed = []
        for name in names:
            try:
                index = int((base / name / "ifindex").read_text().strip())
            except (OSError, ValueError):
                continue
            indexed.append((index, name))
        return [name for _, name in sorted(indexed)]

    def ipv6_setting(self, interface: str, column: str) -> int:
        """One IPv6 sysctl of an interface ('all' for the global one), -1 when unreadable."""
        path = self.host.path(f"/proc/sys/net/ipv6/conf/{interface}/{IPV6_ENTRIES[column]}")
        try:
            return int(path.read_text().strip())
        except (OSError, ValueError):
            return -1


def attach(host: Host) -> Neighbours:
    """The neighbour reader of host."""
    return Neighbours(host)
