"""The watcher with real worker processes: limits enforced, respawns, signals, the worker's side."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import platform
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from hostql.daemon.limits import cpu_limit_ms, limits_for
from hostql.daemon.watchdog import physical_cores, read_sample, run_watcher
from hostql.flags import default_values

INTERVAL = 0.25
# A test worker: its behaviour on the n-th start is plan[n-1] (the last entry repeats).
WORKER = textwrap.dedent(
    """
    import json, os, signal, sys, time
    from pathlib import Path

    home = Path(sys.argv[1])
    plan = json.loads((home / "plan.json").read_text())
    runs = home / "runs"
    started = len(runs.read_text().splitlines()) if runs.exists() else 0
    mode = plan[min(started, len(plan) - 1)]
    # Signals are taken synchronously, so they are seen in the kernel's delivery order.
    watched = {signal.SIGUSR1, signal.SIGTERM, signal.SIGHUP}
    signal.pthread_sigmask(signal.SIG_BLOCK, watched)
    log = os.open(home / "signals", os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def take_signals(timeout):
        info = signal.sigtimedwait(watched, timeout)
        if info is None:
            return
        os.write(log, f"{os.getpid()} {signal.Signals(info.si_signo).name}\\n".encode())
        if info.si_signo == signal.SIGTERM and not mode.endswith("ignoring_sigterm"):
            sys.exit(0)

    def idle(seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            take_signals(0.05)

    (home / "executing").write_text(f"pack_{mode}")  # as the scheduler records its query
    with runs.open("a") as out:
        out.write(f"{os.getpid()} {time.monotonic()} {os.environ.get('HOSTQL_WORKER')}\\n")

    if mode == "steady":
        idle(1.0)
        (home / "executing").write_text("")
        sys.exit(0)
    if mode == "exit0":
        (home / "executing").write_text("")
        sys.exit(0)
    if mode == "exit78":
        sys.exit(78)
    if mode == "crash":
        sys.exit(3)
    if mode.startswith("hog_memory"):
        idle(0.6)  # past the first check, which takes the baseline
        blob = b"\\x01" * (200 << 20)
    if mode == "hog_cpu":
        while True:
            for _ in range(20_000):
                pass
            take_signals(0)
    idle(60)
    """
)
# The watcher process under test: run_watcher with callbacks that write to files.
DRIVER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from hostql.daemon.watchdog import run_watcher
    from hostql.flags import default_values

    home = Path(sys.argv[1])
    setup = json.loads((home / "driver.json").read_text())
    values = default_values()
    for name, value in setup["flags"].items():
        values.set(name, value)
    grown = []

    def on_status(severity, message):
        with (home / "status").open("a") as out:
            out.write(json.dumps([severity, message]) + "\\n")
        if severity == 0 and setup.get("grow_watcher_at_debug_line"):
            if len(grown) + 1 == setup["grow_watcher_at_debug_line"]:
                grown.append(b"\\x01" * (100 << 20))
            else:
                grown.append(b"")

    def read_executing_query():
        if setup.get("executing_query_error"):
            raise RuntimeError(setup["executing_query_error"])
        path = home / "executing"
        return path.read_text() if path.exists() else None

    worker = [sys.executable, str(home / "worker.py"), str(home)]
    code = run_watcher(
        worker, values, on_status=on_status, read_executing_query=read_executing_query,
        check_interval=setup["interval"],
    )
    sys.exit(code)
    """
)


def utilization_for_hog() -> int:
    """A --watchdog_utilization_limit a one-thread busy loop exceeds on this machine."""
    return max(1, min(10, 30 // physical_cores()))


def base_flags() -> dict[str, Any]:
    return {
        "watchdog_delay": 0,
        "watchdog_memory_limit": 50,
        "watchdog_latency_limit": 2,
        "watchdog_utilization_limit": utilization_for_hog(),
        "watchdog_max_delay": 1,
        "watchdog_forced_shutdown_delay": 2,
    }


class WatcherRun:
    """A watcher process (the driver) over test workers in one directory, all killed at the end."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.driver: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        (home / "worker.py").write_text(WORKER)
        (home / "driver.py").write_text(DRIVER)

    def start(self, plan: list[str], **setup: Any) -> subprocess.Popen[bytes]:
        flags = base_flags() | setup.pop("flags", {})
        (self.home / "plan.json").write_text(json.dumps(plan))
        (self.home / "driver.json").write_text(
            json.dumps({"flags": flags, "interval": INTERVAL, **setup})
        )
        self.started = time.monotonic()
        self.driver = subprocess.Popen(
            [sys.executable, str(self.home / "driver.py"), str(self.home)],
            stdout=subprocess.DEVNULL,
            stderr=(self.home / "driver.err").open("wb"),
        )
        return self.driver

    def finish(self, timeout: float = 15) -> int:
        assert self.driver is not None
        return self.driver.wait(timeout)

    def runs(self) -> list[tuple[int, float, str]]:
        path = self.home / "runs"
        lines = path.read_text().splitlines() if path.exists() else []
        return [(int(p), float(t), w) for p, t, w in (line.split() for line in lines)]

    def statuses(self) -> list[tuple[int, str]]:
        path = self.home / "status"
        lines = path.read_text().splitlines() if path.exists() else []
        return [tuple(json.loads(line)) for line in lines]  # type: ignore[misc]

    def signals(self, pid: int) -> list[str]:
        path = self.home / "signals"
        lines = path.read_text().splitlines() if path.exists() else []
        return [name for p, name in (line.split() for line in lines) if int(p) == pid]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.02)

    def kill_all(self) -> None:
        if self.driver is not None:
            self.driver.kill()
            self.driver.wait(5)
        for pid, _, _ in self.runs():
            kill_if_running(pid, self.home / "worker.py")


def kill_if_running(pid: int, script: Path) -> None:
    """SIGKILL pid if it still runs script (a reaped pid may since belong to another process)."""
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        return
    if str(script).encode() in arguments:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def watcher(tmp_path: Path) -> Iterator[WatcherRun]:
    run = WatcherRun(tmp_path)
    yield run
    run.kill_all()


STOPPING = re.compile(r"hostqld worker \((\d+)\) stopping: (.*)")


def test_a_memory_hog_is_stopped_and_the_next_worker_runs(watcher: WatcherRun) -> None:
    watcher.start(["hog_memory", "steady"])
    assert watcher.finish() == 0
    (hog, _, parent), (steady, _, _) = watcher.runs()
    assert parent == str(watcher.driver.pid)  # type: ignore[union-attr]
    statuses = watcher.statuses()
    assert len(statuses) == 3, statuses
    severity, message = statuses[0]
    match = STOPPING.fullmatch(message)
    assert severity == 2 and match, message
    assert int(match[1]) == hog
    footprint = re.fullmatch(r"Memory limits exceeded: (\d+) bytes \(limit is 50MB\)", match[2])
    assert footprint, match[2]
    assert 50 << 20 < int(footprint[1]) < 260 << 20
    assert statuses[1:] == [
        (2, "Scheduled query may have failed: pack_hog_memory"),
        (1, "hostqld worker respawning too quickly: 1 times"),
    ]
    assert watcher.signals(hog) == ["SIGUSR1", "SIGTERM"]
    assert watcher.signals(steady) == []


def test_a_cpu_hog_is_stopped_after_the_latency_limit(watcher: WatcherRun) -> None:
    watcher.start(["hog_cpu", "steady"])
    assert watcher.finish() == 0
    (hog, hog_started, _), (_, steady_started, _) = watcher.runs()
    values = default_values()
    for name, value in base_flags().items():
        values.set(name, value)
    limit_ms = cpu_limit_ms(replace(limits_for(values), interval_s=INTERVAL), physical_cores())
    assert watcher.statuses() == [
        (
            2,
            f"hostqld worker ({hog}) stopping: Maximum sustainable CPU utilization limit "
            f"{limit_ms}ms exceeded for 2 seconds",
        ),
        (2, "Scheduled query may have failed: pack_hog_cpu"),
        (1, "hostqld worker respawning too quickly: 1 times"),
    ]
    assert watcher.signals(hog) == ["SIGUSR1", "SIGTERM"]
    # Eight over-limit checks of 0.25 s, then the respawn backoff (capped at 1 s).
    assert steady_started - hog_started >= 2 + 1 - 0.1


def test_a_worker_ignoring_sigterm_is_killed(watcher: WatcherRun) -> None:
    watcher.start(
        ["hog_memory_ignoring_sigterm", "steady"], flags={"watchdog_forced_shutdown_delay": 1}
    )
    assert watcher.finish() == 0
    (hog, _, _), _ = watcher.runs()
    statuses = watcher.statuses()
    assert STOPPING.fullmatch(statuses[0][1])
    assert statuses[1:] == [
        (1, f"hostqld worker ({hog}) could not be stopped. Sending kill signal."),
        (2, "Scheduled query may have failed: pack_hog_memory_ignoring_sigterm"),
        (1, "hostqld worker respawning too quickly: 1 times"),
    ]
    assert watcher.signals(hog) == ["SIGUSR1", "SIGTERM"]


def test_crashing_workers_are_respawned_with_backoff_then_given_up(watcher: WatcherRun) -> None:
    watcher.start(["crash"])
    assert watcher.finish() == 1
    runs = watcher.runs()
    assert len(runs) == 5
    gaps = [later[1] - earlier[1] for earlier, later in itertools.pairwise(runs)]
    assert all(gap >= 0.9 for gap in gaps), gaps  # watchdog_max_delay=1 caps every backoff
    failed = (2, "Scheduled query may have failed: pack_crash")
    expected: list[tuple[int, str]] = []
    for restart in range(1, 5):
        expected += [failed, (1, f"hostqld worker respawning too quickly: {restart} times")]
    assert watcher.statuses() == [*expected, failed, (2, "Too many worker restarts")]


def test_an_unreadable_executing_query_is_a_warning(watcher: WatcherRun) -> None:
    watcher.start(["crash", "exit0"], executing_query_error="database is locked")
    assert watcher.finish() == 0
    assert watcher.statuses() == [
        (1, "Cannot read the executing query: database is locked"),
        (1, "hostqld worker respawning too quickly: 1 times"),
    ]


def test_a_worker_exiting_0_ends_the_watcher_with_0(watcher: WatcherRun) -> None:
    watcher.start(["exit0"])
    assert watcher.finish() == 0
    assert len(watcher.runs()) == 1
    assert watcher.statuses() == []
    # Ended at the worker's exit, not at the next check or later.
    assert time.monotonic() - watcher.started < 5


def test_a_worker_exiting_78_ends_the_watcher_with_78(watcher: WatcherRun) -> None:
    watcher.start(["exit78"])
    assert watcher.finish() == 78
    assert len(watcher.runs()) == 1
    assert watcher.statuses() == [(2, "Worker returned exit status")]


def test_sighup_is_passed_on_and_sigterm_stops_the_worker(watcher: WatcherRun) -> None:
    driver = watcher.start(["idle"])
    watcher.wait_for(lambda: len(watcher.runs()) == 1)
    (worker, _, _) = watcher.runs()[0]
    driver.send_signal(signal.SIGHUP)
    watcher.wait_for(lambda: watcher.signals(worker) == ["SIGHUP"])
    assert driver.poll() is None
    driver.send_signal(signal.SIGTERM)
    assert watcher.finish(timeout=8) == 0
    assert watcher.signals(worker) == ["SIGHUP", "SIGTERM"]
    assert watcher.statuses() == []
    with pytest.raises(ProcessLookupError):
        os.kill(worker, 0)
    assert len(watcher.runs()) == 1


def test_sigint_stops_the_watcher_with_0(watcher: WatcherRun) -> None:
    driver = watcher.start(["idle"])
    watcher.wait_for(lambda: len(watcher.runs()) == 1)
    driver.send_signal(signal.SIGINT)
    assert watcher.finish(timeout=8) == 0
    assert watcher.signals(watcher.runs()[0][0]) == ["SIGTERM"]


def test_sigterm_during_the_backoff_ends_the_watcher(watcher: WatcherRun) -> None:
    driver = watcher.start(["crash"], flags={"watchdog_max_delay": 600})
    watcher.wait_for(lambda: len(watcher.statuses()) == 2)  # backing off for 7 s
    driver.send_signal(signal.SIGTERM)
    assert watcher.finish(timeout=3) == 0
    assert len(watcher.runs()) == 1


def test_an_unhealthy_watcher_exits_78_and_stops_the_worker(watcher: WatcherRun) -> None:
    watcher.start(["idle"], flags={"enable_watchdog_debug": True}, grow_watcher_at_debug_line=3)
    assert watcher.finish() == 78
    (worker, _, _) = watcher.runs()[0]
    statuses = watcher.statuses()
    assert [severity for severity, _ in statuses] == [0, 0, 0, 2]
    debug = re.compile(rf"pid: {worker}, cpu: \d+ms/\d+ms, memory: \d+\.\d\dMB/50MB")
    assert all(debug.fullmatch(message) for _, message in statuses[:3]), statuses
    assert statuses[3] == (2, "Watcher has become unhealthy: Memory limits exceeded")
    assert watcher.signals(worker) == ["SIGTERM"]


def test_a_worker_that_cannot_start_ends_the_watcher_with_1() -> None:
    handler = signal.getsignal(signal.SIGTERM)
    statuses: list[tuple[int, str]] = []
    code = run_watcher(
        ["/nonexistent/hostqld-worker"],
        default_values(),
        on_status=lambda severity, message: statuses.append((severity, message)),
        read_executing_query=lambda: None,
    )
    assert code == 1
    assert statuses == [(2, "hostqld could not create a worker process")]
    # The watcher's signal handlers are gone again.
    assert signal.getsignal(signal.SIGTERM) is handler


def test_without_pidfds_the_worker_exit_is_polled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pidfd(pid: int) -> int:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(os, "pidfd_open", no_pidfd)
    run = WatcherRun(tmp_path)
    (tmp_path / "plan.json").write_text(json.dumps(["steady"]))
    values = default_values()
    values.set("watchdog_delay", 0)
    statuses: list[tuple[int, str]] = []
    try:
        code = run_watcher(
            [sys.executable, str(tmp_path / "worker.py"), str(tmp_path)],
            values,
            on_status=lambda severity, message: statuses.append((severity, message)),
            read_executing_query=lambda: None,
            check_interval=5,
        )
        ended = time.monotonic()
    finally:
        run.kill_all()
    assert (code, statuses) == (0, [])
    (_, started, _) = run.runs()[0]
    # The steady worker lives 1 s; the exit is seen long before the 5 s check.
    assert 1 <= ended - started < 2


def test_read_sample_measures_this_process() -> None:
    before = read_sample(os.getpid())
    blob = b"\x01" * (64 << 20)
    deadline = time.process_time() + 0.2
    while time.process_time() < deadline:
        pass
    after = read_sample("self")
    assert after.rss_bytes - before.rss_bytes >= 60 << 20
    assert 150 <= after.cpu_ms - before.cpu_ms < 2000
    assert after.time > before.time
    del blob


def test_physical_cores_counts_no_more_than_the_logical_processors() -> None:
    assert 1 <= physical_cores() <= (os.cpu_count() or 1)


WATCHED_CHILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from hostql.daemon.watchdog import watch_parent

    home = Path(sys.argv[1])
    watch_parent(os.getppid(), lambda: (home / "orphaned").write_text("yes"), interval=0.1)
    (home / "watching").write_text(str(os.getpid()))
    time.sleep(10)
    """
)
MIDDLE = textwrap.dedent(
    """
    import subprocess, sys, time
    subprocess.Popen([sys.executable, sys.argv[1], sys.argv[2]])
    time.sleep(30)
    """
)


def test_watch_parent_fires_when_the_watcher_dies(tmp_path: Path) -> None:
    (tmp_path / "child.py").write_text(WATCHED_CHILD)
    (tmp_path / "middle.py").write_text(MIDDLE)
    middle = subprocess.Popen(
        [sys.executable, str(tmp_path / "middle.py"), str(tmp_path / "child.py"), str(tmp_path)]
    )
    child = 0
    try:
        deadline = time.monotonic() + 10
        while not (tmp_path / "watching").exists():
            assert time.monotonic() < deadline
            time.sleep(0.02)
        child = int((tmp_path / "watching").read_text())
        time.sleep(0.5)
        assert not (tmp_path / "orphaned").exists()  # the watcher lives: nothing happens
        middle.kill()
        middle.wait(5)
        deadline = time.monotonic() + 5
        while not (tmp_path / "orphaned").exists():
            assert time.monotonic() < deadline, "on_orphaned was not called"
            time.sleep(0.02)
    finally:
        middle.kill()
        middle.wait(5)
        if child:
            kill_if_running(child, tmp_path / "child.py")


IOPRIO_GET = {"x86_64": 252, "i386": 290, "i686": 290, "armv7l": 315, "ppc64le": 274}


def test_lower_priority_sets_nice_10_and_the_idle_io_class() -> None:
    script = textwrap.dedent(
        f"""
        import ctypes, os
        from hostql.daemon.watchdog import lower_priority
        lowered = lower_priority()
        libc = ctypes.CDLL(None, use_errno=True)
        ioprio = libc.syscall({IOPRIO_GET.get(platform.machine(), 31)}, 1, 0)
        print(lowered, os.getpriority(os.PRIO_PROCESS, 0), ioprio >> 13)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=10, check=True
    )
    nice = max(os.getpriority(os.PRIO_PROCESS, 0), 10)
    assert result.stdout.split() == ["True", str(nice), "3"]
