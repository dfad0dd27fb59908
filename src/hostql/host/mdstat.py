"""Software RAID (md): /proc/mdstat as osquery parses it, array and member state from sysfs."""

from __future__ import annotations

import fcntl
import os
import stat
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostql.host import Host

# GET_ARRAY_INFO = _IOR(MD_MAJOR, 0x11, mdu_array_info_t): eighteen 32-bit ints.
_ARRAY_INFO = struct.Struct("<18i")
GET_ARRAY_INFO = (2 << 30) | (_ARRAY_INFO.size << 16) | (9 << 8) | 0x11
_UTIME_FIELD = 10
# The kernel's level numbers for the personalities sysfs names in words.
LEVELS = {"linear": -1, "multipath": -4, "faulty": -5, "container": -1_000_000}


@dataclass(slots=True)
class MdAction:
    """A recovery, resync, reshape or check line: progress, estimated finish, speed."""

    progress: str = ""
    finish: str = ""
    speed: str = ""


@dataclass(slots=True)
class MdDevice:
    """One array as /proc/mdstat describes it."""

    name: str
    status: str = ""
    raid_level: str = ""
    usable_size: int = 0
    other: str = ""
    healthy_drives: str = ""
    drive_statuses: str = ""
    recovery: MdAction = field(default_factory=MdAction)
    resync: MdAction = field(default_factory=MdAction)
    reshape: MdAction = field(default_factory=MdAction)
    check_array: MdAction = field(default_factory=MdAction)
    bitmap_on_mem: str = ""
    bitmap_chunk_size: str = ""
    bitmap_external_file: str = ""


@dataclass(slots=True)
class MdStat:
    """The whole of /proc/mdstat."""

    personalities: list[str] = field(default_factory=list)
    devices: list[MdDevice] = field(default_factory=list)
    unused: str = ""


@dataclass(slots=True)
class MdMember:
    """A member device of an array (sysfs md/dev-*)."""

    name: str
    slot: int
    flags: frozenset[str]
    device: str


@dataclass(slots=True)
class MdArray:
    """What GET_ARRAY_INFO reports, read from /sys/block/<md>/md."""

    level: int | None
    chunk_size: int | None
    raid_disks: int | None
    members: list[MdMember]
    in_sync: bool
    bitmap: bool
    metadata: str
    update_time: int | None


def _skip_chars(text: str, chars: str) -> str:
    """text from its first character not in chars (all of it if there is none)."""
    # osquery's find_first_not_of: it drops leading characters of a set, not a prefix.
    for position, char in enumerate(text):
        if char not in chars:
            return text[position:]
    return text


def _parse_action(line: str, action: MdAction) -> None:
    # "12.6% (131072/1046528) finish=0.1min speed=131072K/sec": exactly four pieces.
    pieces = line.split()
    if len(pieces) != 4:
        return
    action.progress = f"{pieces[0]} {pieces[1]}"
    action.finish = _skip_chars(pieces[2], "finish=")
    action.speed = _skip_chars(pieces[3], "speed=")


def _parse_bitmap(line: str, device: MdDevice) -> None:
    # "0/1 pages [0KB], 65536KB chunk[, file: /path]"
    pieces = [p.strip() for p in line.split(",") if p]
    if len(pieces) < 2:
        return
    device.bitmap_on_mem, device.bitmap_chunk_size = pieces[0], pieces[1]
    if len(pieces) > 2 and "file:" in pieces[2]:
        device.bitmap_external_file = pieces[2][pieces[2].index("file:") + 5 :].strip()


def _status_handlers(device: MdDevice) -> list[tuple[str, Callable[[str], None]]]:
    def resync_delayed(line: str) -> None:
        device.resync.progress = line

    def bitmap(line: str) -> None:
        _parse_bitmap(line, device)

    return [
        ("recovery =", lambda line: _parse_action(line, device.recovery)),
        ("resync =", lambda line: _parse_action(line, device.resync)),
        ("resync=", resync_delayed),  # "resync=DELAYED" / "resync=PENDING"
        ("reshape =", lambda line: _parse_action(line, device.reshape)),
        ("check =", lambda line: _parse_action(line, device.check_array)),
        ("bitmap:", bitmap),
    ]


