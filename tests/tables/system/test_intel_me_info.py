"""intel_me_info: the HECI exchange with /dev/mei0, against fixture devices."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from hostql.host import intel_me
from hostql.tables.system.intel_me_info import intel_me_info
from hostql.testing import run_table


def _device(root: Path, major: int, minor: int, hotfix: int, build: int) -> Path:
    """A regular file standing in for /dev/mei0: 4 bytes the request overwrites, then the
    mei_version answer the driver would return."""
    answer = b"\0" * 28 + struct.pack("<8H", major, minor, hotfix, build, 0, 0, 0, 0) + b"\0" * 12
    assert len(answer) == intel_me.VERSION_SIZE
    (root / "dev").mkdir(parents=True, exist_ok=True)
    device = root / "dev/mei0"
    device.write_bytes(b"\xff" * 4 + answer)
    return device


class _FakeConnect:
    """The driver's IOCTL_MEI_CONNECT_CLIENT answer: max message length and protocol."""

    def __init__(self, protocol: int) -> None:
        self.protocol = protocol
        self.calls: list[tuple[int, bytes]] = []

    def __call__(self, fd: int, request: int, buffer: bytearray) -> None:
        self.calls.append((request, bytes(buffer)))
        struct.pack_into("<IB", buffer, 0, 512, self.protocol)


def test_the_firmware_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    device = _device(tmp_path, 11, 8, 50, 3425)
    connect = _FakeConnect(1)
    monkeypatch.setattr(intel_me, "_ioctl", connect)
    assert run_table(intel_me_info, root=tmp_path) == [{"version": "11.8.50.3425"}]
    ((request, sent),) = connect.calls
    assert request == 0xC0104801
    assert sent == intel_me.UPDATE_CLIENT_GUID + b"\0\0"
    # The GetFirmwareVersion command (four zero bytes) was written to the device.
    assert device.read_bytes()[:4] == b"\0\0\0\0"


def test_an_unsupported_protocol_gives_no_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _device(tmp_path, 1, 2, 3, 4)
    monkeypatch.setattr(intel_me, "_ioctl", _FakeConnect(2))
    assert run_table(intel_me_info, root=tmp_path) == []


def test_a_short_answer_gives_no_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev/mei0").write_bytes(b"\0" * 20)
    monkeypatch.setattr(intel_me, "_ioctl", _FakeConnect(1))
    assert run_table(intel_me_info, root=tmp_path) == []


def test_a_file_that_is_not_the_driver_gives_no_rows(tmp_path: Path) -> None:
    # The real ioctl on a regular file fails (ENOTTY), as it would on a non-mei device.
    _device(tmp_path, 1, 2, 3, 4)
    assert run_table(intel_me_info, root=tmp_path) == []


def test_no_device_gives_no_rows(tmp_path: Path) -> None:
    assert run_table(intel_me_info, root=tmp_path) == []


@pytest.mark.live
def test_live_machine_without_mei() -> None:
    if os.path.exists("/dev/mei0"):
        pytest.skip("this machine has an Intel ME device")
    assert run_table(intel_me_info) == []
