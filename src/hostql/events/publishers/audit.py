"""The audit publisher: the kernel's audit records over netlink, grouped into events.

Two ways to read (--audit_mode, docs/audit.md):

- unicast (osquery's way, the default): hostql claims the audit pid, so the kernel unicasts
  every record to it, with backpressure. With --audit_allow_config it enables audit, sets
  the backlog limit, wait time and failure mode, installs the one rule the enabled tables
  need, and at exit removes exactly that rule and puts back every setting it changed.
  Only one process can own the pid: when auditd (or any agent) does, setup fails with an
  ERROR naming the owner's pid and name, never a silently empty table.
- multicast: hostql joins the read-only AUDIT_NLGRP_READLOG group (kernel >= 3.16) and
  reads a copy of every record while the owner keeps the pid, rules and settings, which
  hostql then never touches. There is no backpressure: a slow reader loses records
  (counted as queue_overflows).
- auto: unicast unless another process owns the pid, then multicast.

Kernel losses (the status `lost` counter, as `lost`) and socket overruns (records the
kernel could not queue to hostql's socket, as `queue_overflows`) are counted in
osquery_events and reported as status warnings by the events runtime.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from hostql.events.audit_records import UNUSED, AuditAssembler, AuditEvent, record_filter
from hostql.events.base import Event, Publisher, PublisherError, Row, Subscriber
from hostql.events.publishers.audit_rules import (
    allowed_to_fail,
    build_rule,
    is_stale_rule,
    syscall_names,
    uncovered,
    wanted_syscalls,
)
from hostql.host.audit_netlink import (
    FAIL_SILENT,
    AuditNetlinkError,
    AuditRule,
    AuditSocket,
    AuditStatus,
    process_name,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from hostql.daemon.config.model import Config
    from hostql.events.store import StatusSink
    from hostql.flags import FlagValues

_log = logging.getLogger(__name__)

MODES = ("unicast", "multicast", "auto")
ALLOW_FLAGS = (
    "audit_allow_fim_events", "audit_allow_process_events", "audit_allow_sockets",
    "audit_allow_user_events", "audit_allow_selinux_events", "audit_allow_kill_process_events",
    "audit_allow_apparmor_events", "audit_allow_seccomp_events",
)  # fmt: skip
# A burst of execs is thousands of records in milliseconds: the socket must hold them.
RECEIVE_BUFFER = 64 << 20
POLL_SECONDS = 0.5
# After draining the socket, wait this long before reading again (fewer, larger batches).
DRAIN_PAUSE = 0.02
RECEIVE_LIMIT = 4096
# Completed events are fired together, at most this often (or once this many wait).
FIRE_SECONDS = 0.2
FIRE_EVENTS = 2048
STATUS_SECONDS = 1.0
EXPIRE_SECONDS = 60.0
WARN_SECONDS = 60.0
AUDIT_IMMUTABLE = 2


def owner_message(pid: int, name: str) -> str:
    """The one-line reason shown when another process owns the audit netlink socket."""
    return (
        f"The audit netlink socket is owned by pid {pid} ({name}): audit tables receive no "
        "events in --audit_mode=unicast. Stop that process, or set --audit_mode=multicast "
        "(or auto) to read a copy of its records"
    )


class AuditPublisher(Publisher):
    """Reads audit records (unicast or multicast) and fires batches of assembled events."""

    name = "auditeventpublisher"

    def __init__(self, values: FlagValues) -> None:
        super().__init__(values)
        self.counters.update({"records": 0, "lost": 0, "queue_overflows": 0})
        self.counters.update({"malformed": 0, "expired": 0})
        self.status: StatusSink | None = None
        self.subscriptions = 0
        self.control: AuditSocket | None = None
        self.stream: AuditSocket | None = None
        self.mode = ""
        self.reason = ""
        self.owner: tuple[int, str] | None = None
        self.claimed = False
        self.installed: list[AuditRule] = []
        self.restore: dict[str, int] = {}
        self.lost_base = 0
        self.assembler: AuditAssembler | None = None
        self._warned: dict[str, float] = {}

    def configure(self, config: Config, subscribers: Iterable[Subscriber]) -> None:
        """Count the enabled audit subscribers (osquery_events' subscriptions)."""
        self.subscriptions = len(list(subscribers))

    def enabled(self) -> bool:
        """Whether any audit table is allowed and audit is not disabled (osquery's rule)."""
        if self.values["disable_audit"]:
            return False
        return any(self.values[flag] for flag in ALLOW_FLAGS)

    def setup(self) -> None:
        """Open the sockets, detect the owner, claim or join, and configure the kernel."""
        if not self.enabled():
            raise PublisherError("Publisher disabled via configuration")
        mode = str(self.values["audit_mode"])
        if mode not in MODES:
            raise self._fail(f"Unknown --audit_mode {mode!r}: use unicast, multicast or auto")
        try:
            self.control = AuditSocket()
            status = self.control.status()
        except OSError as exc:
            self.teardown()
            reason = f"The kernel's audit netlink is unavailable: {exc.strerror or exc}"
            raise self._fail(reason) from None
        try:
            self._acquire(status, mode)
            if self.mode == "unicast" and self.values["audit_allow_config"]:
                self._configure_kernel(status)
            elif self.mode == "multicast":
                self._check_coverage(status)
            elif not status.enabled:
                self._warn("disabled", "Audit is disabled and --audit_allow_config is off")
        except BaseException:
            self.teardown()
            raise
        self.lost_base = status.lost
        self.assembler = AuditAssembler(
            record_filter(
                selinux=bool(self.values["audit_allow_selinux_events"]),
                apparmor=bool(self.values["audit_allow_apparmor_events"]),
                seccomp=bool(self.values["audit_allow_seccomp_events"]),
            ),
            allowed_to_fail=allowed_to_fail(self.values),
            ignored_pid=os.getpid(),
        )

    def _fail(self, reason: str) -> PublisherError:
        # The runtime retries setup with backoff: say it once, again only if it changes.
        if reason != self.reason:
            self._report("error", reason)
        self.reason = reason
        return PublisherError(reason)

    def _report(self, level: str, message: str) -> None:
        if self.status is not None:
            getattr(self.status, level)(message)
        else:
            getattr(_log, level)("%s", message)

    def _acquire(self, status: AuditStatus, mode: str) -> None:
        owner = status.pid if status.pid not in (0, os.getpid()) else 0
        if owner:
            self.owner = (owner, process_name(owner))
            if mode == "unicast":
                raise self._fail(owner_message(*self.owner))
            if mode == "auto":
                self._report(
                    "warning",
                    f"The audit netlink socket is owned by pid {owner} ({self.owner[1]}): "
                    "reading the read-only multicast group instead (--audit_mode=auto)",
                )
        self.mode = "multicast" if owner or mode == "multicast" else "unicast"
        self.stream = AuditSocket()
        self.stream.set_receive_buffer(RECEIVE_BUFFER)
        if self.mode == "multicast":
            try:
                self.stream.join_readlog()
            except OSError as exc:
                raise self._fail(
                    f"Cannot join the audit multicast group (needs CAP_AUDIT_READ and "
                    f"kernel >= 3.16): {exc.strerror or exc}"
                ) from None
        else:
            self._claim()

    def _claim(self) -> None:
        assert self.control is not None and self.stream is not None
        if self.control.status().pid == os.getpid():
            # A claim left by an earlier run in this process: only the owner may reset it.
            self.control.set_status(pid=0)
        try:
            self.stream.claim()
        except AuditNetlinkError as exc:
            if exc.errno != errno.EEXIST:
                raise self._fail(f"Cannot claim the audit netlink socket: {exc.strerror}") from None
            pid = self.control.status().pid
            self.owner = (pid, process_name(pid))
            raise self._fail(owner_message(*self.owner)) from None
        self.claimed = True
        self.reason = ""

    def _configure_kernel(self, status: AuditStatus) -> None:
        control = self.control
        assert control is not None
        if status.enabled == AUDIT_IMMUTABLE:
            self._warn(
                "immutable", "Audit is immutable (auditctl -e 2): rules are left as they are"
            )
            return
        wanted = {
            "enabled": 1,
            "backlog_limit": int(self.values["audit_backlog_limit"]),
            "backlog_wait_time": int(self.values["audit_backlog_wait_time"]),
            "failure": FAIL_SILENT,
        }
        for name, value in wanted.items():
            old = int(getattr(status, name))
            if old != value:
                control.set_status(**{name: value})
                self.restore[name] = old
        rules = control.list_rules()
        for rule in rules:
            if self.values["audit_force_reconfigure"] or is_stale_rule(rule):
                control.delete_rule(rule)
        syscalls = wanted_syscalls(self.values)
        if not syscalls:
            return
        rule = build_rule(syscalls)
        try:
            control.add_rule(rule)
        except AuditNetlinkError as exc:
            self._report(
                "error",
                f"Failed to install the audit rule ({exc.strerror}): audit tables may not work "
                "as expected",
            )
            if not self.values["audit_force_unconfigure"]:
                return
        self.installed.append(rule)
        self._report("info", f"Installed audit rule: {rule.describe(syscall_names())}")

    def _check_coverage(self, status: AuditStatus) -> None:
        assert self.control is not None
        if not status.enabled:
            self._warn("disabled", "Audit is disabled: multicast mode does not enable it")
        try:
            rules = self.control.list_rules()
        except OSError:
            return
        missing = uncovered(wanted_syscalls(self.values), rules)
        if missing:
            names = syscall_names()
            rule = build_rule(missing, own_pid=0).describe(names).replace(" -F pid!=0", "")
            listed = ", ".join(names.get(n, str(n)) for n in sorted(missing))
            self._warn(
                "coverage",
                f"Multicast mode: no installed rule audits {listed}; add to the owner's rules: "
                f"{rule}",
            )

    def _warn(self, topic: str, message: str) -> None:
        now = time.monotonic()
        if now - self._warned.get(topic, -WARN_SECONDS) >= WARN_SECONDS:
            self._warned[topic] = now
            self._report("warning", message)

    def run(self, stop: threading.Event) -> None:
        """Receive records, fire each batch of completed events, watch the kernel's status."""
        stream, assembler = self.stream, self.assembler
        if stream is None or assembler is None:
            raise PublisherError(self.reason or "Audit publisher not set up")
        if self.mode == "unicast" and not self.claimed:
            self._claim()
        next_status = next_expire = 0.0
        batch: list[AuditEvent] = []
        fire_at = 0.0
        while not stop.is_set():
            # Fire at most every FIRE_SECONDS: each fire is one store write downstream.
            wait = POLL_SECONDS if not batch else max(0.0, fire_at - time.monotonic())
            raw, overruns = stream.receive(wait, RECEIVE_LIMIT, UNUSED)
            if raw and len(raw) < RECEIVE_LIMIT:
                # Drained: let records pile up briefly so each wake-up handles many.
                stop.wait(DRAIN_PAUSE)
            if overruns:
                self.count("queue_overflows", overruns)
            if raw:
                self.count("records", len(raw))
                malformed = assembler.malformed
                events = assembler.feed(raw)
                if assembler.malformed != malformed:
                    self.count("malformed", assembler.malformed - malformed)
                if events and not batch:
                    fire_at = time.monotonic() + FIRE_SECONDS
                batch += events
            now = time.monotonic()
            if batch and (now >= fire_at or len(batch) >= FIRE_EVENTS):
                self.fire({"audit_events": batch})
                batch = []
            if now >= next_status:
                next_status = now + STATUS_SECONDS
                self.check_kernel()
            if now >= next_expire:
                next_expire = now + EXPIRE_SECONDS
                expired = assembler.expire(time.time())
                if expired:
                    self.count("expired", expired)
        if batch:
            self.fire({"audit_events": batch})

    def check_kernel(self) -> None:
        """Count new kernel losses; notice a lost claim (and retake it with audit_persist)."""
        if self.control is None:
            return
        try:
            status = self.control.status()
        except OSError:
            return  # a busy moment (ENOBUFS, timeout): look again next second
        lost = status.lost - self.lost_base - self.counters["lost"]
        if lost > 0:
            self.count("lost", lost)
            self._warn(
                "lost",
                f"The kernel's audit backlog overflowed (lost counter {status.lost}): raise "
                "--audit_backlog_limit, or audit fewer syscalls",
            )
        if self.mode == "unicast" and self.claimed and status.pid != os.getpid():
            self.claimed = False
            self.owner = (status.pid, process_name(status.pid))
            self._report("warning", f"Audit control lost to pid {status.pid} ({self.owner[1]})")
            if not self.values["audit_persist"]:
                raise self._fail(owner_message(*self.owner))
            self._claim()

    def teardown(self) -> None:
        """Remove exactly the rules installed, release the pid, restore changed settings."""
        control = self.control
        try:
            if control is not None:
                self._restore(control)
        finally:
            for sock in (self.stream, self.control):
                if sock is not None:
                    sock.close()
            self.stream = self.control = None
            self.installed, self.restore, self.claimed = [], {}, False

    def _restore(self, control: AuditSocket) -> None:
        rules = self.installed
        if self.values["audit_force_unconfigure"] and rules:
            try:
                present = control.list_rules()
            except OSError:
                present = rules
            rules = [rule for rule in rules if rule in present]
        steps: list[tuple[str, Callable[[], None]]] = []
        for rule in reversed(rules):
            steps.append((f"remove rule {rule.describe()}", partial(control.delete_rule, rule)))
        if self.claimed:
            steps.append(("release the audit pid", partial(control.set_status, pid=0)))
        for name, old in reversed(self.restore.items()):
            steps.append((f"restore {name}={old}", partial(control.set_status, **{name: old})))
        for what, step in steps:
            try:
                step()
            except OSError as exc:
                self._report("warning", f"Audit teardown could not {what}: {exc}")


class AuditSubscriber(Subscriber):
    """An audit table's subscriber: refuses without its allow flag, builds rows per batch."""

    publisher = AuditPublisher.name
    allow_flag = ""

    def refusal(self) -> str:
        """Why the subscriber is paused ("" when it runs): its --audit_allow_* flag is off."""
        return "" if self.values[self.allow_flag] else "Subscriber disabled via configuration"

    def rows(self, event: Event) -> list[Row]:
        """The rows of one fired batch of audit events."""
        if not self.values[self.allow_flag]:
            return []
        uptime = int(time.clock_gettime(time.CLOCK_BOOTTIME))
        return self.build(event.get("audit_events", ()), uptime)

    def build(self, events: Sequence[AuditEvent], uptime: int) -> list[Row]:
        """The table's rows for a batch of assembled audit events."""
        raise NotImplementedError
