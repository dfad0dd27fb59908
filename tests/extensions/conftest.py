"""Fixtures for extension tests: short socket paths, SDK extension processes, a running manager."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from extension_processes import HERE, Daemon, StartExtension, environment, stop_process

from hostql.extensions.bindings import RefreshingEngine
from hostql.extensions.manager import ExtensionManager
from hostql.extensions.service import StderrStatus, query_engine_factory
from hostql.flags import FlagValues, default_values
from hostql.sql.engine import Engine


@pytest.fixture
def sdk() -> object:
    """osquery's Python SDK (PyPI `osquery`), which the extension scripts are written with."""
    return pytest.importorskip("osquery")


@pytest.fixture
def sock_dir() -> Iterator[Path]:
    """A short private directory: UNIX socket paths must stay under 108 bytes."""
    path = Path(tempfile.mkdtemp(prefix="hq", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def start_extension(sdk: object) -> Iterator[StartExtension]:
    """Start tests/extensions/<script> against a socket as its own process (stopped by pid)."""
    started: list[subprocess.Popen[bytes]] = []

    def start(script: str, socket: Path | str, **env: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, str(HERE / script), "--socket", str(socket), "--interval", "1"],
            env=environment(**env),
            stdin=subprocess.DEVNULL,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        stop_process(process)


def extension_values(**flags: object) -> FlagValues:
    """Flag values for a manager: quick pings, short waits."""
    values = default_values()
    values.set("extensions_interval", "1")
    values.set("extensions_timeout", "10")
    for name, value in flags.items():
        values.set(name, value)
    return values


@pytest.fixture
def engine() -> Iterator[Engine]:
    """An engine the manager adds extension tables to."""
    engine = Engine(flags=extension_values())
    yield engine
    engine.close()


@pytest.fixture
def manager(sock_dir: Path, engine: Engine) -> Iterator[ExtensionManager]:
    """An ExtensionManager serving sock_dir/em in this process, bound to engine."""
    manager = ExtensionManager(
        str(sock_dir / "em"),
        engine.flags,
        StderrStatus(),
        query_engine=query_engine_factory(engine),
        call_timeout=10.0,
    )
    manager.report_rows(lambda rows: setattr(engine.runtime, "extensions", rows))
    manager.start()
    yield manager
    manager.stop()


@pytest.fixture
def db(manager: ExtensionManager, engine: Engine) -> RefreshingEngine:
    """engine, taking in the manager's extension tables before each use (as the shell's)."""
    binding = manager.bind(engine)
    return RefreshingEngine(engine, lambda: manager.apply(binding))


@pytest.fixture
def hostqld(sock_dir: Path) -> Iterator[Daemon]:
    """Start hostqld with extensions on sock_dir/hostql.em; stopped by pid afterwards."""
    started: list[subprocess.Popen[str]] = []

    def start(*extra: str, config: object | None = None) -> subprocess.Popen[str]:
        path = sock_dir / "hostql.conf"
        path.write_text(json.dumps(config or {"schedule": {}}))
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hostql",
                "daemon",
                f"--config_path={path}",
                f"--database_path={sock_dir / 'hostql.db'}",
                f"--logger_path={sock_dir / 'log'}",
                f"--pidfile={sock_dir / 'hostqld.pid'}",
                f"--extensions_socket={sock_dir / 'hostql.em'}",
                f"--extensions_autoload={sock_dir / 'extensions.load'}",
                "--disable_events",
                "--disable_watchdog",
                "--disable_extensions=false",
                "--extensions_interval=1",
                "--extensions_timeout=10",
                *extra,
            ],
            env=environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        stop_process(process)
