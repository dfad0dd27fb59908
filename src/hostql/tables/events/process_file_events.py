"""process_file_events: file integrity monitoring from audit syscalls, with per-process fds."""

# As osquery's ProcessFileEventSubscriber: open/creat record the fd -> inode -> path of each
# process (forks copy the table, dup copies an fd), so a later read/write/close on an fd is
# attributed to its path; unlink, rename, link, symlink and truncate carry their paths in
# PATH records. Only paths under the config's file_paths (globs resolved at configure time)
# produce rows, and only writes unless --audit_fim_show_accesses. A read or write row is
# emitted once per open (the fd's first read, then its first write). Processes started
# before hostql are untracked: their earlier fds yield no rows ("partial" is never true).
# Unlike osquery: PATH records are picked by their nametype (CREATE, DELETE, NORMAL...) and
# resolved against the cwd, as the kernel writes them (osquery's fixed item positions turn
# `rm dir/f` run in /tmp into /tmp/dir/dir/f); exit codes are decimal (osquery reads them as
# hex, so fds >= 10 go wrong); mmap's write access comes from its prot argument; a rename
# is reported even when the source was never opened; literal file_paths need not exist yet.

from __future__ import annotations

import glob
import posixpath
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from hostql.events.audit_records import CWD, MMAP, PATH, AuditEvent, decode_value, parse_int
from hostql.events.publishers.audit import AuditSubscriber
from hostql.events.publishers.audit_rules import FIM, syscall_names
from hostql.schema import BIGINT, LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext

if TYPE_CHECKING:
    from hostql.daemon.config.model import Config

O_TRUNC, PROT_WRITE = 0o1000, 0x2
MAX_PROCESSES, MAX_INODES = 4096, 20000
OPEN, READ, WRITE = "open", "read", "write"
_IDS = ("uid", "gid", "auid", "euid", "egid", "fsuid", "fsgid", "suid", "sgid")
_READS = {"read", "pread64", "readv", "preadv"}
_WRITES = {"write", "pwrite64", "writev", "pwritev", "ftruncate"}
_OPENS = {"open", "openat", "creat", "mknod", "mknodat", "open_by_handle_at"}
# (operation, path, dest_path, is a write)
Change = tuple[str, str, str | None, bool]


@table(
    "process_file_events",
    "A File Integrity Monitor implementation using the audit service.",
    platforms=(LINUX,),
    evented=True,
    examples=("select operation, path, dest_path, executable from process_file_events",),
    columns=[
        Column("operation", TEXT, "Operation type"),
        Column("pid", BIGINT, "Process ID"),
        Column("ppid", BIGINT, "Parent process ID"),
        Column("time", BIGINT, "Time of execution in UNIX time", additional=True),
        Column("executable", TEXT, "The executable path"),
        Column(
            "partial",
            TEXT,
            "True if this is a partial event (i.e.: this process existed before we started "
            "osquery)",
        ),
        Column("cwd", TEXT, "The current working directory of the process"),
        Column("path", TEXT, "The path associated with the event"),
        Column("dest_path", TEXT, "The canonical path associated with the event"),
        Column("uid", TEXT, "The uid of the process performing the action"),
        Column("gid", TEXT, "The gid of the process performing the action"),
        Column("auid", TEXT, "Audit user ID of the process using the file"),
        Column("euid", TEXT, "Effective user ID of the process using the file"),
        Column("egid", TEXT, "Effective group ID of the process using the file"),
        Column("fsuid", TEXT, "Filesystem user ID of the process using the file"),
        Column("fsgid", TEXT, "Filesystem group ID of the process using the file"),
        Column("suid", TEXT, "Saved user ID of the process using the file"),
        Column("sgid", TEXT, "Saved group ID of the process using the file"),
        Column("uptime", BIGINT, "Time of execution in system uptime"),
        Column("eid", TEXT, "Event ID", hidden=True),
    ],
)
def process_file_events(ctx: QueryContext) -> Iterator[Row]:
    """The buffered rows of the process_file_events subscriber."""
    from hostql.events.tables import event_rows

    yield from event_rows(ctx, "process_file_events")


def resolve_paths(file_paths: Mapping[str, Iterable[str]]) -> set[str]:
    """The concrete paths file_paths names: % and %% globs expanded, literal paths as given."""
    paths: set[str] = set()
    for patterns in file_paths.values():
        for pattern in patterns:
            if "%" not in pattern and "*" not in pattern:
                paths.add(posixpath.normpath(pattern))
                continue
            expanded = pattern.replace("%%", "**").replace("%", "*")
            paths.update(posixpath.normpath(p) for p in glob.glob(expanded, recursive=True))
    return paths


