"""The syslog logger: RFC 3164 datagrams to the local syslog socket, as glibc's syslog() sends."""

from __future__ import annotations

import errno
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, TextIO

from hostql.daemon.loggers.base import INFO, Logger
from hostql.daemon.records import StatusEntry, status_plain

if TYPE_CHECKING:
    from hostql.flags import FlagValues

LOG_CRIT, LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO = 2, 3, 4, 5, 6
# osquery's syslog_logger.cpp: status INFO is NOTICE, results are INFO.
STATUS_PRIORITIES = {0: LOG_NOTICE, 1: LOG_WARNING, 2: LOG_ERR, 3: LOG_CRIT}
DEFAULT_FACILITY = 19  # LOG_LOCAL3
DEFAULT_SOCKET = "/dev/log"
# A line the socket refuses as too large (EMSGSIZE) is sent in parts this big, never cut short.
PART_BYTES = 32 * 1024
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def frame(priority: int, facility: int, ident: str, pid: int, now: float, message: bytes) -> bytes:
    """One RFC 3164 message as glibc writes it to /dev/log: <PRI>Mmm dd hh:mm:ss ident[pid]: msg."""
    t = time.localtime(now)
    stamp = f"{_MONTHS[t.tm_mon - 1]} {t.tm_mday:>2} {t.tm_hour:02}:{t.tm_min:02}:{t.tm_sec:02}"
    return f"<{facility * 8 + priority}>{stamp} {ident}[{pid}]: ".encode() + message


def split_utf8(data: bytes, size: int) -> Iterator[bytes]:
    """data in pieces of at most size bytes (or one character), never cutting a character."""
    start = 0
    while start < len(data):
        end = min(start + size, len(data))
        # Step back off continuation bytes (10xxxxxx) so each piece stays valid UTF-8.
        while start < end < len(data) and data[end] & 0xC0 == 0x80:
            end -= 1
        if end == start:
            end += 1
            while end < len(data) and data[end] & 0xC0 == 0x80:
                end += 1
        yield data[start:end]
        start = end


class SyslogLogger(Logger):
    """Results at INFO, status at NOTICE/WARNING/ERR/CRIT, on the local syslog socket."""

    name = "syslog"

    def __init__(
        self,
        *,
        facility: int = DEFAULT_FACILITY,
        prepend_cee: bool = False,
        socket_path: str = DEFAULT_SOCKET,
        ident: str = "osqueryd",
        min_status: int = INFO,
        timeout: float = 5.0,
        stderr: TextIO | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(min_status)
        # osquery resets a facility outside 0-23 to local3.
        self.facility = facility if 0 <= facility <= 23 else DEFAULT_FACILITY
        self.prepend_cee = prepend_cee
        self.socket_path = socket_path
        self.ident = ident
        self.timeout = timeout
        self.split_lines = 0
        self._stderr = stderr
        self._clock = clock
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_flags(cls, values: FlagValues) -> SyslogLogger:
        """A syslog logger from --logger_syslog_facility and --logger_syslog_prepend_cee."""
        return cls(
            facility=values["logger_syslog_facility"],
            prepend_cee=values["logger_syslog_prepend_cee"],
            min_status=values["logger_min_status"],
        )

    def log_results(self, lines: Sequence[str]) -> None:
        """Send result lines at INFO, with '@cee:' first when asked."""
        prefix = "@cee:" if self.prepend_cee else ""
        self._send([(LOG_INFO, prefix + line) for line in lines])

    def log_status(self, entries: Sequence[StatusEntry]) -> None:
        """Send status entries as 'severity=N location=file:line message=...'."""
        self._send(
            [
                (STATUS_PRIORITIES.get(entry.severity, LOG_NOTICE), status_plain(entry))
                for entry in self.wanted(entries)
            ]
        )

    def _send(self, messages: Sequence[tuple[int, str]]) -> None:
        if not messages:
            return
        now = self._clock()
        pid = os.getpid()
        with self._lock:
            for index, (priority, text) in enumerate(messages):
                try:
                    self._send_message(priority, pid, now, text.encode("utf-8", "backslashreplace"))
                except OSError as failure:
                    self._disconnect()
                    unsent = [line for _, line in messages[index:]]
                    message = (
                        f"cannot send to {self.socket_path}: {failure}; "
                        f"{len(unsent)} lines follow on stderr"
                    )
                    self.fall_back(message, unsent, self._stderr)
                    return

    def _send_message(self, priority: int, pid: int, now: float, body: bytes) -> None:
        try:
            self._send_one(frame(priority, self.facility, self.ident, pid, now, body))
        except OSError as error:
            if error.errno != errno.EMSGSIZE:
                raise
            # Too large for one datagram: send it in parts rather than truncating it.
            parts = list(split_utf8(body, PART_BYTES))
            for part in parts:
                self._send_one(frame(priority, self.facility, self.ident, pid, now, part))
            self.split_lines += 1
            self.record_error(
                f"a {len(body)}-byte line exceeds the syslog datagram limit: "
                f"sent in {len(parts)} parts"
            )

    def _send_one(self, datagram: bytes) -> None:
        for attempt in (1, 2):
            try:
                self._connected().send(datagram)
                return
            except (ConnectionRefusedError, FileNotFoundError, BrokenPipeError):
                # syslogd restarted and bound a new socket: reconnect once.
                self._disconnect()
                if attempt == 2:
                    raise

    def _connected(self) -> socket.socket:
        if self._socket is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            sock.settimeout(self.timeout)
            try:
                sock.connect(self.socket_path)
            except OSError:
                sock.close()
                raise
            self._socket = sock
        return self._socket

    def _disconnect(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def close(self) -> None:
        """Close the socket."""
        with self._lock:
            self._disconnect()
