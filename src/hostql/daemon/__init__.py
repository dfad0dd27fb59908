"""hostqld: config, schedule, differential results, loggers, backing store and watchdog."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostql.flags import FlagValues


def main(values: FlagValues, argv: list[str]) -> int:
    """Run hostqld with parsed flags (argv is kept to start the watched worker)."""
    from hostql.daemon.process import main as run

    return run(values, argv)
