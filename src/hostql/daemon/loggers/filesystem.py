"""The filesystem logger: osqueryd.results.log, osqueryd.snapshots.log and glog status files."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TextIO

from hostql.daemon.loggers.base import ERROR, INFO, Logger
from hostql.daemon.records import StatusEntry, status_glog
from hostql.errors import FlagError

if TYPE_CHECKING:
    from hostql.flags import FlagValues

try:
    import zstandard
except ImportError:  # pragma: no cover - the dependency is declared; gzip keeps rotation working
    zstandard = None  # type: ignore[assignment]

RESULTS_LOG = "osqueryd.results.log"
SNAPSHOTS_LOG = "osqueryd.snapshots.log"
COMPRESSED_SUFFIX = ".zst" if zstandard is not None else ".gz"
# osquery keeps X.1 plain and compresses X.2 onwards.
UNCOMPRESSED_COUNT = 1
STATUS_SEVERITIES = ("INFO", "WARNING", "ERROR")
# osquery sets glog's max_log_size to 10 MB: a status file that big is continued in a new one.
STATUS_FILE_MAX_BYTES = 10 * 1024 * 1024
_BUFFER_BYTES = 1 << 16


def parse_logger_mode(text: str) -> int:
    """The octal --logger_mode as a number; FlagError if it is not octal or above 07777."""
    try:
        mode = int(text.strip(), 8)
    except ValueError:
        raise FlagError(f"logger_mode must be an octal file mode, not '{text}'") from None
    if not 0 <= mode <= 0o7777:
        raise FlagError(f"logger_mode must be at most 07777, not '{text}'")
    return mode


@dataclass(frozen=True, slots=True)
class Rotation:
    """--logger_rotate_size and --logger_rotate_max_files."""

    size: int
    max_files: int


def rotated_name(path: Path, index: int) -> Path:
    """The name of the index-th rotated copy of path: X.1, then X.2.zst, X.3.zst..."""
    suffix = COMPRESSED_SUFFIX if index > UNCOMPRESSED_COUNT else ""
    return path.with_name(f"{path.name}.{index}{suffix}")


def rotate(path: Path, max_files: int, mode: int) -> None:
    """Shift path's rotated copies up by one (compressing X.1), drop extras, move path to X.1."""
    moves = [rotated_name(path, 1)]
    while moves[-1].exists():
        moves.append(rotated_name(path, len(moves) + 1))
    for index in range(len(moves) - 1, 0, -1):
        if index == UNCOMPRESSED_COUNT:
            compress(moves[index - 1], moves[index], mode)
        else:
            moves[index - 1].rename(moves[index])
    for index in range(len(moves) - 1, max(max_files, 1) - 1, -1):
        moves[index].unlink(missing_ok=True)
    path.rename(moves[0])


