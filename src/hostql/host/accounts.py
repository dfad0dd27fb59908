"""Local accounts: /etc/passwd and /etc/group under the host's root (and NSS on the live host)."""

from __future__ import annotations

import pwd
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from hostql.host import Host

_ID_MAX = 0xFFFF_FFFF


class User(NamedTuple):
    """One passwd entry."""

    name: str
    uid: int
    gid: int
    gecos: str
    directory: str
    shell: str


class Group(NamedTuple):
    """One group entry, with the user names listed as its members."""

    name: str
    gid: int
    members: tuple[str, ...]


def _entries(text: str, fields: int) -> Iterator[list[str]]:
    """Colon-separated entries as glibc's fget*ent reads them: blank and # lines are skipped."""
    for raw in text.splitlines():
        line = raw.lstrip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(":")
        if len(parts) >= fields:
            yield parts


def _id(text: str) -> int | None:
    """A uid or gid field: a decimal number that fits 32 bits, else None."""
    text = text.strip()
    if not text.isdigit() or not text.isascii():
        return None
    number = int(text)
    return number if number <= _ID_MAX else None


def parse_passwd(text: str) -> list[User]:
    """The entries of a passwd file, in file order; malformed lines are skipped."""
    users = []
    for parts in _entries(text, 7):
        uid, gid = _id(parts[2]), _id(parts[3])
        if uid is None or gid is None or not parts[0]:
            continue
        # Only a trailing field may hold extra colons in practice; glibc keeps them in the shell.
        users.append(User(parts[0], uid, gid, parts[4], parts[5], ":".join(parts[6:])))
    return users


def parse_group(text: str) -> list[Group]:
    """The entries of a group file, in file order; malformed lines are skipped."""
    groups = []
    for parts in _entries(text, 4):
        gid = _id(parts[2])
        if gid is None or not parts[0]:
            continue
        members = tuple(m.strip() for m in ":".join(parts[3:]).split(",") if m.strip())
        groups.append(Group(parts[0], gid, members))
    return groups


def group_list(user: User, groups: list[Group]) -> list[int]:
    """getgrouplist(3) over groups: the primary gid, then each group listing the user, once."""
    found = [user.gid]
    for group in groups:
        if user.name in group.members and group.gid not in found:
            found.append(group.gid)
    return found


def as_id(value: Any) -> int | None:
    """A constraint value as a uid/gid (osquery parses it as a base-10 integer), else None."""
    try:
        number = int(value) if not isinstance(value, float) or value.is_integer() else -1
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= _ID_MAX else None


def signed(number: int) -> int:
    """A 32-bit id as the signed int32 osquery's *_signed columns show."""
    return number - (1 << 32) if number >= 1 << 31 else number


class Accounts:
    """Reader of the host's local user and group databases."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def _etc(self, name: str, pid: int | None) -> str:
        # A pid reads the file of that process's mount namespace, through its root link.
        absolute = f"/etc/{name}" if pid is None else f"/proc/{pid}/root/etc/{name}"
        return self.host.path(absolute).read_text(encoding="utf-8", errors="replace")

    def users(self, pid: int | None = None) -> list[User]:
        """The entries of /etc/passwd (of pid's mount namespace if given)."""
        return parse_passwd(self._etc("passwd", pid))

    def groups(self, pid: int | None = None) -> list[Group]:
        """The entries of /etc/group (of pid's mount namespace if given)."""
        return parse_group(self._etc("group", pid))

    def nss_users(self) -> list[User]:
        """Every user of every NSS source of the live host (LDAP too; none for a fixture root)."""
        return [_user(entry) for entry in pwd.getpwall()] if self.host.live else []

    def nss_user(self, key: int | str) -> User | None:
        """The user with this uid (int) or name (str) from the live host's NSS sources."""
        if not self.host.live:
            return None
        try:
            return _user(pwd.getpwuid(key) if isinstance(key, int) else pwd.getpwnam(key))
        except (KeyError, OverflowError):
            return None


def _user(entry: pwd.struct_passwd) -> User:
    return User(
        entry.pw_name, entry.pw_uid, entry.pw_gid, entry.pw_gecos, entry.pw_dir, entry.pw_shell
    )


def attach(host: Host) -> Accounts:
    """The account reader of host."""
    return Accounts(host)
