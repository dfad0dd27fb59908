"""Services the daemon runs beside its schedule (events, distributed queries, extensions...).

Each entry names the flag that enables it and the module that provides it; the module is
imported only when the service is enabled. A provider module exposes
``start(daemon: Daemon) -> Service``; the daemon calls ``step(now)`` once a second on its
loop thread (keep it short, do real work on your own threads) and ``stop()`` at shutdown.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from hostql.daemon.runtime import Daemon
    from hostql.flags import FlagValues


class Service(Protocol):
    """A running service."""

    name: str

    def step(self, now: float) -> None:
        """Called once per scheduler step (about once a second)."""

    def stop(self) -> None:
        """Stop threads and release resources; called once at shutdown."""


# (service name, flag, value of the flag that enables it, provider module)
SERVICES: tuple[tuple[str, str, bool, str], ...] = (
    ("events", "disable_events", False, "hostql.events.service"),
    ("distributed", "disable_distributed", False, "hostql.remote.distributed"),
    ("carver", "disable_carver", False, "hostql.remote.carver"),
    ("extensions", "disable_extensions", False, "hostql.extensions.service"),
)


def enabled_services(values: FlagValues) -> list[tuple[str, str]]:
    """(name, provider module) of every service the flags enable, in start order."""
    return [
        (name, module) for name, flag, wanted, module in SERVICES if bool(values[flag]) is wanted
    ]


def start_services(daemon: Daemon) -> list[Service]:
    """Start every enabled service whose provider exists; failures are ERROR status logs."""
    started: list[Service] = []
    for name, module in enabled_services(daemon.values):
        try:
            provider = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):
                daemon.status.warning(f"The {name} service is not available in this build")
                continue
            daemon.status.error(f"Cannot load the {name} service: {exc}")
            continue
        try:
            started.append(provider.start(daemon))
        except Exception as exc:  # one broken service must not stop the daemon
            daemon.status.error(f"Cannot start the {name} service: {type(exc).__name__}: {exc}")
    return started
