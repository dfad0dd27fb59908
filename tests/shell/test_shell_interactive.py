"""The interactive shell on a pseudo-terminal: banner, prompts, Ctrl-C, Ctrl-D, history."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from pathlib import Path

import pytest

from hostql.shell.interactive import CONTINUATION, PROMPT, prompts

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")


class Terminal:
    """hostqli running on a pty, as a person at a terminal would see it."""

    def __init__(self, home: Path) -> None:
        env = dict(os.environ, HOME=str(home), TERM="dumb")
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # pragma: no cover - the child
            os.execve(sys.executable, [sys.executable, "-m", "hostql", "shell"], env)
        self.screen = b""

    def read(self, seconds: float = 0.3) -> None:
        """Collect output for a while."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    self.screen += os.read(self.fd, 4096)
                except OSError:
                    return

    def expect(self, text: str, count: int = 1, timeout: float = 20) -> None:
        """Wait until text has appeared count times."""
        end = time.monotonic() + timeout
        while self.screen.decode(errors="replace").count(text) < count:
            assert time.monotonic() < end, f"{text!r} not seen in {self.screen!r}"
            self.read(0.05)
        self.read(0.2)  # let the prompt settle before typing

    def type(self, text: str) -> None:
        """Send keystrokes."""
        os.write(self.fd, text.encode())

    def wait(self) -> int:
        """The exit status."""
        self.read(0.2)
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


def test_banner_prompts_and_results(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path)
    terminal.expect(PROMPT)
    screen = terminal.screen.decode()
    assert screen.startswith("Using a \033[1mvirtual database\033[0m. Need help, type '.help'\r\n")
    terminal.type("select 1 as x,\r")
    terminal.expect(CONTINUATION)
    terminal.type("2 as y;\r")
    terminal.expect("| 1 | 2 |")
    terminal.expect(PROMPT, count=2)
    terminal.type("\x04")
    assert terminal.wait() == 0
    history = (tmp_path / ".hostql" / ".history").read_text()
    assert "select 1 as x," in history


def test_ctrl_c_drops_the_line_and_errors_set_the_status(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path)
    terminal.expect(PROMPT)
    terminal.type("select nothing")
    terminal.read()
    terminal.type("\x03")
    terminal.expect(PROMPT, count=2)
    terminal.type("selec;\r")
    terminal.expect('Error: near "selec": syntax error')
    terminal.expect(PROMPT, count=3)
    terminal.type("\x04")
    assert terminal.wait() == 1
    assert b"no such column" not in terminal.screen


def test_exit_command_leaves_with_its_status(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path)
    terminal.expect(PROMPT)
    terminal.type(".exit 3\r")
    assert terminal.wait() == 3


def test_prompts_are_coloured_on_256_colour_terminals() -> None:
    assert prompts("xterm") == (PROMPT, CONTINUATION)
    main, continuation = prompts("xterm-256color")
    assert main == "\001\033[38;5;147m\002osquery> \001\033[0m\002"
    assert continuation == "\001\033[38;5;147m\002    ...> \001\033[0m\002"


def test_tab_completes_dot_commands_and_tables(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path)
    terminal.expect(PROMPT)
    terminal.type(".tab\t")
    terminal.expect(".tables")
    terminal.type(" upt\t")
    terminal.expect("uptime")
    terminal.type("\r")
    terminal.expect("  => uptime")
    terminal.type("\x04")
    assert terminal.wait() == 0
