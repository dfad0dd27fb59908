"""Host identity: hostname and the hardware UUID osquery reports (with placeholder filtering)."""

from __future__ import annotations

import socket
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostql.host import Host

# Values firmware vendors leave in product_uuid that identify nothing (osquery ignores them).
_PLACEHOLDERS = frozenset(
    {
        "00000000-0000-0000-0000-000000000000",
        "03000200-0400-0500-0006-000700080009",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
    }
)


class Identity:
    """Who this host is."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self._uuid: str | None = None

    def hostname(self) -> str:
        """The host name (re-read every time, as osquery does)."""
        if self.host.live:
            return socket.gethostname().strip()
        try:
            return self.host.path("/etc/hostname").read_text().strip()
        except OSError:
            return ""

    def hardware_uuid(self) -> str:
        """DMI product_uuid, else a UUID derived from /etc/machine-id, else ''."""
        if self._uuid is None:
            self._uuid = self._read_uuid()
        return self._uuid

    def _read_uuid(self) -> str:
        try:
            text = self.host.path("/sys/class/dmi/id/product_uuid").read_text().strip().lower()
            if text and text not in _PLACEHOLDERS:
                return str(uuid.UUID(text)).upper()
        except (OSError, ValueError):
            pass
        # Stable across restarts without a database, unlike osquery's random fallback.
        try:
            machine_id = self.host.path("/etc/machine-id").read_text().strip()
            return str(uuid.UUID(hex=machine_id)).upper()
        except (OSError, ValueError):
            return ""


def attach(host: Host) -> Identity:
    """The identity reader of host."""
    return Identity(host)
