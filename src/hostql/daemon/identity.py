"""The host identifier of result and status lines (osquery's --host_identifier, reference §15)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hostql.sql.context import random_uuid

if TYPE_CHECKING:
    from hostql.daemon.state import BackingStore
    from hostql.flags import FlagValues
    from hostql.host import Host


class HostIdentity:
    """Answers hostIdentifier for every line, as --host_identifier asks."""

    def __init__(self, values: FlagValues, store: BackingStore, host: Host) -> None:
        self.values = values
        self.store = store
        self.host = host
        self._ephemeral = random_uuid()

    def host_uuid(self) -> str:
        """The hardware UUID, else one generated once and kept in the store."""
        hardware = self.host.identity.hardware_uuid()
        if hardware:
            return hardware
        stored = self.store.host_uuid()
        if not stored:
            stored = random_uuid().upper()
            self.store.save_host_uuid(stored)
        return stored

    def __call__(self) -> str:
        """The identifier to put in a line now (hostname is re-read every time, as osquery)."""
        kind = self.values["host_identifier"]
        try:
            if kind == "uuid":
                return self.host_uuid()
            if kind == "instance":
                return self.store.instance_uuid()
            if kind == "ephemeral":
                return self._ephemeral
            if kind == "specified" and self.values["specified_identifier"]:
                return str(self.values["specified_identifier"])
        except OSError:
            pass  # osquery: any failure falls back to the hostname
        return self.host.identity.hostname()