def compress(source: Path, target: Path, mode: int) -> None:
    """Compress source into target (zstd, or gzip without zstandard) via a temporary file."""
    partial = target.with_name(target.name + ".tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, mode)
    with open(source, "rb") as plain, os.fdopen(fd, "wb") as packed:
        if zstandard is not None:
            zstandard.ZstdCompressor().copy_stream(plain, packed)
        else:  # pragma: no cover
            import gzip
            import shutil

            with gzip.GzipFile(fileobj=packed, mode="wb") as stream:
                shutil.copyfileobj(plain, stream)
    # A crash mid-compression leaves a .tmp, never a truncated X.2.zst that later shifts on.
    partial.replace(target)


class LogFile:
    """One append-only line file with osquery's rotation; OSError propagates to the logger."""

    def __init__(self, path: Path, mode: int, rotation: Rotation | None) -> None:
        self.path = path
        self.mode = mode
        self.rotation = rotation
        self._handle: BinaryIO | None = None
        self._identity = (0, 0)
        self._size = 0
        self.lock = threading.Lock()
        # Set when a rotation failed; the logger reports it and clears it.
        self.rotation_error = ""

    def open(self) -> BinaryIO:
        """The open handle, reopened if the file was moved or deleted by someone else."""
        if self._handle is not None:
            try:
                current = os.stat(self.path)
                reopen = (current.st_dev, current.st_ino) != self._identity
            except FileNotFoundError:
                reopen = True
            if not reopen:
                return self._handle
            self.close()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, self.mode)
        try:
            # The mode is applied whatever the umask, as --logger_mode promises.
            os.fchmod(fd, self.mode)
            info = os.fstat(fd)
        except OSError:
            os.close(fd)
            raise
        self._identity = (info.st_dev, info.st_ino)
        self._size = info.st_size
        self._handle = os.fdopen(fd, "ab", buffering=_BUFFER_BYTES)
        return self._handle

    def write(self, lines: Sequence[str]) -> None:
        """Append lines (newline-terminated), rotating first when the file is big enough."""
        with self.lock:
            self._write(lines)

    def _write(self, lines: Sequence[str]) -> None:
        handle = self.open()
        data = ("\n".join(lines) + "\n").encode("utf-8", "backslashreplace")
        if self.rotation is None or self._size + len(data) < self.rotation.size:
            handle.write(data)
            self._size += len(data)
        else:
            # osquery checks the size before each line, so a batch may span a rotation.
            failed = False
            for line in lines:
                if self._size >= self.rotation.size and not failed:
                    failed = not self._rotate()
                    handle = self.open()
                chunk = (line + "\n").encode("utf-8", "backslashreplace")
                handle.write(chunk)
                self._size += len(chunk)
        handle.flush()

    def _rotate(self) -> bool:
        assert self.rotation is not None
        self.close()
        try:
            rotate(self.path, self.rotation.max_files, self.mode)
        except OSError as error:
            # Unlike osquery, which drops the line, keep writing to the unrotated file.
            self.rotation_error = f"cannot rotate {self.path}: {error}"
            return False
        return True

    def close(self) -> None:
        """Flush and close the handle (errors here are the caller's to report)."""
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.close()


class GlogFiles:
    """glog's status files: <program>.<SEVERITY>.<YYYYMMDD-HHMMSS>.<pid> and their symlinks."""

    def __init__(self, directory: Path, program: str, mode: int, clock: Callable[[], float]):
        self.directory = directory
        self.program = program
        self.mode = mode
        self.clock = clock
        self.started = clock()
        self._handles: dict[int, BinaryIO] = {}
        self._sizes: dict[int, int] = {}
        self._lock = threading.Lock()

    def write(self, lines: Sequence[tuple[int, str]]) -> None:
        """Write (severity, line) pairs to their severity's file and every lower one's."""
        chunks: dict[int, list[str]] = {}
        for severity, line in lines:
            for level in range(INFO, min(severity, ERROR) + 1):
                chunks.setdefault(level, []).append(line + "\n")
        with self._lock:
            for level, texts in sorted(chunks.items()):
                data = "".join(texts).encode("utf-8", "backslashreplace")
                handle = self._handle(level)
                handle.write(data)
                handle.flush()
                self._sizes[level] += len(data)
                if self._sizes[level] >= STATUS_FILE_MAX_BYTES:
                    self._close_level(level)

    def _handle(self, level: int) -> BinaryIO:
        handle = self._handles.get(level)
        if handle is not None:
            return handle
        now = self.clock()
        severity = STATUS_SEVERITIES[level]
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
        name = f"{self.program}.{severity}.{stamp}.{os.getpid()}"
        path = self.directory / name
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, self.mode)
        handle = os.fdopen(fd, "ab", buffering=_BUFFER_BYTES)
        header = _glog_header(now, now - self.started).encode()
        handle.write(header)
        self._handles[level] = handle
        self._sizes[level] = len(header)
        link = self.directory / f"{self.program}.{severity}"
        staging = self.directory / f".{self.program}.{severity}.{os.getpid()}"
        with contextlib.suppress(FileNotFoundError):
            staging.unlink()
        os.symlink(name, staging)
        staging.replace(link)
        return handle

    def _close_level(self, level: int) -> None:
        handle = self._handles.pop(level, None)
        if handle is not None:
            handle.close()

    def close(self) -> None:
        """Close every status file."""
        with self._lock:
            for level in list(self._handles):
                self._close_level(level)


