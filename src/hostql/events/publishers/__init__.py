"""The built-in publishers and subscribers, by name, imported only when events run.

To add an event source, append its publisher to PUBLISHERS and each evented table's
subscriber to SUBSCRIBERS (``"module:Class"``); osquery_events lists them all.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostql.events.base import Publisher, Subscriber
    from hostql.events.store import StatusSink
    from hostql.flags import FlagValues

# publisher name -> "module:Class"
PUBLISHERS: dict[str, str] = {
    "inotify": "hostql.events.publishers.inotify:InotifyPublisher",
    "syslog": "hostql.events.publishers.syslog:SyslogPublisher",
    "udev": "hostql.events.publishers.udev:UdevPublisher",
    "auditeventpublisher": "hostql.events.publishers.audit:AuditPublisher",
}
# subscriber (table) name -> (publisher name, "module:Class")
SUBSCRIBERS: dict[str, tuple[str, str]] = {
    "file_events": ("inotify", "hostql.tables.events.file_events:FileEventsSubscriber"),
    "syslog_events": ("syslog", "hostql.tables.events.syslog_events:SyslogEventsSubscriber"),
    "hardware_events": (
        "udev",
        "hostql.tables.events.hardware_events:HardwareEventsSubscriber",
    ),
    "yara_events": ("inotify", "hostql.tables.events.yara_events:YaraEventsSubscriber"),
    "process_events": (
        "auditeventpublisher",
        "hostql.tables.events.process_events:ProcessEventsSubscriber",
    ),
    "socket_events": (
        "auditeventpublisher",
        "hostql.tables.events.socket_events:SocketEventsSubscriber",
    ),
    "user_events": ("auditeventpublisher", "hostql.tables.events.user_events:UserEventsSubscriber"),
    "process_file_events": (
        "auditeventpublisher",
        "hostql.tables.events.process_file_events:ProcessFileEventsSubscriber",
    ),
    "selinux_events": (
        "auditeventpublisher",
        "hostql.tables.events.selinux_events:SelinuxEventsSubscriber",
    ),
    "apparmor_events": (
        "auditeventpublisher",
        "hostql.tables.events.apparmor_events:AppArmorEventsSubscriber",
    ),
    "seccomp_events": (
        "auditeventpublisher",
        "hostql.tables.events.seccomp_events:SeccompEventsSubscriber",
    ),
}


def load_class(reference: str) -> type:
    """The class a "module:Class" reference names."""
    module, _, name = reference.partition(":")
    found = getattr(importlib.import_module(module), name)
    if not isinstance(found, type):
        raise TypeError(f"{reference} is not a class")
    return found


def builtin_publishers(values: FlagValues, status: StatusSink) -> list[Publisher]:
    """An instance of every built-in publisher that loads (failures are ERROR lines)."""
    found: list[Publisher] = []
    for name, reference in PUBLISHERS.items():
        try:
            found.append(load_class(reference)(values))
        except Exception as exc:  # one broken source must not stop the others
            status.error(f"Cannot load event publisher {name}: {type(exc).__name__}: {exc}")
    return found


def builtin_subscribers(values: FlagValues, status: StatusSink) -> list[Subscriber]:
    """An instance of every built-in subscriber that loads (failures are ERROR lines)."""
    found: list[Subscriber] = []
    for name, (_, reference) in SUBSCRIBERS.items():
        try:
            found.append(load_class(reference)(values))
        except Exception as exc:
            status.error(f"Cannot load event subscriber {name}: {type(exc).__name__}: {exc}")
    return found
