"""example_jsonl: a logger writing every result and status line to one JSON-lines file."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from hostql.daemon.loggers.base import Logger
from hostql.daemon.records import StatusEntry
from hostql.flags import FlagValues

FILE_NAME = "example.jsonl"


class JsonLinesLogger(Logger):
    """Appends {"kind": ..., "line": ...} objects to <--logger_path>/example.jsonl."""

    name = "example_jsonl"

    def __init__(self, path: str, min_status: int = 0) -> None:
        super().__init__(min_status)
        self.path = path

    @classmethod
    def from_flags(cls, values: FlagValues) -> JsonLinesLogger:
        """The logger --logger_path and --logger_min_status describe."""
        directory = str(values["logger_path"])
        os.makedirs(directory, exist_ok=True)
        return cls(os.path.join(directory, FILE_NAME), int(values["logger_min_status"]))

    def log_results(self, lines: Sequence[str]) -> None:
        """Write result lines (each already a JSON object of osquery's format)."""
        self._write("result", lines)

    def log_status(self, entries: Sequence[StatusEntry]) -> None:
        """Write status entries at or above --logger_min_status."""
        self._write("status", [entry.message for entry in self.wanted(entries)])

    def _write(self, kind: str, lines: Sequence[str]) -> None:
        try:
            with open(self.path, "a", encoding="utf-8") as out:
                out.writelines(json.dumps({"kind": kind, "line": line}) + "\n" for line in lines)
        except OSError as exc:
            # The Logger contract: never raise; count the failure and keep the lines on stderr.
            self.fall_back(str(exc), lines)