def _glog_header(now: float, running: float) -> str:
    seconds = int(running)
    created = time.strftime("%Y/%m/%d %H:%M:%S", time.localtime(now))
    return (
        f"Log file created at: {created}\n"
        f"Running on machine: {socket.gethostname()}\n"
        f"Running duration (h:mm:ss): {seconds // 3600}:{seconds // 60 % 60:02}:{seconds % 60:02}\n"
        "Log line format: [IWEF]mmdd hh:mm:ss.uuuuuu threadid file:line] msg\n"
    )


def _can_create_files(directory: Path) -> bool:
    # A probe, not os.access(): root passes access() checks on directories it cannot write.
    try:
        fd, name = tempfile.mkstemp(prefix=".hostqld-probe-", dir=directory)
    except OSError:
        return False
    os.close(fd)
    os.unlink(name)
    return True


class FilesystemLogger(Logger):
    """Results and snapshots as JSON lines, status as glog files, all in --logger_path."""

    name = "filesystem"

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        mode: int = 0o640,
        rotation: Rotation | None = None,
        min_status: int = INFO,
        program: str = "osqueryd",
        stderr: TextIO | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(min_status)
        self.directory = Path(directory)
        self.mode = mode
        self._stderr = stderr
        self.results = LogFile(self.directory / RESULTS_LOG, mode, rotation)
        self.snapshots = LogFile(self.directory / SNAPSHOTS_LOG, mode, rotation)
        self.status = GlogFiles(self.directory, program, mode, clock)
        try:
            if not self.directory.is_dir():
                self.directory.mkdir(mode=0o700, parents=True)
                self.directory.chmod(0o700)
            # osquery creates the results log, empty, when the logger starts.
            self.results.open().flush()
        except OSError as error:
            self.record_error(f"cannot create {self.results.path}: {error}")
        # As osquery: a logger_path that cannot be written sends status logs to stderr.
        self.status_to_stderr = not _can_create_files(self.directory)

    @classmethod
    def from_flags(cls, values: FlagValues) -> FilesystemLogger:
        """A filesystem logger configured by --logger_path, --logger_mode and --logger_rotate*."""
        rotation = None
        if values["logger_rotate"]:
            rotation = Rotation(values["logger_rotate_size"], values["logger_rotate_max_files"])
        return cls(
            values["logger_path"],
            mode=parse_logger_mode(values["logger_mode"]),
            rotation=rotation,
            min_status=values["logger_min_status"],
        )

    def log_results(self, lines: Sequence[str]) -> None:
        """Append result lines to osqueryd.results.log."""
        self._write(self.results, lines)

    def log_snapshots(self, lines: Sequence[str]) -> None:
        """Append snapshot lines to osqueryd.snapshots.log."""
        self._write(self.snapshots, lines)

    def _write(self, target: LogFile, lines: Sequence[str]) -> None:
        if not lines:
            return
        try:
            target.write(lines)
            if target.rotation_error:
                self.record_error(target.rotation_error)
                target.rotation_error = ""
        except OSError as error:
            with contextlib.suppress(OSError):
                target.close()
            message = f"cannot write {target.path}: {error}; {len(lines)} lines follow on stderr"
            self.fall_back(message, lines, self._stderr)

    def log_status(self, entries: Sequence[StatusEntry]) -> None:
        """Write status entries to the glog files (or stderr when logger_path is not writable)."""
        # Entries carry whole seconds only, so the microseconds field is zero; the thread is
        # the one relaying, as glog names the thread that writes.
        thread = threading.get_native_id()
        lines = [(e.severity, status_glog(e, thread, 0)) for e in self.wanted(entries)]
        if not lines:
            return
        if not self.status_to_stderr:
            try:
                self.status.write(lines)
                return
            except OSError as error:
                self.status.close()
                self.record_error(f"cannot write status logs in {self.directory}: {error}")
        stream = self._stderr or sys.stderr
        with contextlib.suppress(OSError, ValueError):
            stream.writelines(line + "\n" for _, line in lines)
            stream.flush()

    def close(self) -> None:
        """Close the results, snapshots and status files."""
        for closing in (self.results.close, self.snapshots.close, self.status.close):
            try:
                closing()
            except OSError as error:
                self.record_error(f"cannot close a log file in {self.directory}: {error}")
