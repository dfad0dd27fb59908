"""cpu_info: the processors the firmware describes (SMBIOS type 4 records)."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

_TYPE_PROCESSOR = 4
# The end of the Characteristics word: shorter (pre-2.5) records are skipped, as in osquery.
_MINIMUM_SIZE = 0x2E + 2
# SMBIOS processor types osquery names in device_id (CPU0, CPU1, ...).
_FRIENDLY_TYPES = {3: "CPU", 4: "MATH", 5: "DSP", 6: "GPU"}


@table(
    "cpu_info",
    "Retrieve cpu hardware info of the machine.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=("select * from cpu_info", "select model, number_of_cores from cpu_info"),
    notes="Read from the SMBIOS table (/sys/firmware/dmi/tables/DMI), as osquery does: needs "
    "root, and a machine without SMBIOS (some virtual machines) has no rows. Clock speeds "
    "are in MHz; cpu_status is the raw SMBIOS status byte.",
    columns=[
        Column("device_id", TEXT, "The DeviceID of the CPU."),
        Column("model", TEXT, "The model of the CPU."),
        Column("manufacturer", TEXT, "The manufacturer of the CPU."),
        Column("processor_type", TEXT, "The processor type, such as Central, Math, or Video."),
        Column("cpu_status", INTEGER, "The current operating status of the CPU."),
        Column("number_of_cores", TEXT, "The number of cores of the CPU."),
        Column("logical_processors", INTEGER, "The number of logical processors of the CPU."),
        Column("address_width", TEXT, "The width of the CPU address bus."),
        Column("current_clock_speed", INTEGER, "The current frequency of the CPU."),
        Column("max_clock_speed", INTEGER, "The maximum possible frequency of the CPU."),
        Column("socket_designation", TEXT, "The assigned socket on the board for the given CPU."),
        Column("availability", TEXT, "", platforms=("windows",)),
        Column("load_percentage", INTEGER, "", platforms=("windows",)),
        Column("number_of_efficiency_cores", INTEGER, "", platforms=("macos",)),
        Column("number_of_performance_cores", INTEGER, "", platforms=("macos",)),
    ],
)
def cpu_info(ctx: QueryContext) -> Iterator[Row]:
    """One row per SMBIOS processor record long enough to hold the fields read."""
    numbered = 0
    for record in ctx.host.smbios.structures(_TYPE_PROCESSOR):
        if record.size < _MINIMUM_SIZE:
            continue
        kind = record.byte(0x05)
        friendly = _FRIENDLY_TYPES.get(kind)
        device_id = None
        if friendly is not None:
            device_id = f"{friendly}{numbered}"
            numbered += 1
        yield {
            "device_id": device_id,
            "model": record.string(record.byte(0x10)),
            "manufacturer": record.string(record.byte(0x07)),
            "processor_type": str(kind),
            "cpu_status": record.byte(0x18),
            "number_of_cores": str(record.byte(0x23)),
            "logical_processors": record.byte(0x25),
            "address_width": "64" if record.word(0x26) & (1 << 2) else "32",
            "current_clock_speed": record.word(0x16),
            "max_clock_speed": record.word(0x14),
            "socket_designation": record.string(record.byte(0x04)),
        }
