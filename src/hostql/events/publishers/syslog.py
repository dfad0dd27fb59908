"""The syslog publisher: rsyslog lines in osquery's CSV template, read from a named pipe."""

# rsyslog writes each message through an ompipe action using the OsqueryCsvFormat template
# (docs/syslog_events.md); this side owns the pipe, parses each line into the six fields.

from __future__ import annotations

import contextlib
import fcntl
import grp
import logging
import os
import select
import stat
import threading
from typing import TYPE_CHECKING

from hostql.events.base import Publisher, PublisherError

if TYPE_CHECKING:
    from hostql.events.store import StatusSink
    from hostql.flags import FlagValues

_log = logging.getLogger(__name__)

FIELDS = ("datetime", "host", "severity", "facility", "tag", "message")
# rsyslog needs read/write access, the reader read access; the group is rsyslog's.
PIPE_MODE = 0o460
PIPE_GROUP = "syslog"
# osquery's pause between runs; each run ingests at most --syslog_rate_limit lines.
RUN_PAUSE = 0.2
# osquery reads through a 2 KiB buffer: a longer line cannot be ingested.
MAX_LINE = 2048
# Parse errors in a row (less one per good line) that make the publisher give up.
ERROR_THRESHOLD = 10
_READ_SIZE = 65536


class SyslogLineError(ValueError):
    """A pipe line that is not six CSV fields."""


def split_csv(line: str) -> list[str]:
    """rsyslog's CSV fields ("" escapes a quote inside quotes; backslashes are literal)."""
    fields: list[str] = []
    token: list[str] = []
    quoted = False
    i, end = 0, len(line)
    while i < end:
        char = line[i]
        if char == "," and not quoted:
            fields.append("".join(token))
            token = []
        elif char == '"':
            if not quoted:
                quoted = True
            elif i + 1 < end and line[i + 1] == '"':
                token.append('"')
                i += 1
            else:
                quoted = False
        else:
            token.append(char)
        i += 1
    # A line always ends a field, even an empty one after a trailing comma; "" has none.
    if line:
        fields.append("".join(token))
    return fields


def parse_line(line: str) -> dict[str, str]:
    """The six syslog fields of one line (whitespace trimmed, the tag's trailing colon cut)."""
    values = split_csv(line)
    if len(values) > len(FIELDS):
        raise SyslogLineError("Received more fields than expected")
    if len(values) < len(FIELDS):
        raise SyslogLineError("Received fewer fields than expected")
    fields = dict(zip(FIELDS, (v.strip() for v in values), strict=True))
    if fields["tag"].endswith(":"):
        fields["tag"] = fields["tag"][:-1]
    return fields


class LineBuffer:
    """Complete lines out of pipe reads; a line longer than max_line is dropped whole."""

    def __init__(self, max_line: int = MAX_LINE) -> None:
        self.max_line = max_line
        self.pending = bytearray()
        self.skipping = False
        self.lines: list[bytes] = []
        self.overlong = 0

    def feed(self, data: bytes) -> None:
        """Add bytes read from the pipe."""
        self.pending += data
        while True:
            cut = self.pending.find(b"\n")
            if cut < 0:
                break
            line = bytes(self.pending[:cut])
            del self.pending[: cut + 1]
            if self.skipping:
                self.skipping = False
            elif len(line) > self.max_line:
                self.overlong += 1
            else:
                self.lines.append(line)
        if len(self.pending) > self.max_line:
            # The rest of this line is thrown away as it arrives.
            if not self.skipping:
                self.overlong += 1
            self.skipping = True
            self.pending.clear()

    def take(self, limit: int) -> list[bytes]:
        """Up to limit complete lines, oldest first."""
        taken, self.lines = self.lines[:limit], self.lines[limit:]
        return taken


def create_pipe(path: str) -> None:
    """mkfifo path with osquery's mode, and rsyslog's group when the host has one."""
    os.mkfifo(path, PIPE_MODE)
    # The umask applies to mkfifo.
    os.chmod(path, PIPE_MODE)
    try:
        gid = grp.getgrnam(PIPE_GROUP).gr_gid
    except KeyError:
        return
    os.chown(path, -1, gid)


