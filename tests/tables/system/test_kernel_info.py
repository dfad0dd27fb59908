"""kernel_info: boot arguments split into path, device and the rest; live uname check."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hostql.tables.system.kernel_info import kernel_info, parse_cmdline
from hostql.testing import run_table

VERSION = (
    "Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) "
    "12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1\n"
)


def write_proc(root: Path, cmdline: str | None, version: str | None = VERSION) -> None:
    (root / "proc/sys/kernel").mkdir(parents=True)
    if cmdline is not None:
        (root / "proc/cmdline").write_text(cmdline)
    if version is not None:
        (root / "proc/version").write_text(version)
    (root / "proc/sys/kernel/osrelease").write_text("6.1.0-fallback\n")


def test_row_from_cmdline_and_version(tmp_path: Path) -> None:
    write_proc(
        tmp_path,
        "BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=UUID=1234-abcd ro  quiet splash\n",
    )
    assert run_table(kernel_info, root=tmp_path) == [
        {
            "version": "6.1.0-18-amd64",
            "arguments": "ro quiet splash",
            "path": "/boot/vmlinuz-6.1.0-18-amd64",
            "device": "UUID=1234-abcd",
        }
    ]


def test_missing_files_leave_nulls(tmp_path: Path) -> None:
    write_proc(tmp_path, None, version="garbage\n")
    assert run_table(kernel_info, root=tmp_path) == [
        {"version": "6.1.0-fallback", "arguments": None, "path": None, "device": None}
    ]


def test_cmdline_without_image_or_root() -> None:
    assert parse_cmdline("console=ttyS0 quiet\n") == {"arguments": "console=ttyS0 quiet"}


@pytest.mark.live
def test_live_version_matches_uname() -> None:
    (row,) = run_table(kernel_info)
    assert row["version"] == os.uname().release
    with open("/proc/cmdline") as handle:
        words = handle.read().split()
    assert set(row["arguments"].split()) <= set(words)
