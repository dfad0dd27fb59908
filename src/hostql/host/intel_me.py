"""Intel ME: the firmware version, asked over the mei driver's HECI character device."""

from __future__ import annotations

import fcntl
import os
import struct
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostql.host import Host

MEI_DEVICE = "/dev/mei0"
# IOCTL_MEI_CONNECT_CLIENT: connect to a firmware client by its GUID.
IOCTL_CONNECT_CLIENT = 0xC0104801
# The HECI "update" client, which answers GetFirmwareVersion on every OS.
UPDATE_CLIENT_GUID = bytes((232, 205, 157, 48, 177, 204, 98, 64, 143, 120, 96, 1, 21, 163, 67, 39))
# struct mei_version: 7 x u32 of details, then major, minor, hotfix, build (u16 each), ...
VERSION_SIZE = 56
_VERSION_OFFSET = 28


def _ioctl(fd: int, request: int, buffer: bytearray) -> None:
    fcntl.ioctl(fd, request, buffer, True)


class IntelME:
    """Reader of the host's Intel ME interface."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def firmware_version(self) -> str | None:
        """'major.minor.hotfix.build', or None without the device or a usable answer."""
        try:
            fd = os.open(self.host.path(MEI_DEVICE), os.O_RDWR)
        except OSError:  # no mei driver, or not root
            return None
        try:
            buffer = bytearray(UPDATE_CLIENT_GUID + b"\0\0")
            try:
                _ioctl(fd, IOCTL_CONNECT_CLIENT, buffer)
            except OSError:
                return None
            _max_length, protocol = struct.unpack_from("<IB", buffer)
            if protocol != 1:
                return None
            # GetFirmwareVersion is command 0.
            os.write(fd, b"\0\0\0\0")
            answer = os.read(fd, VERSION_SIZE)
            if len(answer) != VERSION_SIZE:
                return None
            major, minor, hotfix, build = struct.unpack_from("<4H", answer, _VERSION_OFFSET)
            return f"{major}.{minor}.{hotfix}.{build}"
        except OSError:
            return None
        finally:
            os.close(fd)


def attach(host: Host) -> IntelME:
    """The Intel ME reader of host."""
    return IntelME(host)