class SyslogPublisher(Publisher):
    """Owns --syslog_pipe_path (created, locked, read without blocking) and fires each line."""

    name = "syslog"

    def __init__(self, values: FlagValues) -> None:
        super().__init__(values)
        # errors: lines that were not six fields; overlong: lines past MAX_LINE, discarded.
        self.counters.update({"errors": 0, "overlong": 0})
        # Set by the events runtime: where ERROR and WARNING lines go.
        self.status: StatusSink | None = None
        self.fd = -1
        self.buffer = LineBuffer()
        self.error_count = 0

    def setup(self) -> None:
        """Create the pipe if missing, take its lock, open it for reading."""
        if not self.values["enable_syslog"]:
            raise PublisherError("Publisher disabled via configuration")
        path = str(self.values["syslog_pipe_path"])
        if not os.path.lexists(path):
            try:
                create_pipe(path)
            except OSError as exc:
                self._warn(f"Problems encountered creating pipe: {exc}")
        try:
            is_fifo = stat.S_ISFIFO(os.stat(path).st_mode)
        except OSError:
            is_fifo = False
        if not is_fifo:
            raise PublisherError(f"Not a FIFO file: {path}")
        try:
            # Read-write: opening never waits for a writer and reads never see end-of-file.
            fd = os.open(path, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as exc:
            raise PublisherError(
                f"Error opening pipe for reading: {path}: {exc.strerror}"
            ) from None
        try:
            # One reader per pipe: a shell started beside the daemon must not steal its lines.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            raise PublisherError(f"Unable to acquire pipe lock: {exc.strerror}") from None
        self.fd = fd
        self.buffer = LineBuffer()
        self.error_count = 0

    def run(self, stop: threading.Event) -> None:
        """Ingest at most --syslog_rate_limit lines per run, pausing between runs."""
        if self.fd < 0:
            raise PublisherError("syslog pipe not set up")
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        while not stop.is_set():
            limit = int(self.values["syslog_rate_limit"])
            self.read_available()
            lines = self.buffer.take(limit)
            for line in lines:
                self.ingest(line)
            # A run that ingested pauses (bounding the rate); an idle one waits for data.
            if lines or limit <= 0:
                stop.wait(RUN_PAUSE)
            else:
                poller.poll(RUN_PAUSE * 1000)

    def read_available(self) -> None:
        """Move what the pipe holds into the line buffer, without blocking."""
        while len(self.buffer.lines) < max(1, int(self.values["syslog_rate_limit"])):
            try:
                data = os.read(self.fd, _READ_SIZE)
            except (BlockingIOError, InterruptedError):
                break
            if not data:
                break
            before = self.buffer.overlong
            self.buffer.feed(data)
            if self.buffer.overlong > before:
                self.count("overlong", self.buffer.overlong - before)

    def ingest(self, raw: bytes) -> None:
        """Parse one line and fire it, or count the error (too many in a row stop the run)."""
        line = raw.decode("utf-8", "replace").rstrip("\r")
        if not line:
            return
        try:
            fields = parse_line(line)
        except SyslogLineError as exc:
            self._error(f"{exc} in line: {line}")
            self.count("errors")
            self.error_count += 1
            if self.error_count >= ERROR_THRESHOLD:
                self.error_count = 0
                raise PublisherError("Too many errors in syslog parsing.") from None
            return
        if self.error_count > 0:
            self.error_count -= 1
        self.fire(fields)

    def _warn(self, message: str) -> None:
        if self.status is not None:
            self.status.warning(message)
        else:
            _log.warning("%s", message)

    def _error(self, message: str) -> None:
        if self.status is not None:
            self.status.error(message)
        else:
            _log.error("%s", message)

    def teardown(self) -> None:
        """Unlock and close the pipe (it stays in place for rsyslog)."""
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = -1
