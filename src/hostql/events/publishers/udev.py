"""The udev publisher: device events from the uevent netlink socket (hardware_events)."""

from __future__ import annotations

import errno
import select
import socket
import threading
from typing import TYPE_CHECKING, Any

from hostql.events.base import Publisher, PublisherError
from hostql.host import udev_netlink
from hostql.host.udev_netlink import GROUPS, Uevent, UeventError

if TYPE_CHECKING:
    from hostql.flags import FlagValues

# How often run() looks at its stop event while no device changes.
POLL_SECONDS = 0.5


def event_of(uevent: Uevent) -> dict[str, Any]:
    """The event a uevent fires: libudev's device facts plus every property."""
    return {
        "action": uevent.action,
        "subsystem": uevent.subsystem,
        "devnode": uevent.devnode,
        "devtype": uevent.devtype,
        "driver": uevent.driver,
        "devpath": uevent.devpath,
        "seqnum": uevent.seqnum,
        "source": uevent.source,
        "properties": dict(uevent.properties),
    }


class UdevPublisher(Publisher):
    """libudev's monitor, read directly: group 2 (udev-processed) or 1 (raw kernel uevents)."""

    name = "udev"

    def __init__(self, values: FlagValues) -> None:
        super().__init__(values)
        # rejected: datagrams libudev would ignore; lost: uevents the socket overflowed on.
        self.counters.update({"rejected": 0, "lost": 0})
        self.socket: socket.socket | None = None
        self.group = udev_netlink.GROUP_UDEV
        # libudev accepts only datagrams root sent (a test's socketpair sends as its own uid).
        self.trusted_uids: frozenset[int] = frozenset({0})

    def setup(self) -> None:
        """Bind the uevent socket to the group --udev_monitor names ("udev" or "kernel")."""
        monitor = str(self.values["udev_monitor"])
        group = GROUPS.get(monitor)
        if group is None:
            raise PublisherError(f"Unknown udev monitor {monitor!r}: use udev or kernel")
        try:
            self.socket = udev_netlink.open_monitor(group)
        except OSError as exc:
            raise PublisherError(f"Could not create udev monitor: {exc.strerror or exc}") from None
        self.group = group

    def run(self, stop: threading.Event) -> None:
        """Fire one event per accepted uevent until stop is set."""
        sock = self.socket
        if sock is None:
            raise PublisherError("udev monitor not set up")
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        while not stop.is_set():
            if poller.poll(POLL_SECONDS * 1000):
                self.drain(sock)

    def drain(self, sock: socket.socket) -> None:
        """Read and fire every datagram waiting on sock."""
        while True:
            try:
                datagram = udev_netlink.receive(sock, self.group)
            except OSError as exc:
                if exc.errno != errno.ENOBUFS:
                    raise PublisherError(f"udev monitor failed: {exc.strerror or exc}") from None
                # The socket overflowed: the kernel dropped uevents; later ones still arrive.
                self.count("lost")
                continue
            if datagram is None:
                return
            if udev_netlink.sender_problem(datagram, self.trusted_uids) is not None:
                self.count("rejected")
                continue
            try:
                uevent = udev_netlink.parse(datagram.data)
            except UeventError:
                self.count("rejected")
                continue
            self.fire(event_of(uevent))

    def teardown(self) -> None:
        """Close the socket."""
        if self.socket is not None:
            self.socket.close()
            self.socket = None
