"""The audit tables on the real kernel: unicast capture, auditd owner detection, multicast.

Every test restores the kernel's audit state (rules, enabled, pid, backlog limit, failure
mode, wait time) even when it fails, and checks it with auditctl -s / -l. auditd runs from
a private config writing audit.log in a temporary directory and is stopped by its pid.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from hostql.events.bus import EventRuntime
from hostql.events.publishers.audit import AuditPublisher
from hostql.events.service import EventsConfig
from hostql.events.store import EventStore, MemoryStore
from hostql.flags import FlagValues, default_values
from hostql.host.audit_netlink import (
    AUDIT_ARCH,
    AUDIT_EQUAL,
    AUDIT_FILTERKEY,
    AuditRule,
    AuditSocket,
    RuleField,
    native_arch,
)
from hostql.tables.events.apparmor_events import AppArmorEventsSubscriber
from hostql.tables.events.process_events import ProcessEventsSubscriber
from hostql.tables.events.process_file_events import ProcessFileEventsSubscriber
from hostql.tables.events.seccomp_events import SeccompEventsSubscriber
from hostql.tables.events.selinux_events import SelinuxEventsSubscriber
from hostql.tables.events.socket_events import SocketEventsSubscriber
from hostql.tables.events.user_events import UserEventsSubscriber

pytestmark = pytest.mark.live

SETTINGS = ("enabled", "failure", "backlog_limit", "backlog_wait_time")
SUBSCRIBERS = (
    ProcessEventsSubscriber,
    SocketEventsSubscriber,
    UserEventsSubscriber,
    ProcessFileEventsSubscriber,
    SelinuxEventsSubscriber,
    AppArmorEventsSubscriber,
    SeccompEventsSubscriber,
)
AUDITD_CONF = """\
local_events = yes
write_logs = yes
log_file = {dir}/audit.log
log_group = root
log_format = RAW
flush = INCREMENTAL_ASYNC
freq = 20
max_log_file = 64
num_logs = 2
name_format = NONE
max_log_file_action = ROTATE
space_left = 2
space_left_action = IGNORE
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
plugin_dir = {dir}/plugins.d
q_depth = 2000
end_of_event_timeout = 2
"""


# Live audit tests and the exec-storm benchmark change machine-wide kernel state: runs on
# the same machine (two test sessions) take turns through this lock.
AUDIT_LOCK = "/tmp/hostql-audit-tests.lock"


@contextmanager
def audit_lock(timeout: float = 300.0) -> Iterator[bool]:
    """Hold the machine-wide audit test lock (yields False if it was not free in time)."""
    with open(AUDIT_LOCK, "a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    yield False
                    return
                time.sleep(0.2)
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _unavailable() -> str:
    if os.geteuid() != 0:
        return "needs root"
    if shutil.which("auditctl") is None:
        return "auditctl (Debian package auditd) is not installed"
    try:
        AuditSocket().close()
    except OSError as exc:
        return f"this kernel has no audit netlink: {exc}"
    return ""


def _auditctl_status() -> dict[str, str]:
    out = subprocess.run(["auditctl", "-s"], capture_output=True, text=True, check=True).stdout
    return dict(line.split(" ", 1) for line in out.splitlines() if " " in line)


def _auditctl_rules() -> str:
    return subprocess.run(["auditctl", "-l"], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def audit_guard() -> Iterator[AuditSocket]:
    """A control socket; every audit change a test makes is undone and checked with auditctl."""
    reason = _unavailable()
    if reason:
        pytest.skip(reason)
    with audit_lock() as locked:
        if not locked:
            pytest.skip("another run holds the audit test lock")
        yield from _guarded()


def _guarded() -> Iterator[AuditSocket]:
    control = AuditSocket()
    before, rules = control.status(), control.list_rules()
    shown_status, shown_rules = _auditctl_status(), _auditctl_rules()
    try:
        yield control
    finally:
        for rule in control.list_rules():
            if rule not in rules:
                control.delete_rule(rule)
        if control.status().pid == os.getpid():
            control.set_status(pid=0)
        now = control.status()
        for name in SETTINGS:
            if getattr(now, name) != getattr(before, name):
                control.set_status(**{name: getattr(before, name)})
        control.close()
        after = _auditctl_status()
        for name in ("enabled", "failure", "pid", "backlog_limit", "backlog_wait_time"):
            assert after[name] == shown_status[name], name
        assert _auditctl_rules() == shown_rules


@pytest.fixture
def auditd(tmp_path: Path, audit_guard: AuditSocket) -> Iterator[tuple[int, Path]]:
    """auditd from a private config, owning the audit pid; (its pid, its audit.log)."""
    if audit_guard.status().pid:
        pytest.skip("another process already owns the audit pid")
    config = tmp_path / "auditd"
    (config / "plugins.d").mkdir(parents=True)
    config.chmod(0o750)
    (config / "auditd.conf").write_text(AUDITD_CONF.format(dir=config))
    (config / "auditd.conf").chmod(0o640)
    binary = shutil.which("auditd") or "/usr/sbin/auditd"
    process = subprocess.Popen(
        [binary, "-n", "-s", "nochange", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while audit_guard.status().pid != process.pid:
            if process.poll() is not None or time.monotonic() > deadline:
                err = process.stderr.read().decode() if process.stderr else ""
                pytest.fail(f"auditd did not take the audit pid: {err}")
            time.sleep(0.05)
        yield process.pid, config / "audit.log"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


class StatusLines:
    """A StatusSink keeping every line."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def info(self, message: str, *, verbose: bool = False) -> None:
        self.lines.append(("info", message))

    def warning(self, message: str) -> None:
        self.lines.append(("warning", message))

    def error(self, message: str) -> None:
        self.lines.append(("error", message))


