"""Exec storm: hostqld's process_events against auditd writing audit.log, on the same storm.

A spawner starts RATE short processes per second (a copy of /bin/true under a unique name)
for SECONDS. Run 1: hostqld owns the audit socket (unicast, --audit_allow_config) and
buffers process_events; its rows are counted in its backing store after it stops. Run 2:
auditd (private config, audit.log in a temp dir) owns it with the same execve rule; its
SYSCALL records are counted in audit.log, and hostql's own parser turns the log into rows
(auditd alone yields no rows: "auditd plus a parser"). Reported: captured / started for
both, kernel `lost` growth, and CPU per 1,000 events/s (hostqld against auditd + parser).
Needs root and the Debian package auditd; restores the kernel's audit state when done.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from harness import report

from hostql.events.audit_records import AuditAssembler, record_filter
from hostql.events.publishers.audit_rules import build_rule, syscall_names, wanted_syscalls
from hostql.flags import default_values
from hostql.host.audit_netlink import AuditSocket
from hostql.tables.events.process_events import process_rows

RATE = int(os.environ.get("HOSTQL_BENCH_STORM_RATE", "2000"))
SECONDS = int(os.environ.get("HOSTQL_BENCH_STORM_SECONDS", "10"))
TICKS = os.sysconf("SC_CLK_TCK")
RECORD_TYPES = {"SYSCALL": 1300, "PATH": 1302, "CWD": 1307, "EXECVE": 1309}
RECORD_TYPES |= {"BPRM_FCAPS": 1321, "PROCTITLE": 1327, "EOE": 1320}
REGISTER = """
import runpy, sys
import hostql.events.publishers as p
p.PUBLISHERS.setdefault("auditeventpublisher", "hostql.events.publishers.audit:AuditPublisher")
p.SUBSCRIBERS.setdefault("process_events", ("auditeventpublisher",
    "hostql.tables.events.process_events:ProcessEventsSubscriber"))
sys.argv = ["hostql", *sys.argv[1:]]
runpy.run_module("hostql", run_name="__main__")
"""


def storm(path: str, rate: int, seconds: int) -> tuple[int, float]:
    """Start rate processes per second for seconds (as fast as possible if behind).

    Returns how many started and the seconds the starting took.
    """
    started = pending = 0
    begin = time.monotonic()
    while (elapsed := time.monotonic() - begin) < seconds:
        due = int(elapsed * rate) - started
        if due <= 0:
            time.sleep(0.001)
        for _ in range(min(max(due, 0), 64)):  # then look at the clock again
            os.posix_spawn(path, [os.path.basename(path)], {})
            started += 1
            pending += 1
        while pending:
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            pending -= 1
    took = time.monotonic() - begin
    while pending:
        os.waitpid(-1, 0)
        pending -= 1
    return started, took


def run_storm(path: Path) -> tuple[int, float]:
    """(processes started, seconds taken) by a spawner in its own process."""
    out = subprocess.run(
        [sys.executable, __file__, "--storm", str(path), str(RATE), str(SECONDS)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    started, took = out.split()
    return int(started), float(took)


def cpu_seconds(pid: int) -> float:
    """user + system CPU seconds of pid so far."""
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / TICKS


def wait_until(check: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def run_hostqld(work: Path, marker: Path, control: AuditSocket) -> dict[str, float]:
    """Storm under hostqld; captured rows, CPU and kernel losses."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "hostql.conf").write_text("{}")
    lost = control.status().lost
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            REGISTER,
            "daemon",
            f"--config_path={work / 'hostql.conf'}",
            f"--database_path={work / 'db'}",
            f"--logger_path={work / 'log'}",
            f"--pidfile={work / 'pid'}",
            "--disable_watchdog",
            "--disable_events=false",
            "--disable_audit=false",
            "--audit_allow_config",
            "--logger_min_stderr=2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: control.status().pid == proc.pid, 30, "hostqld to claim audit")
        wait_until(lambda: any(r.key() == "hostql" for r in control.list_rules()), 10, "rule")
        before = cpu_seconds(proc.pid)
        started, took = run_storm(marker)
        time.sleep(2)  # let the last records drain
        cpu = cpu_seconds(proc.pid) - before
        lost = control.status().lost - lost
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    captured = count_stored_rows(work / "db", marker)
    return {"started": started, "took": took, "cpu": cpu, "captured": captured, "lost": lost}


def count_stored_rows(database: Path, marker: Path) -> int:
    """process_events rows for the marker executable in hostqld's backing store."""
    import apsw

    connection = apsw.Connection(str(database), flags=apsw.SQLITE_OPEN_READONLY)
    count = 0
    for (value,) in connection.execute(
        "select value from kv where domain = 'events' and key like "
        "'data.auditeventpublisher.process_events.%'"
    ):
        row = json.loads(value)
        count += row.get("path") == str(marker)
    return count


