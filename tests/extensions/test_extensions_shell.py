"""hostqli with extensions: --extension, --extensions_require, and --connect / .connect."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from extension_processes import Daemon, core, environment, wait_until, write_wrapper


def hostqli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hostql", "shell", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment(),
        timeout=120,
    )


def test_an_extension_loaded_by_the_shell(sock_dir: Path, sdk: object) -> None:
    wrapper = write_wrapper(sock_dir, "ext_table.py", "things")
    flags = (
        f"--extension={wrapper}",
        f"--extensions_socket={sock_dir / 'shell.em'}",
        "--extensions_interval=1",
        "--extensions_timeout=20",
    )
    listed = hostqli(
        *flags, "--list", stdin=".tables ext_\nselect label from ext_things order by 1;\n"
    )
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == "  => ext_things\nlabel\ninit\nnobody\nself\n"
    joined = hostqli(
        *flags,
        "--csv",
        "select p.pid = e.pid as same from ext_things e join processes p using (pid)",
    )
    assert joined.stdout.splitlines() == ["same", "1", "1"]
    # The shell stopped its manager and its extension: no socket is left behind.
    assert not (sock_dir / "shell.em").exists()


def test_a_required_extension_that_never_comes(sock_dir: Path) -> None:
    result = hostqli(
        f"--extensions_socket={sock_dir / 'shell.em'}",
        "--extensions_require=absent_ext",
        "--extensions_timeout=1",
        "select 1",
    )
    assert result.returncode == 1
    assert result.stderr == "Error: Required extension not found or not loaded: absent_ext\n"


def test_connect_runs_sql_in_a_running_hostqld(hostqld: Daemon, sock_dir: Path) -> None:
    daemon = hostqld()
    core(sock_dir, daemon)
    path = sock_dir / "hostql.em"
    flag = hostqli(f"--connect={path}", "--list", "select 40 + 2 as answer, 'x' as text")
    assert flag.returncode == 0, flag.stderr
    assert flag.stdout == "answer|text\n42|x\n"
    failed = hostqli(f"--connect={path}", "select * from no_such_table")
    assert failed.returncode == 1
    assert failed.stderr == "Error: no such table: no_such_table\n"

    stdin = (
        f".connect {path}\n.socket\nselect name from osquery_extensions;\n.disconnect\n"
        "select 'local' as here;\n"
    )
    session = hostqli("--list", "--extensions_socket=/x.em", stdin=stdin)
    assert session.returncode == 0, session.stderr
    assert session.stdout == (
        f"Connected to extension socket {path} for debugging\n"
        f"/x.em (connected to {path})\n"
        "name\ncore\n"
        f"Disconnected from extension socket {path}\n"
        "here\nlocal\n"
    )
    wait_until(lambda: daemon.poll() is None)
