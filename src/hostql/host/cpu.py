"""The processors: CPUID leaves and model specific registers through the /dev/cpu drivers."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostql.host import Host

_REGISTERS = struct.Struct("<4I")
_REGISTER = struct.Struct("<Q")


class Cpu:
    """Reader of the host's processors."""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.devices = str(host.path("/dev/cpu"))

    def cpuid(self, leaf: int, subleaf: int = 0, cpu: int = 0) -> tuple[int, int, int, int]:
        """(eax, ebx, ecx, edx) of CPUID leaf/subleaf on cpu, through the cpuid driver."""
        # FileNotFoundError without the driver (modprobe cpuid), PermissionError unless root.
        fd = os.open(f"{self.devices}/{cpu}/cpuid", os.O_RDONLY)
        try:
            data = os.pread(fd, 16, (subleaf << 32) | leaf)
        finally:
            os.close(fd)
        if len(data) != 16:
            raise OSError(f"short read from the cpuid device for leaf {leaf:#x}")
        return _REGISTERS.unpack(data)  # type: ignore[return-value]

    def numbers(self) -> list[int]:
        """The processors listed in /dev/cpu (entries starting with a digit), ascending."""
        try:
            names = os.listdir(self.devices)
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return []
        digits = [name for name in names if name[:1].isdigit()]
        # atoi semantics, as osquery: the leading digits of the entry name.
        return sorted({int(_leading_digits(name)) for name in digits})

    def read_msrs(self, cpu: int, registers: Iterable[int]) -> dict[int, int | None]:
        """Register -> 64-bit value on cpu (None where the read fails), via the msr driver."""
        # FileNotFoundError without the driver (modprobe msr), PermissionError unless root.
        fd = os.open(f"{self.devices}/{cpu}/msr", os.O_RDONLY)
        values: dict[int, int | None] = {}
        try:
            for register in registers:
                try:
                    data = os.pread(fd, 8, register)
                except OSError:
                    data = b""  # EIO: the processor has no such register
                values[register] = _REGISTER.unpack(data)[0] if len(data) == 8 else None
        finally:
            os.close(fd)
        return values


def _leading_digits(name: str) -> str:
    digits = ""
    for char in name:
        if not char.isdigit():
            break
        digits += char
    return digits


def attach(host: Host) -> Cpu:
    """The processor reader of host."""
    return Cpu(host)
