"""Linux security modules: SELinux through selinuxfs, AppArmor through securityfs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from hostql.host import Host

APPARMOR_PROFILES = "/sys/kernel/security/apparmor/policy/profiles"


class AppArmorProfile(NamedTuple):
    """One loaded AppArmor profile (hashes are None when the kernel does not expose them)."""

    path: str
    name: str
    attach: str
    mode: str
    sha1: str | None
    sha256: str | None


def unescape_mount_path(text: str) -> str:
    """A /proc/mounts field with its octal escapes (\\040 for space, ...) decoded."""
    if "\\" not in text:
        return text
    out = []
    position = 0
    while position < len(text):
        chunk = text[position : position + 4]
        if len(chunk) == 4 and chunk[0] == "\\" and all(c in "01234567" for c in chunk[1:]):
            out.append(chr(int(chunk[1:], 8)))
            position += 4
        else:
            out.append(text[position])
            position += 1
    return "".join(out)


def _read(path: str) -> str:
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", "replace")


def _files_below(directory: str) -> list[str]:
    """Every non-directory path below directory, sorted (unreadable branches are skipped)."""
    found: list[str] = []
    for top, dirs, files in os.walk(directory):
        dirs.sort()
        found.extend(f"{top}/{name}" for name in files)
    return sorted(found)


class Lsm:
    """Reader of the host's SELinux and AppArmor state."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def selinuxfs(self) -> str | None:
        """The host path where selinuxfs is mounted (first in /proc/mounts), None if nowhere."""
        try:
            text = _read(str(self.host.path("/proc/mounts")))
        except (FileNotFoundError, PermissionError):
            return None
        for line in text.splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[2] == "selinuxfs":
                return unescape_mount_path(fields[1])
        return None

    def selinux_read(self, mount: str, relative: str) -> str:
        """The raw content of a selinuxfs file (trailing NULs of context strings removed)."""
        return _read(str(self.host.path(f"{mount}/{relative}"))).rstrip("\0")

    def selinux_files(self, mount: str, scope: str) -> list[str]:
        """Paths relative to scope of the files below a selinuxfs directory, sorted."""
        directory = str(self.host.path(f"{mount}/{scope}"))
        if not os.path.isdir(directory):
            return []
        return [path[len(directory) + 1 :] for path in _files_below(directory)]

    def apparmor_profiles(self) -> Iterator[AppArmorProfile]:
        """Loaded profiles and their subprofiles, in osquery's (depth first, last first) order."""
        root = str(self.host.path(APPARMOR_PROFILES))
        if not os.path.exists(root):
            return
        stack = [("", path) for path in _directories(root)]
        while stack:
            parent, directory = stack.pop()
            try:
                profile = _profile(directory, parent)
            except (FileNotFoundError, PermissionError, NotADirectoryError):
                continue  # removed while listing, or an incomplete profile directory
            children = f"{directory}/profiles"
            if os.path.exists(children):
                stack.extend((profile.name, path) for path in _directories(children))
            yield profile


def _directories(directory: str) -> list[str]:
    try:
        return sorted(e.path for e in os.scandir(directory) if e.is_dir(follow_symlinks=True))
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return []


def _optional(path: str) -> str | None:
    try:
        return _read(path).strip()
    except (FileNotFoundError, PermissionError):
        return None


def _profile(directory: str, parent: str) -> AppArmorProfile:
    attach = _read(f"{directory}/attach").strip()
    mode = _read(f"{directory}/mode").strip()
    name = _read(f"{directory}/name").strip()
    return AppArmorProfile(
        f"{parent}//{name}" if parent else name,
        name,
        attach,
        mode,
        _optional(f"{directory}/sha1"),
        _optional(f"{directory}/sha256"),
    )


def attach(host: Host) -> Lsm:
    """The security module reader of host."""
    return Lsm(host)