def normalize(cwd: str, path: str) -> str:
    """path made absolute against cwd and normalized without touching the filesystem."""
    joined = path if path.startswith("/") else f"{cwd}/{path}"
    return posixpath.normpath(joined)


class PathItem(NamedTuple):
    """One PATH record: the name as the process passed it, its inode and nametype."""

    name: str
    inode: int | None
    nametype: str


def pick(items: Sequence[PathItem], *nametypes: str) -> PathItem | None:
    """The first PATH item of one of these nametypes (in the order given)."""
    for nametype in nametypes:
        for item in items:
            if item.nametype == nametype:
                return item
    return None


class FimTracker:
    """Per-process fd tables and inode paths, fed syscall events, yielding FIM rows."""

    def __init__(self, included: Iterable[str] = (), *, show_accesses: bool = False) -> None:
        self.included = set(included)
        self.show_accesses = show_accesses
        self.processes: dict[int, dict[int, list[Any]]] = {}
        self.inodes: dict[int, str] = {}

    def _remember(self, inode: int | None, path: str) -> None:
        if inode is None:
            return
        self.inodes.pop(inode, None)
        self.inodes[inode] = path
        if len(self.inodes) > MAX_INODES:
            del self.inodes[next(iter(self.inodes))]

    def _fds(self, pid: int, create: bool = False) -> dict[int, list[Any]] | None:
        fds = self.processes.get(pid)
        if fds is None and create:
            fds = self.processes[pid] = {}
            if len(self.processes) > MAX_PROCESSES:
                del self.processes[next(iter(self.processes))]
        return fds

    def feed(self, event: AuditEvent, name: str) -> Row | None:
        """The row one successful syscall event yields (None: state change or filtered)."""
        fields = event.fields
        pid = parse_int(fields.get("pid")) or 0
        cwd_record = event.record(CWD)
        cwd = decode_value(cwd_record.fields.get("cwd", "")) if cwd_record else ""
        numbered = []
        for record in event.all(PATH):
            item = parse_int(record.fields.get("item"))
            if item is not None:
                raw = record.fields.get("name")
                inode = parse_int(record.fields.get("inode"))
                nametype = record.fields.get("nametype", "")
                numbered.append((item, PathItem(decode_value(raw or ""), inode, nametype)))
        items = [item for _, item in sorted(numbered, key=lambda pair: pair[0])]
        result = self._handle(event, name, pid, cwd, items)
        if result is None:
            return None
        operation, path, dest, is_write = result
        if path not in self.included and (dest is None or dest not in self.included):
            return None
        if not is_write and not self.show_accesses:
            return None
        row: Row = {key: str(parse_int(fields.get(key)) or 0) for key in _IDS}
        row.update(operation=operation, path=path, pid=pid, executable=event.executable)
        row.update(ppid=parse_int(fields.get("ppid")) or 0, partial="false", cwd=cwd)
        if dest is not None:
            row["dest_path"] = dest
        return row

    def _handle(
        self, event: AuditEvent, name: str, pid: int, cwd: str, items: list[PathItem]
    ) -> Change | None:
        fields = event.fields
        exit_code = parse_int(fields.get("exit"))
        a0 = parse_int(fields.get("a0"), 16)
        if name in ("clone", "fork", "vfork"):
            fds = self._fds(pid)
            if fds is not None and exit_code:
                self._fds(exit_code, create=True).update({k: list(v) for k, v in fds.items()})
            return None
        if name in ("dup", "dup2", "dup3"):
            fds = self._fds(pid)
            if fds is not None and a0 in fds and exit_code is not None:
                fds[exit_code] = list(fds[a0])
            return None
        if name == "close":
            fds = self._fds(pid)
            entry = fds.pop(a0, None) if fds is not None and a0 is not None else None
            if entry is None or entry[0] not in self.inodes:
                return None
            return "close", self.inodes[entry[0]], None, False
        if name in _READS or name in _WRITES or name == "mmap":
            return self._io(event, name, pid, a0)
        if name in _OPENS:
            return self._open(event, name, pid, cwd, items, exit_code)
        return self._path_change(name, cwd, items)

    def _path_change(self, name: str, cwd: str, items: list[PathItem]) -> Change | None:
        """unlink, rename, link, symlink, truncate and name_to_handle_at, from PATH items."""
        # Names are as the process passed them: relative ones are relative to its cwd.
        created = pick(items, "CREATE")
        if name in ("unlink", "unlinkat"):
            gone = pick(items, "DELETE") or (items[-1] if items else None)
            if gone is None:
                return None
            self.inodes.pop(gone.inode or -1, None)
            return "unlink", normalize(cwd, gone.name), None, True
        if name in ("rename", "renameat", "renameat2"):
            source = pick(items, "DELETE")
            if source is None or created is None:
                return None
            dest = normalize(cwd, created.name)
            self.inodes.pop(source.inode or -1, None)
            self._remember(created.inode, dest)
            return "rename", normalize(cwd, source.name), dest, True
        if name in ("linkat", "link", "symlink", "symlinkat"):
            if created is None:
                return None
            dest = normalize(cwd, created.name)
            self._remember(created.inode, dest)
            if name.startswith("sym"):
                target = pick(items, "UNKNOWN", "NORMAL")
                if target is None:
                    return None
                return "symlink", normalize(posixpath.dirname(dest), target.name), dest, True
            old = pick(items, "NORMAL")
            if old is None:
                return None
            return "link", normalize(cwd, old.name), dest, True
        if name in ("truncate", "name_to_handle_at") and items:
            target = normalize(cwd, items[0].name)
            self._remember(items[0].inode, target)
            return ("write", target, None, True) if name == "truncate" else None
        return None

    def _open(
        self,
        event: AuditEvent,
        name: str,
        pid: int,
        cwd: str,
        items: list[PathItem],
        fd: int | None,
    ) -> Change | None:
        flags_arg = {"open": "a1", "openat": "a2", "open_by_handle_at": "a2"}.get(name)
        flags = parse_int(event.fields.get(flags_arg or ""), 16) or 0
        truncate = bool(flags & O_TRUNC)
        opened = pick(items, "CREATE", "NORMAL") or (items[-1] if items else None)
        if opened is None:
            return None
        if name == "open_by_handle_at":
            # Only the inode is known; its path is whatever name_to_handle_at recorded.
            if opened.inode not in self.inodes:
                return None
            target = self.inodes[opened.inode]
        else:
            target = normalize(cwd, opened.name)
        if fd is not None and opened.inode is not None:
            self._fds(pid, create=True)[fd] = [opened.inode, OPEN]
        self._remember(opened.inode, target)
        return ("open+truncate" if truncate else "open"), target, None, truncate

    def _io(self, event: AuditEvent, name: str, pid: int, fd: int | None) -> Change | None:
        writing = name in _WRITES
        if name == "mmap":
            mmap = event.record(MMAP)
            fd = parse_int(mmap.fields.get("fd")) if mmap else None
            writing = bool((parse_int(event.fields.get("a2"), 16) or 0) & PROT_WRITE)
        fds = self._fds(pid)
        entry = fds.get(fd) if fds is not None and fd is not None else None
        if entry is None or entry[0] not in self.inodes:
            return None
        last = entry[1]
        if last == WRITE or (last == READ and not writing):
            return None
        entry[1] = WRITE if writing else READ
        return entry[1], self.inodes[entry[0]], None, writing


def file_rows(
    tracker: FimTracker, events: Iterable[AuditEvent], names: Mapping[int, str], uptime: int
) -> list[Row]:
    """The process_file_events rows of a batch, updating the tracker's state."""
    rows = []
    for event in events:
        name = names.get(event.syscall, "")
        if event.kind != "syscall" or not event.success or name not in FIM:
            continue
        row = tracker.feed(event, name)
        if row is not None:
            row["uptime"] = uptime
            rows.append(row)
    return rows


class ProcessFileEventsSubscriber(AuditSubscriber):
    """Tracks processes' files through the audit publisher's syscall events."""

    name = "process_file_events"
    allow_flag = "audit_allow_fim_events"

    def __init__(self, values: Any) -> None:
        super().__init__(values)
        self.tracker = FimTracker(show_accesses=bool(values["audit_fim_show_accesses"]))

    def configure(self, config: Config) -> None:
        """Resolve the config's file_paths into the paths that produce rows."""
        self.tracker.included = resolve_paths(config.file_paths)

    def build(self, events: Sequence[AuditEvent], uptime: int) -> list[Row]:
        """The rows of one batch."""
        return file_rows(self.tracker, events, syscall_names(), uptime)
