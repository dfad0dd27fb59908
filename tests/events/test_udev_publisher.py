"""The udev publisher's read loop over a socketpair, and the real uevent socket (live)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hostql.events.base import PublisherError
from hostql.events.publishers.udev import UdevPublisher
from hostql.flags import default_values
from hostql.host import udev_netlink
from hostql.host.udev_netlink import GROUP_UDEV, kernel_message, udev_message

DISK = {
    "ACTION": "add",
    "DEVPATH": "/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sdb",
    "SUBSYSTEM": "block",
    "DEVNAME": "/dev/sdb",
    "DEVTYPE": "disk",
    "SEQNUM": "2210",
    "ID_MODEL": "Samsung_SSD_860",
    "ID_SERIAL_SHORT": "S3Z9NB0K123456",
    "MAJOR": "8",
    "MINOR": "16",
}
KERNEL_DISK = {**DISK, "DEVNAME": "sdb"}


class Loop:
    """A publisher whose socket is one end of a datagram socketpair, run on a thread."""

    def __init__(self, *, credentials: bool = True, group: int = GROUP_UDEV) -> None:
        self.sender, receiver = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        if credentials:
            receiver.setsockopt(socket.SOL_SOCKET, udev_netlink.SO_PASSCRED, 1)
        self.publisher = UdevPublisher(default_values())
        self.publisher.socket = receiver
        self.publisher.group = group
        self.publisher.trusted_uids = frozenset({os.getuid()})
        self.fired: list[dict[str, Any]] = []
        self.publisher.fire = lambda event: self.fired.append(dict(event))
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.publisher.run, args=(self.stop,), daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.fired) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.fired

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.publisher.teardown()
        self.sender.close()


@pytest.fixture
def loop() -> Iterator[Loop]:
    running = Loop()
    yield running
    running.close()


def test_run_fires_udev_messages(loop: Loop) -> None:
    loop.sender.send(udev_message(DISK))
    (event,) = loop.wait_for(1)
    assert event["action"] == "add"
    assert event["devnode"] == "/dev/sdb"
    assert event["devtype"] == "disk"
    assert event["subsystem"] == "block"
    assert event["source"] == "udev"
    assert event["properties"]["ID_SERIAL_SHORT"] == "S3Z9NB0K123456"


def test_run_fires_kernel_messages_in_order(loop: Loop) -> None:
    for seqnum in (1, 2, 3):
        loop.sender.send(kernel_message({**KERNEL_DISK, "SEQNUM": str(seqnum)}))
    fired = loop.wait_for(3)
    assert [e["seqnum"] for e in fired] == [1, 2, 3]
    assert {e["devnode"] for e in fired} == {"/dev/sdb"}


def test_run_drops_malformed_datagrams_and_continues(loop: Loop) -> None:
    loop.sender.send(b"garbage without a header")
    loop.sender.send(udev_message(DISK)[:30])
    loop.sender.send(udev_message(DISK))
    assert len(loop.wait_for(1)) == 1
    assert loop.publisher.counters["rejected"] == 2


def test_run_drops_datagrams_without_credentials() -> None:
    running = Loop(credentials=False)
    try:
        running.sender.send(udev_message(DISK))
        time.sleep(0.3)
        assert running.fired == []
        assert running.publisher.counters["rejected"] == 1
    finally:
        running.close()


def test_setup_rejects_an_unknown_monitor() -> None:
    values = default_values()
    values.set("udev_monitor", "bogus")
    with pytest.raises(PublisherError, match="Unknown udev monitor"):
        UdevPublisher(values).setup()


def test_run_without_setup_fails() -> None:
    with pytest.raises(PublisherError, match="not set up"):
        UdevPublisher(default_values()).run(threading.Event())


@pytest.mark.live
@pytest.mark.parametrize("monitor", ["udev", "kernel"])
def test_setup_binds_the_uevent_socket(monitor: str) -> None:
    values = default_values()
    values.set("udev_monitor", monitor)
    publisher = UdevPublisher(values)
    publisher.setup()
    try:
        assert publisher.socket is not None
        assert publisher.socket.getsockname()[1] == udev_netlink.GROUPS[monitor]
    finally:
        publisher.teardown()
    assert publisher.socket is None


@pytest.mark.live
def test_kernel_monitor_receives_a_synthetic_uevent() -> None:
    if os.geteuid() != 0:
        pytest.skip("writing a sysfs uevent file needs root")
    trigger = Path("/sys/class/net/lo/uevent")
    values = default_values()
    values.set("udev_monitor", "kernel")
    publisher = UdevPublisher(values)
    fired: list[dict[str, Any]] = []
    publisher.fire = lambda event: fired.append(dict(event))
    publisher.setup()
    stop = threading.Event()
    thread = threading.Thread(target=publisher.run, args=(stop,), daemon=True)
    thread.start()
    # "change" with a UUID: udev (if any runs) only re-applies lo's rules; the UUID marks ours.
    mark = str(uuid.uuid4())
    try:
        trigger.write_text(f"change {mark}")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            ours = [e for e in fired if e["properties"].get("SYNTH_UUID") == mark]
            if ours:
                break
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join(5)
        publisher.teardown()
    assert ours, fired
    (event,) = ours
    assert event["action"] == "change"
    assert event["subsystem"] == "net"
    assert event["devpath"] == "/devices/virtual/net/lo"
    assert event["source"] == "kernel"
    assert event["properties"]["INTERFACE"] == "lo"


def _libudev() -> Any:
    name = ctypes.util.find_library("udev")
    if name is None:
        pytest.skip("libudev is not installed")
    lib = ctypes.CDLL(name)
    for function in ("udev_new", "udev_monitor_new_from_netlink", "udev_monitor_receive_device"):
        getattr(lib, function).restype = ctypes.c_void_p
    for function in (
        "udev_device_get_action",
        "udev_device_get_devnode",
        "udev_device_get_subsystem",
        "udev_device_get_devtype",
        "udev_device_get_property_value",
    ):
        getattr(lib, function).restype = ctypes.c_char_p
    return lib


@pytest.mark.live
def test_real_libudev_accepts_the_encoded_udev_format() -> None:
    """libudev's own monitor, with an in-kernel subsystem filter, receives udev_message()."""
    if os.geteuid() != 0:
        pytest.skip("libudev trusts only messages root sends")
    lib = _libudev()
    udev = lib.udev_new()
    monitor = lib.udev_monitor_new_from_netlink(ctypes.c_void_p(udev), b"udev")
    assert monitor, "libudev could not create a udev monitor"
    sender = udev_netlink.open_monitor(0)
    try:
        # The filter is a socket BPF program over the header's subsystem hash.
        lib.udev_monitor_filter_add_match_subsystem_devtype(
            ctypes.c_void_p(monitor), b"hostqltest", None
        )
        assert lib.udev_monitor_enable_receiving(ctypes.c_void_p(monitor)) == 0
        fd = lib.udev_monitor_get_fd(ctypes.c_void_p(monitor))
        unique = str(uuid.uuid4())
        other = {**DISK, "SUBSYSTEM": "hostqlother", "HOSTQL_MARK": unique}
        ours = {
            **DISK,
            "ACTION": "change",
            "SUBSYSTEM": "hostqltest",
            "DEVNAME": "/dev/hostqltest0",
            "HOSTQL_MARK": unique,
        }
        # A fake subsystem multicast to udev's group: libudev clients filter it out.
        sender.sendto(udev_message(other), (0, GROUP_UDEV))
        sender.sendto(udev_message(ours), (0, GROUP_UDEV))
        ready, _, _ = select.select([fd], [], [], 5)
        assert ready, "libudev received nothing"
        device = lib.udev_monitor_receive_device(ctypes.c_void_p(monitor))
        assert device, "libudev rejected the message"
        try:
            device_ptr = ctypes.c_void_p(device)
            assert lib.udev_device_get_action(device_ptr) == b"change"
            assert lib.udev_device_get_subsystem(device_ptr) == b"hostqltest"
            assert lib.udev_device_get_devtype(device_ptr) == b"disk"
            assert lib.udev_device_get_devnode(device_ptr) == b"/dev/hostqltest0"
            mark = lib.udev_device_get_property_value(device_ptr, b"HOSTQL_MARK")
            assert mark == unique.encode()
        finally:
            lib.udev_device_unref(ctypes.c_void_p(device))
    finally:
        sender.close()
        lib.udev_monitor_unref(ctypes.c_void_p(monitor))
        lib.udev_unref(ctypes.c_void_p(udev))
