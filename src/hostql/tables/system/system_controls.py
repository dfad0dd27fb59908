"""system_controls: the kernel's sysctl settings (/proc/sys) and their configured values."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from hostql.host.kernel import Kernel, Sysctl
from hostql.schema import LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import GLOB, LIKE, QueryContext

_LIKE_WILDCARDS = "%_"
_GLOB_WILDCARDS = "*?["


def _literal_prefix(pattern: str, wildcards: str) -> str:
    """The part of a pattern before its first wildcard."""
    cut = min((pattern.find(c) for c in wildcards if c in pattern), default=len(pattern))
    return pattern[:cut]


def _name_prefix(ctx: QueryContext) -> str:
    """The longest lower-case prefix every matching name must start with ('' if none)."""
    prefixes = [_literal_prefix(p, _LIKE_WILDCARDS) for p in ctx.patterns("name", LIKE)]
    prefixes += [_literal_prefix(p, _GLOB_WILDCARDS) for p in ctx.patterns("name", GLOB)]
    # LIKE is case-insensitive and pruning must never drop a match: compare lower case.
    return max((p.lower() for p in prefixes), key=len, default="")


def _leaves(ctx: QueryContext, kernel: Kernel) -> Iterable[Sysctl]:
    names = ctx.equals("name")
    if names is not None:
        for name in sorted(str(n) for n in names):
            # A branch yields its leaves; anything else one leaf, even if no such file exists.
            if kernel.is_sysctl_dir(name):
                yield from kernel.sysctls(name)
            else:
                yield kernel.sysctl(name)
        return
    if ctx.equals("oid") is not None:
        return  # numeric MIBs need the sysctl(2) system call, which Linux no longer has
    prefix = _name_prefix(ctx)
    subsystems = ctx.equals("subsystem")
    if subsystems is None:
        yield from kernel.sysctls(prefix=prefix)
        return
    for subsystem in sorted(str(s) for s in subsystems):
        plain = subsystem and "/" not in subsystem and "." not in subsystem
        if plain and kernel.is_sysctl_dir(subsystem):
            yield from kernel.sysctls(subsystem, prefix)


@table(
    "system_controls",
    "sysctl names, values, and settings information.",
    platforms=(LINUX, MACOS),
    examples=(
        "select * from system_controls where name = 'kernel.hostname'",
        "select name, current_value, config_value from system_controls "
        "where subsystem = 'net' and config_value is not null",
    ),
    notes="A `name` constraint reads one file (a branch name reads the leaves below it); "
    "`subsystem` and `name LIKE 'prefix%'` limit the walk of /proc/sys. As in osquery, a "
    "name with no sysctl behind it yields a row with current_value NULL, `oid` is always "
    "NULL on Linux, and config_value comes from /etc/sysctl.conf then the sysctl.d "
    "directories (later files win).",
    columns=[
        Column("name", TEXT, "Full sysctl MIB name", index=True),
        Column("oid", TEXT, "Control MIB", additional=True),
        Column("subsystem", TEXT, "Subsystem ID, control type", additional=True),
        Column("current_value", TEXT, "Value of setting"),
        Column("config_value", TEXT, "The MIB value set in /etc/sysctl.conf"),
        Column("type", TEXT, "Data type"),
        Column("field_name", TEXT, "", platforms=("macos",)),
    ],
)
def system_controls(ctx: QueryContext) -> Iterator[Row]:
    """One row per sysctl leaf: its value read only when the query uses it."""
    kernel: Kernel = ctx.host.kernel
    config = kernel.sysctl_config() if ctx.uses("config_value") else {}
    read_values = ctx.uses("current_value")
    for leaf in _leaves(ctx, kernel):
        pieces = [p for p in leaf.name.split(".") if p]
        yield {
            "name": leaf.name,
            "subsystem": pieces[0] if pieces else "",
            "current_value": kernel.sysctl_value(leaf) if read_values else None,
            "config_value": config.get(leaf.name),
            "type": "string",
        }
