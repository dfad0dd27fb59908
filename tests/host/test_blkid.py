"""libblkid probing of device nodes and images through the host root."""

from __future__ import annotations

import subprocess
from pathlib import Path

from hostql.host import Host
from hostql.host.blkid import Superblock

UUID = "2f7b3e4c-1d2a-4b5c-8d9e-0a1b2c3d4e5f"


def test_probe_ext4_image_and_nothing(tmp_path: Path) -> None:
    dev = tmp_path / "dev"
    dev.mkdir()
    image = dev / "sdz1"
    subprocess.run(
        ["mkfs.ext4", "-q", "-L", "data", "-U", UUID, str(image), "1024K"],
        check=True,
        capture_output=True,
    )
    (dev / "zero").write_bytes(bytes(1 << 16))
    prober = Host(tmp_path).blkid
    assert prober.available
    assert prober.probe("/dev/sdz1") == Superblock("ext4", UUID, "data")
    assert prober.probe("/dev/zero") == Superblock()
    assert prober.probe("/dev/missing") == Superblock()