def _parse_config(line: str, device: MdDevice) -> None:
    # "1046528 blocks super 1.2 [2/2] [UU]": size, extra settings, then the two drive summaries.
    words = line.split()
    if len(words) < 4:
        return
    if words[1] == "blocks" and words[0].isdigit():
        device.usable_size = int(words[0])
    device.healthy_drives, device.drive_statuses = words[-2], words[-1]
    device.other = " ".join(words[2:-2])


def parse_mdstat(text: str) -> MdStat:
    """Parse /proc/mdstat with osquery's rules (lines trimmed, blank lines dropped)."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    result = MdStat()
    if not lines:
        return result
    n = 0
    if "Personalities :" in lines[0]:
        rest = lines[0][lines[0].index("Personalities :") + len("Personalities :") :]
        result.personalities = [p[1:-1] for p in rest.split() if len(p) > 2]
        n = 1
    while n < len(lines):
        line = lines[n]
        if line.startswith("md"):
            name, colon, settings = line.partition(":")
            words = settings.split()
            if not colon:
                n += 1
                continue
            device = MdDevice(name.strip())
            if len(words) >= 2:
                device.status, device.raid_level = words[0], words[1]
            result.devices.append(device)
            if n + 1 >= len(lines):
                break
            _parse_config(lines[n + 1], device)
            n += 1
            handlers = _status_handlers(device)
            while n + 1 < len(lines):
                following = lines[n + 1]
                for term, handle in handlers:
                    at = following.find(term)
                    if at != -1 and len(following) > at + len(term):
                        handle(following[at + len(term) :].strip())
                        n += 1
                        break
                else:
                    break
        elif line.startswith("un") and len(line) > len("unused devices:") + 1:
            result.unused = line[len("unused devices:") :].strip()
        n += 1
    return result


def _read(path: str) -> str:
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", "replace").strip()


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


class Mdstat:
    """Reader of the host's md arrays."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def mdstat(self) -> MdStat:
        """/proc/mdstat parsed (empty when the md driver is absent)."""
        try:
            text = _read(str(self.host.path("/proc/mdstat")))
        except (FileNotFoundError, PermissionError):
            return MdStat()
        return parse_mdstat(text)

    def array(self, name: str) -> MdArray | None:
        """The state of array name from /sys/block/<name>/md, None when it has none."""
        base = str(self.host.path(f"/sys/block/{name}/md"))
        try:
            level_text = _read(f"{base}/level")
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return None
        level = _int(level_text[4:]) if level_text.startswith("raid") else LEVELS.get(level_text)
        members = []
        for entry in sorted(os.listdir(base)):
            if entry.startswith("dev-"):
                member = self._member(f"{base}/{entry}", entry[4:])
                if member is not None:
                    members.append(member)
        return MdArray(
            level=level,
            chunk_size=_int(self._optional(f"{base}/chunk_size")),
            raid_disks=_int(self._optional(f"{base}/raid_disks")),
            members=members,
            # clean, and the read-only states, are the ones where the kernel marks it in sync.
            in_sync=self._optional(f"{base}/array_state") in ("clean", "readonly", "read-auto"),
            bitmap=self._optional(f"{base}/bitmap/location").startswith(("+", "-")),
            metadata=self._optional(f"{base}/metadata_version").removeprefix("external:"),
            update_time=self._update_time(name),
        )

    def _optional(self, path: str) -> str:
        try:
            return _read(path)
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            return ""

    def _member(self, directory: str, name: str) -> MdMember | None:
        try:
            state = _read(f"{directory}/state")
        except (FileNotFoundError, PermissionError):
            return None  # removed while listing
        slot = _int(self._optional(f"{directory}/slot"))
        return MdMember(
            name=name,
            slot=-1 if slot is None else slot,
            flags=frozenset(f for f in state.split(",") if f),
            device=f"/dev/{name}",
        )

    def _update_time(self, name: str) -> int | None:
        """The superblock update time, which only GET_ARRAY_INFO reports (None without it)."""
        path = str(self.host.path(f"/dev/{name}"))
        try:
            if not stat.S_ISBLK(os.stat(path).st_mode):
                return None
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            return None
        try:
            data = fcntl.ioctl(fd, GET_ARRAY_INFO, bytes(_ARRAY_INFO.size))
        except OSError:
            return None
        finally:
            os.close(fd)
        return _ARRAY_INFO.unpack(data)[_UTIME_FIELD] & 0xFFFFFFFF


def attach(host: Host) -> Mdstat:
    """The md array reader of host."""
    return Mdstat(host)