AUDITD_CONF = """\
local_events = yes
write_logs = yes
log_file = {dir}/audit.log
log_group = root
log_format = RAW
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 1024
num_logs = 2
name_format = NONE
max_log_file_action = IGNORE
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


def run_auditd(work: Path, marker: Path, control: AuditSocket) -> dict[str, float]:
    """Storm under auditd with hostql's execve rule; captured records and CPU."""
    config = work / "auditd"
    (config / "plugins.d").mkdir(parents=True)
    config.chmod(0o750)
    (config / "auditd.conf").write_text(AUDITD_CONF.format(dir=config))
    (config / "auditd.conf").chmod(0o640)
    values = default_values()
    rule = build_rule(wanted_syscalls(values), own_pid=0)
    original = control.status()
    lost = original.lost
    binary = shutil.which("auditd") or "/usr/sbin/auditd"
    proc = subprocess.Popen([binary, "-n", "-s", "nochange", "-c", str(config)])
    try:
        wait_until(lambda: control.status().pid == proc.pid, 30, "auditd to claim audit")
        control.set_status(enabled=1, backlog_limit=int(values["audit_backlog_limit"]))
        control.set_status(backlog_wait_time=0)
        control.add_rule(rule)
        before = cpu_seconds(proc.pid)
        started, took = run_storm(marker)
        time.sleep(2)
        cpu = cpu_seconds(proc.pid) - before
        lost = control.status().lost - lost
    finally:
        with contextlib.suppress(OSError):
            control.delete_rule(rule)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        control.set_status(enabled=original.enabled, backlog_limit=original.backlog_limit)
        control.set_status(backlog_wait_time=original.backlog_wait_time)
    log = config / "audit.log"
    begin = time.process_time()
    parsed = parse_audit_log(log, marker)
    parser_cpu = time.process_time() - begin
    captured = sum(
        1
        for line in log.read_text(errors="replace").splitlines()
        if line.startswith("type=SYSCALL") and f'exe="{marker}"' in line and "success=yes" in line
    )
    return {
        "started": started,
        "took": took,
        "cpu": cpu,
        "parser_cpu": parser_cpu,
        "captured": captured,
        "parsed": parsed,
        "lost": lost,
    }


def parse_audit_log(log: Path, marker: Path) -> int:
    """process_events rows for marker that hostql's parser builds from audit.log."""
    assembler = AuditAssembler(record_filter(selinux=False, apparmor=False, seccomp=False))
    names = syscall_names()
    rows = 0
    last_id = ""
    with log.open(errors="replace") as lines:
        for line in lines:
            kind, _, text = line.rstrip("\n").partition(" msg=")
            number = RECORD_TYPES.get(kind[5:])
            if number is None:
                continue
            audit_id = text[6 : text.find(")")]
            # auditd does not log EOE: a new event id ends the previous event.
            records = [(1320, f"audit({last_id}): ")] if last_id and audit_id != last_id else []
            last_id = audit_id
            records.append((number, text))
            events = assembler.feed(records)
            if events:
                rows += sum(r["path"] == str(marker) for r in process_rows(events, names, 0))
    return rows


def main() -> None:
    """Run the storm under hostqld, then under auditd, and report both."""
    if os.geteuid() != 0 or shutil.which("auditd") is None:
        sys.exit("bench_exec_storm needs root and auditd (apt-get install auditd)")
    # The live audit tests take the same lock: never change audit state under each other.
    lock = open("/tmp/hostql-audit-tests.lock", "a")  # noqa: SIM115 - held until exit
    fcntl.flock(lock, fcntl.LOCK_EX)
    control = AuditSocket()
    status = control.status()
    if status.pid:
        sys.exit(f"pid {status.pid} owns the audit socket: stop it first")
    work = Path(tempfile.mkdtemp(prefix="hostql-storm-"))
    marker = work / f"storm-true-{uuid.uuid4().hex[:8]}"
    shutil.copy("/bin/true", marker)
    rules = control.list_rules()
    try:
        ours = run_hostqld(work / "hostql", marker, control)
        theirs = run_auditd(work, marker, control)
    finally:
        for rule in control.list_rules():
            if rule not in rules:
                control.delete_rule(rule)
        after = control.status()
        if (after.enabled, after.backlog_limit) != (status.enabled, status.backlog_limit):
            control.set_status(enabled=status.enabled, backlog_limit=status.backlog_limit)
        shutil.rmtree(work, ignore_errors=True)
    for name, run in (("hostqld", ours), ("auditd", theirs)):
        rate = run["started"] / run["took"]
        report(
            f"exec storm: {name} captured / started",
            run["captured"],
            run["started"],
            ">= 1.0",
            "processes started",
            f"{run['started']} started at {rate:.0f}/s (asked {RATE}/s for {SECONDS} s); "
            f"kernel lost +{run['lost']:.0f}",
            unit="events",
        )
    per_k = {}
    for name, run, cpu in (
        ("hostqld", ours, ours["cpu"]),
        ("auditd", theirs, theirs["cpu"] + theirs["parser_cpu"]),
    ):
        events_per_s = max(run["captured"], 1) / SECONDS
        per_k[name] = cpu / SECONDS / (events_per_s / 1000)
    report(
        "exec storm: CPU per 1,000 events/s",
        per_k["hostqld"],
        per_k["auditd"],
        "< 1.0",
        "auditd writing audit.log + hostql's parser over it",
        f"hostqld {ours['cpu']:.2f} CPU s; auditd {theirs['cpu']:.2f} + parser "
        f"{theirs['parser_cpu']:.2f} CPU s ({theirs['parsed']} rows parsed)",
        unit="cores",
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--storm"]:
        print(*storm(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
    else:
        main()
