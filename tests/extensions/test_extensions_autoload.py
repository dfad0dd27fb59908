"""--extensions_autoload: which files are safe to run, and how the children are supervised."""

from __future__ import annotations

import os
from pathlib import Path

from extension_processes import wait_until

from hostql.extensions.autoload import Autoloader, autoload_paths, unsafe_reason


def executable(path: Path, body: str = "exit 0\n", mode: int = 0o755) -> Path:
    path.write_text(f"#!/bin/sh\n{body}")
    path.chmod(mode)
    return path


def test_safety_rules(sock_dir: Path) -> None:
    good = executable(sock_dir / "good.ext")
    assert unsafe_reason(str(good)) is None
    assert "writable by other users" in str(
        unsafe_reason(str(executable(sock_dir / "open.ext", mode=0o777)))
    )
    assert "not ending in '.ext'" in str(unsafe_reason(str(executable(sock_dir / "tool.sh"))))
    assert "not executable" in str(
        unsafe_reason(str(executable(sock_dir / "plain.ext", mode=0o644)))
    )
    assert "cannot read" in str(unsafe_reason(str(sock_dir / "missing.ext")))
    assert "not a regular file" in str(unsafe_reason(str(sock_dir)))


def test_the_load_file_lists_files_and_directories(sock_dir: Path) -> None:
    folder = sock_dir / "more"
    folder.mkdir()
    first = executable(sock_dir / "first.ext")
    inside = executable(folder / "inside.ext")
    unsafe = executable(folder / "unsafe.sh")
    loadfile = sock_dir / "extensions.load"
    loadfile.write_text(f"# a comment\n; another\n\n  {first}  \n{folder}\n{first}\n")
    warnings: list[str] = []
    assert autoload_paths(str(loadfile), False, warnings.append) == [str(first), str(inside)]
    assert warnings == [f"Will not autoload extension: not ending in '.ext': {unsafe}"]
    assert autoload_paths(str(loadfile), True, warnings.append) == [
        str(first),
        str(inside),
        str(unsafe),
    ]
    assert autoload_paths(str(sock_dir / "absent.load"), False, warnings.append) == []


def test_children_get_the_socket_flags_and_are_restarted_with_backoff(sock_dir: Path) -> None:
    record = sock_dir / "args"
    child = executable(sock_dir / "child.ext", f'echo "$@" >> {record}\nexit 3\n')
    reports: list[str] = []
    loader = Autoloader([str(child)], "/s/em", "4", "2", verbose=True, report=reports.append)
    loader.start()
    wait_until(lambda: not loader.running())
    assert record.read_text() == "--socket /s/em --timeout 4 --interval 2 --verbose\n"
    loader.check(now=0.0)
    assert reports == [f"Extension {child} exited with status 3"]
    state = loader.children[0]
    assert state.process is None and state.next_start == 3.0 and state.backoff == 6.0
    loader.check(now=1.0)  # too early
    assert state.process is None
    loader.check(now=3.5)
    wait_until(lambda: record.read_text().count("--socket") == 2)
    loader.stop()


def test_stop_ends_running_children(sock_dir: Path) -> None:
    child = executable(sock_dir / "sleeper.ext", "exec sleep 60\n")
    loader = Autoloader([str(child)], "/s/em", "3", "3")
    loader.start()
    pids = loader.running()
    assert len(pids) == 1
    loader.stop()
    assert loader.running() == []
    assert (
        not os.path.exists(f"/proc/{pids[0]}")
        or Path(f"/proc/{pids[0]}/stat").read_text().split()[2] == "Z"
    )