class Running:
    """The events runtime with the audit publisher and its seven subscribers."""

    def __init__(self, values: FlagValues, file_paths: dict[str, tuple[str, ...]]) -> None:
        self.status = StatusLines()
        self.store = EventStore(MemoryStore(), values, self.status, daemon=False)
        self.publisher = AuditPublisher(values)
        self.runtime = EventRuntime(
            values,
            self.store,
            self.status,
            [self.publisher],
            [cls(values) for cls in SUBSCRIBERS],
            backoff=(0.5, 1.0),
        )
        self.runtime.configure(EventsConfig(file_paths=file_paths))
        self.runtime.start()

    def rows(self, table: str) -> list[dict[str, Any]]:
        return list(self.store.rows(table, optimize=False))

    def wait(
        self, table: str, match: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [row for row in self.rows(table) if match(row)]
            if found:
                return found
            time.sleep(0.1)
        return []

    def until(self, check: Callable[[], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def publisher_row(self) -> dict[str, Any]:
        return next(r for r in self.runtime.describe() if r["type"] == "publisher")

    def stop(self) -> None:
        self.runtime.stop(10)


def audit_values(**flags: Any) -> FlagValues:
    values = default_values()
    values.set("disable_audit", False)
    values.set("disable_events", False)
    for name, value in flags.items():
        values.set(name, value)
    return values


def running(values: FlagValues, file_paths: dict[str, tuple[str, ...]] | None = None) -> Running:
    return Running(values, file_paths or {})


def test_unicast_captures_exec_socket_and_pam_login(audit_guard: AuditSocket) -> None:
    if audit_guard.status().pid:
        pytest.skip("another process owns the audit pid")
    marker = f"hostql-{uuid.uuid4().hex[:8]}"
    events = running(audit_values(audit_allow_config=True, audit_allow_sockets=True))
    try:
        assert events.until(lambda: events.publisher_row()["active"] == 1)
        status = audit_guard.status()
        assert (status.pid, status.enabled, status.backlog_limit) == (os.getpid(), 1, 4096)
        assert "key=hostql" in _auditctl_rules()
        subprocess.run(["/bin/echo", marker, "a b"], stdout=subprocess.DEVNULL, check=True)
        (row,) = events.wait("process_events", lambda r: marker in r.get("cmdline", ""))
        assert row["cmdline"] == f"/bin/echo {marker} a b" and row["path"] == "/usr/bin/echo"
        assert row["cwd"] == os.getcwd() and row["syscall"] == "execve"
        assert row["parent"] == os.getpid() and row["mode"] == "0100755"
        assert row["time"] > 0 and row["eid"]

        with socket.socket() as server:
            server.bind(("127.0.0.1", 0))
            server.listen()
            port = server.getsockname()[1]
            client = f"import socket; socket.create_connection(('127.0.0.1', {port})).close()"
            subprocess.run([sys.executable, "-c", client], check=True)
        connects = events.wait(
            "socket_events", lambda r: r["action"] == "connect" and r.get("remote_port") == port
        )
        assert connects and connects[0]["remote_address"] == "127.0.0.1"
        assert connects[0]["family"] == 2 and connects[0]["status"] == "succeeded"

        su = shutil.which("su")
        if su:
            subprocess.run([su, "nobody", "-s", "/bin/sh", "-c", "true"], check=True)
            logins = events.wait("user_events", lambda r: r["path"] == su)
            assert logins and {r["type"] for r in logins} <= set(range(1100, 1200))
            assert any(r["message"].startswith("op=PAM:") for r in logins)

        described = events.publisher_row()
        assert described["events"] > 0 and described["last_error"] == ""
    finally:
        events.stop()


def test_unicast_tracks_file_writes(audit_guard: AuditSocket, tmp_path: Path) -> None:
    if audit_guard.status().pid:
        pytest.skip("another process owns the audit pid")
    watched = tmp_path / "watched"
    watched.mkdir()
    values = audit_values(
        audit_allow_config=True, audit_allow_process_events=False, audit_allow_fim_events=True
    )
    files = (f"{watched}/a.txt", f"{watched}/b.txt")
    events = running(values, {"tmp": files})
    try:
        assert events.until(lambda: events.publisher_row()["active"] == 1)
        script = "echo hi > a.txt && mv a.txt b.txt && rm b.txt"
        subprocess.run(["/bin/sh", "-c", script], cwd=watched, check=True)
        gone = events.wait("process_file_events", lambda r: r["operation"] == "unlink")
        assert gone, events.rows("process_file_events")
        rows = events.rows("process_file_events")
        seen = [(r["operation"], r["path"], r.get("dest_path")) for r in rows]
        assert ("open+truncate", files[0], None) in seen
        assert ("write", files[0], None) in seen
        assert ("rename", files[0], files[1]) in seen
        assert ("unlink", files[1], None) in seen
    finally:
        events.stop()


def test_owner_is_reported_not_a_silently_empty_table(auditd: tuple[int, Path]) -> None:
    pid, _log = auditd
    events = running(audit_values(audit_allow_config=True))
    try:
        assert events.until(lambda: "auditd" in events.publisher_row()["last_error"])
        row = events.publisher_row()
        assert f"pid {pid} (auditd)" in row["last_error"] and row["active"] == 0
        errors = [line for level, line in events.status.lines if level == "error"]
        assert any(f"owned by pid {pid} (auditd)" in line for line in errors)
    finally:
        events.stop()


def test_multicast_reads_beside_auditd(audit_guard: AuditSocket, auditd: tuple[int, Path]) -> None:
    pid, log = auditd
    # The administrator's rule, as auditd's rules file would install it.
    fields = [RuleField(AUDIT_ARCH, AUDIT_EQUAL, native_arch())] if native_arch() else []
    fields.append(RuleField(AUDIT_FILTERKEY, AUDIT_EQUAL, "admin"))
    audit_guard.set_status(enabled=1)
    audit_guard.add_rule(AuditRule(frozenset({59}), tuple(fields)))
    marker = f"hostql-{uuid.uuid4().hex[:8]}"
    events = running(audit_values(audit_mode="multicast", audit_allow_config=True))
    try:
        assert events.until(lambda: events.publisher_row()["active"] == 1)
        assert events.publisher.mode == "multicast"
        time.sleep(0.2)  # the group is joined before run: let the first poll start
        subprocess.run(["/bin/echo", marker], stdout=subprocess.DEVNULL, check=True)
        rows = events.wait("process_events", lambda r: marker in r.get("cmdline", ""))
        assert rows and rows[0]["path"] == "/usr/bin/echo"
        assert audit_guard.status().pid == pid  # auditd kept the socket
        assert "key=hostql" not in _auditctl_rules()  # and its rules: hostql added none
        deadline = time.monotonic() + 10
        while not (log.exists() and marker in log.read_text()):
            if time.monotonic() > deadline:
                pytest.fail("auditd's log never showed the exec hostql saw")
            time.sleep(0.1)
    finally:
        events.stop()
    assert audit_guard.status().pid == pid


def test_auto_mode_falls_back_to_multicast(auditd: tuple[int, Path]) -> None:
    events = running(audit_values(audit_mode="auto"))
    try:
        assert events.until(lambda: events.publisher_row()["active"] == 1)
        assert events.publisher.mode == "multicast"
        warnings = [line for level, line in events.status.lines if level == "warning"]
        assert any("reading the read-only multicast group" in line for line in warnings)
    finally:
        events.stop()


def test_teardown_restores_even_when_run_fails(audit_guard: AuditSocket) -> None:
    if audit_guard.status().pid:
        pytest.skip("another process owns the audit pid")
    before = audit_guard.status()
    publisher = AuditPublisher(audit_values(audit_allow_config=True, audit_allow_sockets=True))
    publisher.setup()
    try:
        publisher.fire = lambda event: (_ for _ in ()).throw(RuntimeError("subscriber bug"))
        stop = threading.Event()
        subprocess.run(["/bin/true"], check=True)
        with pytest.raises(RuntimeError, match="subscriber bug"):
            publisher.run(stop)
    finally:
        publisher.teardown()
    after = audit_guard.status()
    assert [getattr(after, n) for n in (*SETTINGS, "pid")] == [
        getattr(before, n) for n in (*SETTINGS, "pid")
    ]
    assert not any(rule.key() == "hostql" for rule in audit_guard.list_rules())


def test_kernel_losses_are_counted_and_reported(audit_guard: AuditSocket) -> None:
    if audit_guard.status().pid:
        pytest.skip("another process owns the audit pid")
    # A backlog of one record overflows on any burst: the kernel counts what it drops.
    events = running(audit_values(audit_allow_config=True, audit_backlog_limit=1))
    burst = (
        "import os\n"
        "for _ in range(300):\n"
        "    os.waitpid(os.posix_spawn('/bin/true', ['true'], {}), 0)\n"
    )
    try:
        assert events.until(lambda: events.publisher_row()["active"] == 1)
        subprocess.run([sys.executable, "-c", burst], check=True)
        assert events.until(lambda: events.publisher_row()["lost"] > 0)
        events.runtime.step(0.0)
        warnings = [line for level, line in events.status.lines if level == "warning"]
        assert any("backlog overflowed" in line for line in warnings)
        assert any("events lost" in line for line in warnings)
    finally:
        events.stop()
