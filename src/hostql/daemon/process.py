"""hostqld as a process: embedded defaults, one-shot commands, pidfile, watcher or worker."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from hostql.daemon.status import StatusLog
from hostql.errors import ConfigError, HostqlError

if TYPE_CHECKING:
    from hostql.flags import FlagValues

_CATASTROPHIC = 78


def state_directory() -> Path:
    """Where the embedded default keeps its logs and store: no root-owned path needed."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "hostql"


def apply_embedded_defaults(values: FlagValues) -> str | None:
    """Without a config of its own, run the packaged default config under a per-user folder.

    Returns the directory pack resources resolve against, or None when a real config is used.
    """
    if values["config_plugin"] != "filesystem":
        return None
    if values.is_set("config_path") or Path(values["config_path"]).exists():
        return None
    from hostql.packs import pack_path

    state = state_directory()
    defaults = {
        "config_path": str(pack_path("default")),
        "logger_path": str(state / "log"),
        "database_path": str(state / "hostql.db"),
        "pidfile": str(state / "hostqld.pid"),
        "extensions_socket": str(state / "hostql.em"),
    }
    for name, value in defaults.items():
        if not values.is_set(name):
            values.set(name, value, "embedded default")
    return str(pack_path("default").parent)


def config_check(values: FlagValues, base_dir: str | None) -> int:
    """--config_check: 0 when the config loads, 1 when missing or malformed (osquery's codes)."""
    from hostql.daemon.config.sources import load_filesystem_config

    if values["config_plugin"] != "filesystem":
        print(
            f"Error reading config: config plugin {values['config_plugin']} not found",
            file=sys.stderr,
        )
        return _CATASTROPHIC
    try:
        config = load_filesystem_config(values["config_path"], base_dir=base_dir)
    except HostqlError as exc:
        print(f"Error reading config: {exc}", file=sys.stderr)
        return 1
    for warning in config.warnings:
        print(f"Warning: {warning}", file=sys.stderr)
    return 0


def config_dump(values: FlagValues) -> int:
    """--config_dump: each source as {"<source>": <content>} on its own line."""
    from hostql.daemon.config.sources import read_filesystem_sources

    try:
        sources = read_filesystem_sources(values["config_path"])
    except HostqlError as exc:
        print(f"Error reading config: {exc}", file=sys.stderr)
        return 1
    for source in sources:
        print("{" + json.dumps(source.name) + ": " + source.text.strip() + "}")
    return 0


def database_dump(values: FlagValues) -> int:
    """--database_dump: every key as <domain>[<key>]: <value>."""
    from hostql.daemon.state import BackingStore

    store = BackingStore.from_flags(values)
    try:
        for line in store.dump():
            print(line)
    finally:
        store.close()
    return 0


class Pidfile:
    """--pidfile: refuse to start beside a live hostqld unless --force."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.written = False

    def acquire(self, force: bool) -> None:
        """Write our pid, after checking (and with force, stopping) a live previous owner."""
        try:
            old = int(self.path.read_text().strip() or "0")
        except (OSError, ValueError):
            old = 0
        if old and old != os.getpid() and _is_hostqld(old):
            if not force:
                raise ConfigError(
                    f"pidfile {self.path} belongs to running hostqld (pid {old}); "
                    "stop it or pass --force"
                )
            import signal
            import time

            os.kill(old, signal.SIGTERM)
            for _ in range(50):
                if not _is_hostqld(old):
                    break
                time.sleep(0.2)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(f"{os.getpid()}\n")
        self.written = True

    def release(self) -> None:
        """Remove the pidfile if it is still ours."""
        if not self.written:
            return
        try:
            if self.path.read_text().strip() == str(os.getpid()):
                self.path.unlink()
        except OSError:
            pass


def _is_hostqld(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"hostql" in cmdline


def daemonize() -> None:
    """Detach as daemon(0, 0) does: fork, new session, fork, cwd /, stdio to /dev/null."""
    if os.fork():
        os._exit(0)
    os.setsid()
    if os.fork():
        os._exit(0)
    os.chdir("/")
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)


def status_log(values: FlagValues) -> StatusLog:
    """The status log the flags ask for."""
    return StatusLog(
        min_status=int(values["logger_min_status"]),
        min_stderr=int(values["logger_min_stderr"]),
        to_stderr=bool(values["logger_stderr"]),
        verbose=bool(values["verbose"]),
    )


def main(values: FlagValues, argv: list[str]) -> int:
    """hostqld after flag parsing: one-shot commands, then watcher or worker."""
    wanted_config = values["config_path"]
    base_dir = apply_embedded_defaults(values)
    if values["config_check"]:
        return config_check(values, base_dir)
    if values["config_dump"]:
        return config_dump(values)
    if values["database_dump"]:
        return database_dump(values)
    alarm = int(values["alarm_timeout"])
    if alarm < 10:
        raise ConfigError(f"--alarm_timeout must be at least 10 seconds, not {alarm}")
    worker = "HOSTQL_WORKER" in os.environ
    if values["daemonize"] and not worker:
        daemonize()
    pidfile = Pidfile(values["pidfile"])
    status = status_log(values)
    if base_dir is not None and not worker:
        status.info(
            f"hostqld: no config at {wanted_config}; running the "
            f"embedded default, logging to {values['logger_path']}"
        )
    try:
        if not worker and not values["ephemeral"]:
            pidfile.acquire(bool(values["force"]))
        watched = not values["disable_watchdog"] and int(values["watchdog_level"]) >= 0
        if watched and not worker:
            return _watch(values, argv, status)
        return _work(values, status, base_dir)
    finally:
        pidfile.release()


def _watch(values: FlagValues, argv: list[str], status: StatusLog) -> int:
    from hostql.daemon.state import BackingStore
    from hostql.daemon.watchdog import run_watcher

    def executing_query() -> str | None:
        try:
            store = BackingStore.from_flags(values)
        except HostqlError:
            return None
        try:
            return store.executing_query() or None
        finally:
            store.close()

    def on_status(severity: int, message: str) -> None:
        status.log(severity, message, depth=2)

    worker_argv = [sys.executable, "-m", "hostql", "daemon", *argv]
    return run_watcher(
        worker_argv, values, on_status=on_status, read_executing_query=executing_query
    )


def _work(values: FlagValues, status: StatusLog, base_dir: str | None) -> int:
    from hostql.daemon.runtime import Daemon

    if "HOSTQL_WORKER" in os.environ:
        from hostql.daemon.watchdog import lower_priority, watch_parent

        if int(values["watchdog_level"]) >= 0:
            lower_priority()
        watch_parent(int(os.environ["HOSTQL_WORKER"]), lambda: os._exit(0))
    daemon = Daemon(values, status, config_base_dir=base_dir)
    daemon.install_signals()
    return daemon.run()
