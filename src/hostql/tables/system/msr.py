"""msr: a few model specific registers of each processor (through the msr driver)."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, LINUX, Column, Row, table
from hostql.sql.context import QueryContext

_INT64_MAX = (1 << 63) - 1
_NO_MASK = (1 << 64) - 1
# column -> (register, mask, flag) from the kernel's msr-index.h, in osquery's order.
REGISTERS: dict[str, tuple[int, int, bool]] = {
    "turbo_disabled": (0x1A0, 1 << 38, True),  # MSR_IA32_MISC_ENABLE, turbo disable bit
    "turbo_ratio_limit": (0x1AD, _NO_MASK, False),
    "platform_info": (0xCE, _NO_MASK, False),
    "perf_status": (0x198, _NO_MASK, False),
    "perf_ctl": (0x199, 0xFFFF, False),
    "feature_control": (0x3A, _NO_MASK, False),
    "rapl_power_limit": (0x610, _NO_MASK, False),
    "rapl_energy_status": (0x611, _NO_MASK, False),
    "rapl_power_units": (0x606, _NO_MASK, False),
}


@table(
    "msr",
    "Various pieces of data stored in the model specific register per processor. NOTE: the "
    "msr kernel module must be enabled, and osquery must be run as root.",
    platforms=(LINUX,),
    examples=("select * from msr", "select processor_number, turbo_disabled from msr"),
    notes="Reads /dev/cpu/<n>/msr: needs root and the msr module (modprobe msr); without "
    "them the table is empty and says why. A register the processor lacks is NULL, and so "
    "is a value above 2^63-1 (osquery's signed BIGINT parse rejects it).",
    columns=[
        Column("processor_number", BIGINT, "The processor number as reported in /proc/cpuinfo"),
        Column("turbo_disabled", BIGINT, "Whether the turbo feature is disabled."),
        Column("turbo_ratio_limit", BIGINT, "The turbo feature ratio limit."),
        Column("platform_info", BIGINT, "Platform information."),
        Column("perf_ctl", BIGINT, "Performance setting for the processor."),
        Column("perf_status", BIGINT, "Performance status for the processor."),
        Column("feature_control", BIGINT, "Bitfield controlling enabled features."),
        Column("rapl_power_limit", BIGINT, "Run Time Average Power Limiting power limit."),
        Column("rapl_energy_status", BIGINT, "Run Time Average Power Limiting energy status."),
        Column("rapl_power_units", BIGINT, "Run Time Average Power Limiting power units."),
    ],
)
def msr(ctx: QueryContext) -> Iterator[Row]:
    """One row per processor whose msr device opens."""
    reader = ctx.host.cpu
    numbers = reader.numbers()
    if not numbers:
        ctx.warn("msr: no processors under /dev/cpu: is the msr module loaded?")
        return
    wanted = {column: spec for column, spec in REGISTERS.items() if ctx.uses(column)}
    missing: list[str] = []
    for number in numbers:
        try:
            values = reader.read_msrs(number, {spec[0] for spec in wanted.values()})
        except FileNotFoundError:
            missing.append(str(number))
            continue
        except PermissionError:
            ctx.warn(f"msr: cannot open /dev/cpu/{number}/msr: run as root")
            continue
        row: Row = {"processor_number": number}
        for column, (register, mask, flag) in wanted.items():
            value = values.get(register)
            if value is None:
                continue
            value &= mask
            if flag:
                row[column] = 1 if value else 0
            else:
                row[column] = value if value <= _INT64_MAX else None
        yield row
    if missing:
        ctx.warn(
            f"msr: no msr device for processor(s) {', '.join(missing)}: "
            "load the msr module (modprobe msr)"
        )
