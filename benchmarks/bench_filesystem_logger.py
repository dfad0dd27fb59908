"""100k result lines through the filesystem logger vs one buffered write loop (<= 2.0x)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from harness import best_of, report

from hostql.daemon.loggers.filesystem import RESULTS_LOG, FilesystemLogger

LINES = 100_000
# Lines reach the logger a query run at a time; 100 rows is a middling differential.
BATCH = 100


def result_line(i: int) -> str:
    """An event-format line of the size a processes query logs (~330 bytes)."""
    return (
        '{"name":"pack_it_processes","hostIdentifier":"web01.example.com",'
        '"calendarTime":"Wed Nov 26 17:15:55 2026 UTC","unixTime":1795713355,"epoch":0,'
        f'"counter":{i},"numerics":false,"decorations":{{"host_uuid":"4740d59c-2f71-4bc5"}},'
        f'"columns":{{"cmdline":"/usr/sbin/sshd -D -o AuthorizedKeysCommand","name":"sshd",'
        f'"path":"/usr/sbin/sshd","pid":"{1000 + i}","uid":"0"}},"action":"added"}}'
    )


def main() -> None:
    """Time both writers into fresh files in one temporary directory."""
    lines = [result_line(i) for i in range(LINES)]
    batches = [lines[i : i + BATCH] for i in range(0, LINES, BATCH)]
    root = Path(tempfile.mkdtemp(prefix="hostql-bench-logger-"))
    try:

        def through_logger() -> None:
            directory = root / "logger"
            shutil.rmtree(directory, ignore_errors=True)
            logger = FilesystemLogger(directory)
            for batch in batches:
                logger.log_results(batch)
            logger.close()

        def plain_loop() -> None:
            with open(root / "plain.log", "w", encoding="utf-8") as handle:
                for line in lines:
                    handle.write(line + "\n")

        ours = best_of(through_logger, repeat=5)
        reference = best_of(plain_loop, repeat=5)
        assert (root / "logger" / RESULTS_LOG).read_bytes() == (root / "plain.log").read_bytes()
        report(
            f"filesystem logger: {LINES:,} result lines in batches of {BATCH}",
            ours,
            reference,
            "<= 2.0",
            "buffered write loop",
            f"{LINES / ours:,.0f} lines/s; one flush, one stat per batch (logrotate check)",
        )
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
