"""system_info: host names, hardware UUID, CPU, memory and SMBIOS identification."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

# SMBIOS system (type 1) and board (type 2) strings as the kernel exposes them.
_DMI_FIELDS = {
    "hardware_vendor": "sys_vendor",
    "hardware_model": "product_name",
    "hardware_version": "product_version",
    "hardware_serial": "product_serial",
    "board_vendor": "board_vendor",
    "board_model": "board_name",
    "board_version": "board_version",
    "board_serial": "board_serial",
}


@table(
    "system_info",
    "System information for identification.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=("select hostname, uuid, cpu_brand, physical_memory from system_info",),
    columns=[
        Column("hostname", TEXT, "Network hostname including domain"),
        Column("uuid", TEXT, "Unique ID provided by the system", collate="NOCASE"),
        Column("cpu_type", TEXT, "CPU type"),
        Column("cpu_subtype", TEXT, "CPU subtype"),
        Column("cpu_brand", TEXT, "CPU brand string, contains vendor and model"),
        Column("cpu_physical_cores", INTEGER, "Number of physical CPU cores in to the system"),
        Column("cpu_logical_cores", INTEGER, "Number of logical CPU cores available to the system"),
        Column("cpu_sockets", INTEGER, "Number of processor sockets in the system"),
        Column("cpu_microcode", TEXT, "Microcode version"),
        Column("physical_memory", BIGINT, "Total physical memory in bytes"),
        Column("hardware_vendor", TEXT, "Hardware vendor"),
        Column("hardware_model", TEXT, "Hardware model"),
        Column("hardware_version", TEXT, "Hardware version"),
        Column("hardware_serial", TEXT, "Device serial number"),
        Column("board_vendor", TEXT, "Board vendor"),
        Column("board_model", TEXT, "Board model"),
        Column("board_version", TEXT, "Board version"),
        Column("board_serial", TEXT, "Board serial number"),
        Column("computer_name", TEXT, "Friendly computer name (optional)"),
        Column("local_hostname", TEXT, "Local hostname (optional)"),
        Column("emulated_cpu_type", TEXT, "", platforms=("windows",)),
    ],
)
def system_info(ctx: QueryContext) -> Iterator[Row]:
    """One row describing this machine."""
    sysinfo = ctx.host.sysinfo
    hostname = sysinfo.hostname()
    fqdn = sysinfo.fqdn(hostname) if ctx.uses_any(("hostname", "local_hostname")) else hostname
    logical = sysinfo.online_cpus()
    memory = sysinfo.physical_memory()
    row: Row = {
        "hostname": fqdn,
        "computer_name": hostname,
        "local_hostname": fqdn,
        "uuid": ctx.host.identity.hardware_uuid() if ctx.uses("uuid") else None,
        "cpu_type": sysinfo.machine(),
        "cpu_logical_cores": logical if logical > 0 else -1,
        "physical_memory": memory if memory else -1,
    }
    row.update(cpu_facts(sysinfo.cpuinfo(), logical))
    if sysinfo.has_dmi():
        row.update(dmi_facts({column: sysinfo.dmi(name) for column, name in _DMI_FIELDS.items()}))
    else:
        row["hardware_model"] = ""
    yield row


def cpu_facts(cpuinfo: str, logical: int) -> Row:
    """osquery's reading of /proc/cpuinfo: brand, subtype, microcode, sockets, cores."""
    facts: Row = {"cpu_subtype": "0"}
    first = cpuinfo.split("\n\n", 1)[0]
    for line in first.split("\n"):
        details = _split_fields(line)
        if line.startswith("model\t"):
            if len(details) == 2:
                facts["cpu_subtype"] = details[1]
        elif line.startswith("model name"):
            facts["cpu_brand"] = line.partition(":")[2].strip()
        elif line.startswith("microcode"):
            if len(details) == 2:
                facts["cpu_microcode"] = details[1]
        elif line.startswith("siblings") and len(details) == 2 and details[1].isdigit():
            per_socket = int(details[1])
            facts["cpu_sockets"] = logical // per_socket if logical > 0 and per_socket else -1
    # boost's physical_concurrency: distinct (physical id, core id) pairs, else logical CPUs.
    cores: set[tuple[str, str]] = set()
    for block in cpuinfo.split("\n\n"):
        fields = {}
        for line in block.split("\n"):
            key, sep, value = line.partition(":")
            if sep:
                fields[key.strip()] = value.strip()
        if "physical id" in fields and "core id" in fields:
            cores.add((fields["physical id"], fields["core id"]))
    facts["cpu_physical_cores"] = len(cores) or logical
    return facts


def _split_fields(line: str) -> list[str]:
    """osquery's split on ':': drop empty pieces, then trim each."""
    return [piece.strip() for piece in line.split(":") if piece]


def dmi_facts(fields: dict[str, str | None]) -> Row:
    """The SMBIOS columns; Lenovo keeps the model in the version string, so swap them."""
    facts: Row = {column: value for column, value in fields.items() if value is not None}
    if (facts.get("hardware_vendor") or "").lower() == "lenovo":
        facts["hardware_model"], facts["hardware_version"] = (
            facts.get("hardware_version"),
            facts.get("hardware_model"),
        )
    return facts
