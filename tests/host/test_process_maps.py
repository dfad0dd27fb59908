"""hostql.host.process_maps: maps text, descriptor modes, FIFOs and limits."""

from __future__ import annotations

import os
import resource
from pathlib import Path

import pytest

from hostql.host import Host
from hostql.host.process_maps import ProcessMaps, parse_limits

LIMITS = """\
Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max stack size            8388608              unlimited            bytes     
Max open files            1024                 1048576              files     
Max nice priority         0                    0                    
Max realtime timeout      unlimited            unlimited            us        
"""  # noqa: W291 - the kernel pads every column with spaces


def test_parse_limits_maps_kernel_names_to_rlimit_names() -> None:
    assert parse_limits(LIMITS) == {
        "cpu": ("unlimited", "unlimited"),
        "stack": ("8388608", "unlimited"),
        "nofile": ("1024", "1048576"),
        "nice": ("0", "0"),
    }


def test_maps_and_fifo_inode_under_a_root(tmp_path: Path) -> None:
    (tmp_path / "proc/7").mkdir(parents=True)
    (tmp_path / "proc/7/maps").write_text("00400000-00401000 r-xp 00000000 08:01 42 /bin/x\n")
    (tmp_path / "run").mkdir()
    os.mkfifo(tmp_path / "run/queue")
    (tmp_path / "run/plain").write_text("")
    reader = ProcessMaps(Host(tmp_path))
    assert reader.maps(7).startswith("00400000-00401000")
    assert reader.fifo_inode("/run/queue") == os.stat(tmp_path / "run/queue").st_ino
    assert reader.fifo_inode("/run/plain") is None
    assert reader.fifo_inode("/run/missing") is None
    assert reader.fd_mode(7, 99) == "-"
    with pytest.raises(FileNotFoundError):
        reader.maps(8)


@pytest.mark.live
def test_live_fd_modes_and_limits() -> None:
    reader = ProcessMaps(Host())
    read_end, write_end = os.pipe()
    try:
        assert reader.fd_mode(os.getpid(), read_end) == "r"
        assert reader.fd_mode(os.getpid(), write_end) == "w"
    finally:
        os.close(read_end)
        os.close(write_end)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert reader.limits()["nofile"] == (str(soft), str(hard))
