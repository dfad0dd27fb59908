"""libblkid: the filesystem type, UUID and label a block device (or image) carries."""

from __future__ import annotations

import ctypes
import ctypes.util
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostql.host import Host

_SUBLKS_LABEL = 1 << 1
_SUBLKS_UUID = 1 << 3
_SUBLKS_TYPE = 1 << 5


@dataclass(frozen=True, slots=True)
class Superblock:
    """What a superblock probe found ("" where the format has no such value)."""

    type: str = ""
    uuid: str = ""
    label: str = ""


def _library() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("blkid") or "libblkid.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.blkid_new_probe_from_filename.restype = ctypes.c_void_p
    lib.blkid_new_probe_from_filename.argtypes = [ctypes.c_char_p]
    lib.blkid_probe_enable_superblocks.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.blkid_probe_set_superblocks_flags.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.blkid_do_safeprobe.argtypes = [ctypes.c_void_p]
    lib.blkid_probe_lookup_value.argtypes = [
        ctypes.c_void_p,
        ctypes.c_char_p,
        ctypes.POINTER(ctypes.c_char_p),
        ctypes.POINTER(ctypes.c_size_t),
    ]
    lib.blkid_free_probe.argtypes = [ctypes.c_void_p]
    lib.blkid_free_probe.restype = None
    return lib


class Prober:
    """Probes the devices of one host with libblkid (reading a device needs root)."""

    _lib: ctypes.CDLL | None = None
    _loaded = False

    def __init__(self, host: Host) -> None:
        self._host = host
        if not Prober._loaded:
            Prober._lib, Prober._loaded = _library(), True

    @property
    def available(self) -> bool:
        """Whether libblkid could be loaded."""
        return self._lib is not None

    def probe(self, device: str) -> Superblock:
        """Type, UUID and label of the superblock on device (a host path); empty if none."""
        lib = self._lib
        if lib is None:
            return Superblock()
        probe = lib.blkid_new_probe_from_filename(bytes(self._host.path(device)))
        if not probe:
            return Superblock()  # cannot open (permission, vanished, no such device)
        try:
            lib.blkid_probe_enable_superblocks(probe, 1)
            lib.blkid_probe_set_superblocks_flags(
                probe, _SUBLKS_UUID | _SUBLKS_TYPE | _SUBLKS_LABEL
            )
            if lib.blkid_do_safeprobe(probe) != 0:
                return Superblock()
            found: dict[str, str] = {}
            for key in ("TYPE", "UUID", "LABEL"):
                value = ctypes.c_char_p()
                if (
                    lib.blkid_probe_lookup_value(probe, key.encode(), ctypes.byref(value), None)
                    == 0
                ):
                    found[key] = (value.value or b"").decode("utf-8", "replace")
            return Superblock(found.get("TYPE", ""), found.get("UUID", ""), found.get("LABEL", ""))
        finally:
            lib.blkid_free_probe(probe)


def attach(host: Host) -> Prober:
    """The libblkid prober of host."""
    return Prober(host)
