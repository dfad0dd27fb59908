"""The stdout logger: result and snapshot lines as they are, status as osquery's plain lines."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from hostql.daemon.loggers.base import INFO, Logger
from hostql.daemon.records import StatusEntry, status_plain

if TYPE_CHECKING:
    from hostql.flags import FlagValues


class StdoutLogger(Logger):
    """Every line on standard output, flushed after each batch."""

    name = "stdout"

    def __init__(self, stream: TextIO | None = None, min_status: int = INFO) -> None:
        super().__init__(min_status)
        self._stream = stream

    @classmethod
    def from_flags(cls, values: FlagValues) -> StdoutLogger:
        """A stdout logger honouring --logger_min_status."""
        return cls(min_status=values["logger_min_status"])

    def log_results(self, lines: Sequence[str]) -> None:
        """Print result lines."""
        self._print(lines)

    def log_status(self, entries: Sequence[StatusEntry]) -> None:
        """Print status entries as 'severity=N location=file:line message=...'."""
        self._print([status_plain(entry) for entry in self.wanted(entries)])

    def _print(self, lines: Sequence[str]) -> None:
        if not lines:
            return
        # Resolved per write so a swapped sys.stdout (tests, redirection) is honoured.
        stream = self._stream or sys.stdout
        try:
            stream.write("".join(line + "\n" for line in lines))
            stream.flush()
        except (OSError, ValueError) as error:
            # A closed pipe (stdout's reader went away) must not take the daemon down.
            self.fall_back(f"cannot write to stdout: {error}", lines)
