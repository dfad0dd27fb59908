"""Autoloaded extensions: the --extensions_autoload list, its safety rules, and the children."""

from __future__ import annotations

import contextlib
import os
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

EXTENSION_SUFFIX = ".ext"
_RESTART_MIN = 3.0
_RESTART_MAX = 300.0
_STOP_GRACE = 3.0


def unsafe_reason(path: str) -> str | None:
    """Why osquery would refuse to run path as an extension, or None when it is acceptable."""
    try:
        info = os.stat(path)
        parent = os.stat(os.path.dirname(os.path.abspath(path)))
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror}"
    if not stat.S_ISREG(info.st_mode):
        return f"not a regular file: {path}"
    if info.st_uid not in (0, os.geteuid()):
        return f"not owned by root or the running user: {path}"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"writable by other users: {path}"
    if parent.st_mode & stat.S_IWOTH and not parent.st_mode & stat.S_ISVTX:
        return f"in a directory writable by other users: {path}"
    if not info.st_mode & stat.S_IXUSR:
        return f"not executable: {path}"
    if not path.endswith(EXTENSION_SUFFIX):
        return f"not ending in '{EXTENSION_SUFFIX}': {path}"
    return None


def autoload_paths(loadfile: str, allow_unsafe: bool, warn: Callable[[str], None]) -> list[str]:
    """The safe executables a load file names (a directory names every file in it)."""
    try:
        with open(loadfile, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return []
    candidates: list[str] = []
    for line in lines:
        path = line.strip()
        if not path or path[0] in "#;":
            continue
        if os.path.isdir(path):
            candidates.extend(os.path.join(path, entry) for entry in sorted(os.listdir(path)))
        else:
            candidates.append(path)
    accepted: list[str] = []
    for path in dict.fromkeys(candidates):
        reason = None if allow_unsafe else unsafe_reason(path)
        if reason is not None:
            warn(f"Will not autoload extension: {reason}")
            continue
        accepted.append(path)
    return accepted


@dataclass
class Child:
    """One autoloaded extension process and its restart state."""

    path: str
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    backoff: float = _RESTART_MIN
    next_start: float = 0.0
    restarts: int = field(default=0)


class Autoloader:
    """Starts each extension with --socket/--timeout/--interval and restarts it if it dies."""

    def __init__(
        self,
        paths: list[str],
        socket_path: str,
        timeout: str,
        interval: str,
        *,
        verbose: bool = False,
        report: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.children = [Child(path) for path in paths]
        self.arguments = ["--socket", socket_path, "--timeout", timeout, "--interval", interval]
        if verbose:
            self.arguments.append("--verbose")
        self.report = report

    def start(self) -> None:
        """Start every extension."""
        for child in self.children:
            self._spawn(child)

    def check(self, now: float | None = None) -> None:
        """Restart extensions that exited, backing off while they keep dying."""
        moment = time.monotonic() if now is None else now
        for child in self.children:
            process = child.process
            if process is not None:
                code = process.poll()
                if code is None:
                    if moment - child.started > _RESTART_MAX:
                        child.backoff = _RESTART_MIN
                    continue
                self.report(f"Extension {child.path} exited with status {code}")
                child.process = None
                child.next_start = moment + child.backoff
                child.backoff = min(child.backoff * 2, _RESTART_MAX)
            if moment >= child.next_start:
                child.restarts += 1
                self._spawn(child)

    def running(self) -> list[int]:
        """Process ids of the extensions running now."""
        return [c.process.pid for c in self.children if c.process and c.process.poll() is None]

    def stop(self) -> None:
        """Terminate every extension (after the manager asked them to shut down)."""
        for child in self.children:
            if child.process is not None and child.process.poll() is None:
                child.process.terminate()
        deadline = time.monotonic() + _STOP_GRACE
        for child in self.children:
            process = child.process
            if process is None:
                continue
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=_STOP_GRACE)
            child.process = None

    def _spawn(self, child: Child) -> None:
        try:
            child.process = subprocess.Popen(
                [child.path, *self.arguments],
                stdin=subprocess.DEVNULL,
                # An extension's chatter must never mix into query results on stdout.
                stdout=_stderr_fd(),
                close_fds=True,
            )
        except OSError as exc:
            self.report(f"Cannot start extension {child.path}: {exc.strerror or exc}")
            child.process = None
            child.next_start = time.monotonic() + child.backoff
            child.backoff = min(child.backoff * 2, _RESTART_MAX)
            return
        child.started = time.monotonic()


def _stderr_fd() -> int | None:
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        return subprocess.DEVNULL
