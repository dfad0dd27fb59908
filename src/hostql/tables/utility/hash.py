"""hash: md5, sha1 and sha256 of regular files named by path or listed by directory."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from hostql.host.files import text_path
from hostql.host.hashing import ALGORITHMS, ReadLimitExceeded
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

if TYPE_CHECKING:
    from hostql.host.files import Files


@table(
    "hash",
    "Filesystem hash data.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=(
        "select * from hash where path = '/etc/passwd'",
        "select * from hash where directory = '/etc/'",
    ),
    notes="Only the digests a query reads are computed. Files larger than --read_max bytes "
    "get empty digests, as in osquery.",
    columns=[
        Column(
            "path",
            TEXT,
            "Must provide a path or directory",
            required=True,
            index=True,
            optimized=True,
        ),
        Column(
            "directory",
            TEXT,
            "Must provide a path or directory",
            required=True,
            optimized=True,
        ),
        Column("md5", TEXT, "MD5 hash of provided filesystem data", collate="NOCASE"),
        Column("sha1", TEXT, "SHA1 hash of provided filesystem data", collate="NOCASE"),
        Column("sha256", TEXT, "SHA256 hash of provided filesystem data", collate="NOCASE"),
        Column(
            "pid_with_namespace",
            INTEGER,
            "Pids that contain a namespace",
            hidden=True,
            additional=True,
            platforms=("linux",),
        ),
        Column(
            "mount_namespace_id",
            TEXT,
            "Mount namespace id",
            hidden=True,
            platforms=("linux",),
        ),
    ],
)
def hash(ctx: QueryContext) -> Iterator[Row]:
    """A row per regular file: the = / IN / LIKE paths, then each listed directory's files."""
    files: Files = ctx.host.files
    hasher = _Hasher(ctx, files)
    paths = sorted({str(v) for v in ctx.equals("path") or () if v != ""})
    for pattern in ctx.patterns("path"):
        paths.extend(found[0] for found in files.expand(pattern))
    for path in dict.fromkeys(paths):
        real = files.real(path)
        if files.is_regular(real):
            yield hasher.row(path, real, _parent(path))
    directories = sorted({str(v) for v in ctx.equals("directory") or () if v != ""})
    for pattern in ctx.patterns("directory"):
        directories.extend(found[0] for found in files.expand(pattern, folders=True))
    for directory in dict.fromkeys(directories):
        for path, real, entry in files.list_dir(directory):
            if files.is_regular(real, entry):
                yield hasher.row(path, real, directory)


def _parent(path: str) -> str:
    """boost's parent_path of a file path."""
    head, sep, _ = path.rpartition("/")
    if not sep:
        return ""
    return head.rstrip("/") or "/"


class _Hasher:
    """Hashes files for one query: the used digests, through the process-wide cache."""

    def __init__(self, ctx: QueryContext, files: Files) -> None:
        self.ctx = ctx
        self.files = files
        self.algorithms = tuple(a for a in ALGORITHMS if ctx.uses(a))
        self.read_max = int(ctx.flags["read_max"])
        self.cache_max = int(ctx.flags["hash_cache_max"])
        self.use_cache = not ctx.flags["disable_hash_cache"]
        # osquery's hash_delay: without the cache, pause after each file to spare the CPU.
        self.delay = 0.0 if self.use_cache else int(ctx.flags["hash_delay"]) / 1000
        # Without the process-wide cache a query still hashes each path only once.
        self.seen: dict[str, Row] = {}

    def row(self, path: str, real: str, directory: str) -> Row:
        """The row of one regular file; digests are empty when it cannot be read."""
        if path in self.seen:
            return {**self.seen[path], "directory": text_path(directory)}
        row: Row = {
            "path": text_path(path),
            "directory": text_path(directory),
            "pid_with_namespace": 0,
        }
        if self.algorithms:
            try:
                digests = self.files.digests(
                    real,
                    self.algorithms,
                    read_max=self.read_max,
                    cache_max=self.cache_max,
                    use_cache=self.use_cache,
                )
            except ReadLimitExceeded as exc:
                self.ctx.warn(
                    f"Cannot read {path} size exceeds limit: {exc.size} > {self.read_max}"
                )
                digests = dict.fromkeys(self.algorithms, "")
            except OSError:  # unreadable or vanished: osquery reports empty digests
                digests = dict.fromkeys(self.algorithms, "")
            row.update(digests)
            if self.delay:
                time.sleep(self.delay)
        if not self.use_cache:
            self.seen[path] = row
        return row
