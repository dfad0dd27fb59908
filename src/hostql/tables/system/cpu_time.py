"""cpu_time: time each core spent in each state, from /proc/stat."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, Column, Row, table
from hostql.sql.context import QueryContext

_STATES = ("user", "nice", "system", "idle", "iowait", "irq", "softirq")
_OPTIONAL = ("steal", "guest", "guest_nice")


def _number(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


@table(
    "cpu_time",
    "Displays information from /proc/stat file about the time the cpu cores spent in "
    "different parts of the system.",
    platforms=(LINUX, MACOS),
    examples=("select * from cpu_time",),
    notes="Times are in USER_HZ clock ticks, as the kernel reports them.",
    columns=[
        Column("core", INTEGER, "Name of the cpu (core)"),
        Column("user", BIGINT, "Time spent in user mode"),
        Column("nice", BIGINT, "Time spent in user mode with low priority (nice)"),
        Column("system", BIGINT, "Time spent in system mode"),
        Column("idle", BIGINT, "Time spent in the idle task"),
        Column("iowait", BIGINT, "Time spent waiting for I/O to complete"),
        Column("irq", BIGINT, "Time spent servicing interrupts"),
        Column("softirq", BIGINT, "Time spent servicing softirqs"),
        Column(
            "steal",
            BIGINT,
            "Time spent in other operating systems when running in a virtualized environment",
        ),
        Column(
            "guest",
            BIGINT,
            "Time spent running a virtual CPU for a guest OS under the control of the Linux kernel",
        ),
        Column("guest_nice", BIGINT, "Time spent running a niced guest "),
    ],
)
def cpu_time(ctx: QueryContext) -> Iterator[Row]:
    """One row per `cpuN` line of /proc/stat (the aggregate `cpu` line is left out)."""
    try:
        text = ctx.host.kernel.stat_text()
    except (FileNotFoundError, PermissionError):
        return
    lines = [line.strip() for line in text.split("\n")]
    lines = [line for line in lines if line.startswith("cpu")]
    if lines and lines[0].startswith("cpu "):
        lines.pop(0)
    for line in lines:
        words = line.split()
        # Fewer than eight words is a damaged line; the first must be "cpu<N>".
        if len(words) < 8 or len(words[0]) <= 3:
            continue
        row: Row = {"core": _number(words[0][3:])}
        for position, state in enumerate(_STATES, start=1):
            row[state] = _number(words[position])
        for position, state in enumerate(_OPTIONAL, start=8):
            row[state] = _number(words[position]) if len(words) > position else 0
        yield row
