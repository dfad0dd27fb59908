"""The watcher process that starts, limits and respawns the worker; and the worker's side."""

from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import platform
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from hostql.daemon.limits import (
    Limits,
    MemoryFootprint,
    Respawns,
    Sample,
    WorkerHealth,
    limits_for,
)
from hostql.host.procfs import CLOCK_TICKS, parse_stat, parse_status, read_bytes

if TYPE_CHECKING:
    from hostql.flags import FlagValues

PROCESS_NAME = "hostqld"
WORKER_ENV = "HOSTQL_WORKER"
EXIT_FAILURE = 1
EXIT_CATASTROPHIC = 78
PARENT_CHECK_INTERVAL = 3.0
# Without pidfds (Linux < 5.3) the watcher polls for the worker's exit this often.
_POLL_INTERVAL = 0.1
# Seconds the watcher waits for a SIGKILLed worker to be reaped before giving up (osquery's 2 s).
_KILL_WAIT = 2.0
_FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
# ioprio_set(2) by machine; the generic table (aarch64, riscv64, loongarch64) numbers it 30.
_IOPRIO_SET = {"x86_64": 251, "i386": 289, "i686": 289, "armv7l": 314, "ppc64le": 273}
_IOPRIO_WHO_PROCESS = 1
_IOPRIO_CLASS_IDLE = 3
_IOPRIO_CLASS_SHIFT = 13
_BACKGROUND_NICE = 10

StatusSink = Callable[[int, str], None]


def read_sample(pid: int | str) -> Sample:
    """CPU ms (user+system) and resident bytes of pid, from /proc/<pid>/stat and status."""
    stat = parse_stat(read_bytes(f"/proc/{pid}/stat"))
    status = parse_status(read_bytes(f"/proc/{pid}/status"))
    cpu_ms = (stat.user_ticks + stat.system_ticks) * 1000 // CLOCK_TICKS
    # A zombie has no VmRSS line: it holds no memory any more.
    return Sample(time.monotonic(), cpu_ms, (status.resident_kb or 0) * 1024)


def physical_cores() -> int:
    """Physical cores (not hyperthreads), as osquery's boost::thread::physical_concurrency."""
    cores: set[tuple[bytes, bytes]] = set()
    for topology in glob.glob("/sys/devices/system/cpu/cpu[0-9]*/topology"):
        try:
            package = read_bytes(f"{topology}/physical_package_id").strip()
            core = read_bytes(f"{topology}/core_id").strip()
        except OSError:
            continue  # an offline processor, or no topology in this kernel/container
        cores.add((package, core))
    return len(cores) or os.cpu_count() or 1


