"""Extensions and cores as processes in tests: start, wait for, stop by pid.

Imported by the tests of this folder (its name is unique in the tests tree).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from hostql.extensions.client import CallError, ThriftClient

HERE = Path(__file__).resolve().parent
SRC = HERE.parents[1] / "src"
StartExtension = Callable[..., subprocess.Popen[bytes]]
Daemon = Callable[..., subprocess.Popen[str]]


def wait_until(predicate: Callable[[], object], seconds: float = 15.0) -> None:
    """Poll predicate until it holds; AssertionError after seconds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def stop_process(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """End a process we started, by its pid."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def environment(**extra: str) -> dict[str, str]:
    """This interpreter's environment, with hostql importable from the checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH", "")]))
    env.update(extra)
    return env


def write_wrapper(directory: Path, script: str, name: str, **env: str) -> Path:
    """An autoloadable `<name>.ext` executable that runs tests/extensions/<script>."""
    exports = "".join(f"export {key}='{value}'\n" for key, value in env.items())
    path = directory / f"{name}.ext"
    path.write_text(f"#!/bin/sh\n{exports}exec '{sys.executable}' '{HERE / script}' \"$@\"\n")
    path.chmod(0o755)
    return path


def core(sock_dir: Path, process: subprocess.Popen[str]) -> ThriftClient:
    """A client of the daemon's socket, once it answers."""
    client = ThriftClient(str(sock_dir / "hostql.em"), call_timeout=20)

    def answers() -> bool:
        assert process.poll() is None, process.communicate()
        try:
            return client.ping()["code"] == 0
        except CallError:
            return False

    wait_until(answers, 30)
    return client