class _Wakeup:
    """A self-pipe that signals and the worker's exit (pidfd) both wake the watcher from."""

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        os.set_blocking(self.read_fd, False)
        os.set_blocking(self.write_fd, False)

    def wait(
        self, timeout: float, worker: subprocess.Popen[bytes] | None, pidfd: int | None
    ) -> None:
        """Sleep up to timeout; return early on a signal or when worker exits."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            watched = [self.read_fd] if pidfd is None else [self.read_fd, pidfd]
            step = (
                remaining if pidfd is not None or worker is None else min(remaining, _POLL_INTERVAL)
            )
            ready, _, _ = select.select(watched, [], [], step)
            if self.read_fd in ready:
                with contextlib.suppress(BlockingIOError):
                    os.read(self.read_fd, 512)
                return
            if worker is not None and worker.poll() is not None:
                return

    def close(self) -> None:
        """Close both ends of the pipe."""
        os.close(self.read_fd)
        os.close(self.write_fd)


class Watcher:
    """One watcher: a worker process at a time, its limits, its respawns, the watcher's signals."""

    def __init__(
        self,
        worker_argv: list[str],
        values: FlagValues,
        on_status: StatusSink,
        read_executing_query: Callable[[], str | None],
        limits: Limits,
    ) -> None:
        self.worker_argv = worker_argv
        self.on_status = on_status
        self.read_executing_query = read_executing_query
        self.limits = limits
        self.delay_s = float(values["watchdog_delay"])
        self.forced_delay = float(values["watchdog_forced_shutdown_delay"])
        # osquery leaves 4 of alarm_timeout's seconds for the rest of the shutdown.
        self.graceful_delay = max(float(values["alarm_timeout"]) - 4, 0.0)
        self.debug = bool(values["enable_watchdog_debug"])
        self.respawns = Respawns(limits, float(values["watchdog_max_delay"]))
        self.cores = physical_cores()
        self.own_memory = MemoryFootprint(limits.memory_mb)
        self.worker: subprocess.Popen[bytes] | None = None
        self.pidfd: int | None = None
        self.health: WorkerHealth | None = None
        self.stop_requested = False
        self.hangups = 0
        self.wakeup = _Wakeup()

    def on_signal(self, signum: int, _frame: object) -> None:
        """Signal handler: SIGHUP is passed on to the worker, SIGTERM/SIGINT stop everything."""
        if signum == signal.SIGHUP:
            self.hangups += 1
        else:
            self.stop_requested = True

    def run(self) -> int:
        """Watch workers until one ends the daemon, the watcher is told to stop, or gives up."""
        try:
            return self._loop()
        finally:
            if self.worker is not None and self.worker.poll() is None:
                self._stop_worker(forced=False)
            self._forget_worker()
            self.wakeup.close()

    def _loop(self) -> int:
        next_check = time.monotonic()
        while not self.stop_requested:
            if self.worker is None:
                if self.respawns.exhausted:
                    self.on_status(2, "Too many worker restarts")
                    return EXIT_FAILURE
                delay = self.respawns.before_spawn(time.monotonic())
                if delay > 0:
                    self.on_status(
                        1,
                        f"{PROCESS_NAME} worker respawning too quickly: "
                        f"{self.respawns.quick_restarts} times",
                    )
                    self.wakeup.wait(delay, None, None)
                    if self.stop_requested:
                        break
                if not self._spawn():
                    return EXIT_FAILURE
                next_check = time.monotonic() + self.limits.interval_s
            self.wakeup.wait(next_check - time.monotonic(), self.worker, self.pidfd)
            self._forward_hangups()
            if self.stop_requested:
                break
            status = self._worker_exit()
            if status is not None:
                return status
            if self.worker is None or time.monotonic() < next_check:
                continue
            next_check += self.limits.interval_s
            status = self._check_worker()
            if status is None:
                status = self._check_self()
            if status is not None:
                return status
        return 0

    def _spawn(self) -> bool:
        env = {**os.environ, WORKER_ENV: str(os.getpid())}
        try:
            self.worker = subprocess.Popen(self.worker_argv, env=env)
        except OSError:
            self.on_status(2, f"{PROCESS_NAME} could not create a worker process")
            return False
        now = time.monotonic()
        self.respawns.spawned(now)
        self.health = WorkerHealth(
            self.limits, cores=self.cores, started_at=now, delay_s=self.delay_s
        )
        try:
            self.pidfd = os.pidfd_open(self.worker.pid)
        except (AttributeError, OSError):
            self.pidfd = None  # an old kernel: _Wakeup polls instead
        return True

    def _forget_worker(self) -> None:
        if self.pidfd is not None:
            os.close(self.pidfd)
        self.worker, self.pidfd, self.health = None, None, None

    def _forward_hangups(self) -> None:
        while self.hangups:
            self.hangups -= 1
            if self.worker is not None:
                self.worker.send_signal(signal.SIGHUP)

    def _worker_exit(self) -> int | None:
        """The watcher's exit code if the worker's exit ends it; None to keep watching."""
        if self.worker is None or (code := self.worker.poll()) is None:
            return None
        self._forget_worker()
        if code == 0:
            return 0
        if code == EXIT_CATASTROPHIC:
            self.on_status(2, "Worker returned exit status")
            return EXIT_CATASTROPHIC
        self._report_failed_query()
        return None

    def _check_worker(self) -> int | None:
        assert self.worker is not None and self.health is not None
        pid = self.worker.pid
        try:
            sample = read_sample(pid)
        except (FileNotFoundError, ProcessLookupError, ValueError):
            return None  # exited between the poll and the read: the next wait reaps it
        verdict = self.health.check(sample)
        if self.debug:
            self.on_status(0, self.health.describe(pid))
        if not verdict.stop:
            return None
        self.on_status(2, f"{PROCESS_NAME} worker ({pid}) stopping: {verdict.reason}")
        # SIGUSR1 first: the worker records the limit hit and keeps executing_query set.
        self.worker.send_signal(signal.SIGUSR1)
        stopped = self._stop_worker(forced=True)
        self._forget_worker()
        if not stopped:
            return EXIT_CATASTROPHIC
        self._report_failed_query()
        return None

    def _check_self(self) -> int | None:
        try:
            rss = read_sample("self").rss_bytes
        except (OSError, ValueError):
            return None
        self.own_memory.measure(rss)
        if self.own_memory.exceeded:
            self.on_status(2, "Watcher has become unhealthy: Memory limits exceeded")
            return EXIT_CATASTROPHIC
        return None

    def _stop_worker(self, *, forced: bool) -> bool:
        """SIGTERM, then SIGKILL after the grace period; False if the worker outlives both."""
        worker = self.worker
        assert worker is not None
        grace = self.forced_delay if forced else self.graceful_delay
        if grace > 0:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(grace)
                return True
            except subprocess.TimeoutExpired:
                self.on_status(
                    1,
                    f"{PROCESS_NAME} worker ({worker.pid}) could not be stopped. "
                    "Sending kill signal.",
                )
        worker.kill()
        try:
            worker.wait(_KILL_WAIT)
            return True
        except subprocess.TimeoutExpired:
            self.on_status(2, f"Watcher cannot stop worker process ({worker.pid}).")
            return False

    def _report_failed_query(self) -> None:
        try:
            name = self.read_executing_query()
        except Exception as exc:  # the store is the new worker's to repair; the watcher goes on
            self.on_status(1, f"Cannot read the executing query: {exc}")
            return
        if name:
            self.on_status(2, f"Scheduled query may have failed: {name}")


@contextlib.contextmanager
def _signals_to(watcher: Watcher) -> Iterator[None]:
    """Route SIGTERM/SIGINT/SIGHUP to watcher while it runs (only the main thread may)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, watcher.on_signal) for signum in _FORWARDED}
    previous_fd = signal.set_wakeup_fd(watcher.wakeup.write_fd, warn_on_full_buffer=False)
    try:
        yield
    finally:
        signal.set_wakeup_fd(previous_fd)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run_watcher(
    worker_argv: list[str],
    values: FlagValues,
    *,
    on_status: StatusSink,
    read_executing_query: Callable[[], str | None],
    check_interval: float | None = None,
) -> int:
    """Run worker_argv as the watched worker, respawning it as osquery does; the exit code."""
    limits = limits_for(values)
    if check_interval is not None:
        limits = replace(limits, interval_s=check_interval)
    watcher = Watcher(worker_argv, values, on_status, read_executing_query, limits)
    with _signals_to(watcher):
        return watcher.run()


def watch_parent(
    parent_pid: int,
    on_orphaned: Callable[[], None],
    *,
    interval: float = PARENT_CHECK_INTERVAL,
) -> threading.Thread:
    """Start a daemon thread that calls on_orphaned once the watcher parent_pid is gone."""

    def watch() -> None:
        while os.getppid() == parent_pid and os.path.exists(f"/proc/{parent_pid}"):
            time.sleep(interval)
        on_orphaned()

    thread = threading.Thread(target=watch, name="watch-parent", daemon=True)
    thread.start()
    return thread


def lower_priority() -> bool:
    """Nice 10 and the idle I/O class for this process; False if either could not be set."""
    # Per thread on Linux: call it before starting threads so they inherit it.
    lowered = True
    try:
        current = os.getpriority(os.PRIO_PROCESS, 0)
        os.setpriority(os.PRIO_PROCESS, 0, max(current, _BACKGROUND_NICE))
    except OSError:
        lowered = False
    number = _IOPRIO_SET.get(platform.machine(), 30)
    libc = ctypes.CDLL(None, use_errno=True)
    value = _IOPRIO_CLASS_IDLE << _IOPRIO_CLASS_SHIFT
    if libc.syscall(number, _IOPRIO_WHO_PROCESS, 0, value) != 0:
        lowered = False
    return lowered
