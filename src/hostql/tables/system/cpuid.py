"""cpuid: processor features from the CPUID instruction (run through the cpuid driver)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext

Registers = tuple[int, int, int, int]
_REGISTER_INDEX = {"eax": 0, "ebx": 1, "ecx": 2, "edx": 3}
# osquery's feature list: leaf -> (feature, register, bit), leaves in ascending order.
FEATURES: dict[int, tuple[tuple[str, str, int], ...]] = {
    1: (
        ("pae", "edx", 6), ("msr", "edx", 5), ("sep", "edx", 11), ("mtrr", "edx", 12),
        ("pge", "edx", 13), ("mca", "edx", 14), ("pat", "edx", 16), ("clfsh", "edx", 19),
        ("acpi", "edx", 22), ("mmz", "edx", 23), ("sse", "edx", 25), ("sse2", "edx", 26),
        ("ss", "edx", 27), ("htt", "edx", 28), ("ia64", "edx", 30),
        ("sse3", "ecx", 0), ("vmx", "ecx", 5), ("smx", "ecx", 6), ("ssse3", "ecx", 9),
        ("sdbg", "ecx", 11), ("pdcm", "ecx", 15), ("pcid", "ecx", 17), ("dca", "ecx", 18),
        ("sse4.1", "ecx", 19), ("sse4.2", "ecx", 20), ("aes", "ecx", 25), ("avx", "ecx", 28),
        ("hypervisor", "ecx", 31),
    ),
    7: (
        ("sgx", "ebx", 2), ("hle", "ebx", 4), ("avx2", "ebx", 5), ("smep", "ebx", 7),
        ("bmi2", "ebx", 8), ("erms", "ebx", 9), ("invpcid", "ebx", 10), ("rtm", "ebx", 11),
        ("pqm", "ebx", 12), ("mpx", "ebx", 14), ("pqe", "ebx", 15), ("avx512f", "ebx", 16),
        ("avx512dq", "ebx", 17), ("rdseed", "ebx", 18), ("adx", "ebx", 19), ("smap", "ebx", 20),
        ("intel_pt", "ebx", 25), ("sha", "ebx", 29),
        ("umip", "ecx", 2), ("pku", "ecx", 3), ("ospke", "ecx", 4), ("gfni", "ecx", 8),
        ("vaes", "ecx", 9), ("sgx_lc", "ecx", 30),
        ("spec_ctrl", "edx", 26),
    ),
    0x80000001: (
        ("lahfsahf", "ecx", 0), ("svm", "ecx", 2), ("3dnowprefetch", "ecx", 8),
        ("ibs", "ecx", 10), ("skinit", "ecx", 12), ("lwp", "ecx", 15),
        ("nx", "edx", 20), ("page1gb", "edx", 26), ("lm", "edx", 29),
    ),
}  # fmt: skip


def _text(*registers: int) -> str:
    """Registers as the ASCII their little-endian bytes spell (trailing NULs dropped)."""
    data = b"".join(r.to_bytes(4, "little") for r in registers)
    return data.decode("latin-1").rstrip("\0")


def _hex(*registers: int) -> str:
    return "".join(f"{r:08x}" for r in registers)


def _row(feature: str, value: str, register: str, bit: int, eax: str) -> Row:
    return {
        "feature": feature,
        "value": value,
        "output_register": register,
        "output_bit": bit,
        "input_eax": eax,
    }


def cpuid_rows(cpuid: Callable[[int, int], Registers]) -> Iterator[Row]:
    """osquery's rows, given a function running CPUID (leaf, subleaf) -> registers."""
    eax, ebx, ecx, edx = cpuid(0, 0)
    if eax < 1 or eax >= 1 << 31:
        return  # osquery's test on the (signed) highest basic leaf
    yield _row("vendor", _text(ebx, edx, ecx), "ebx,edx,ecx", 0, "0")
    name = [r for leaf in (0x80000002, 0x80000003, 0x80000004) for r in cpuid(leaf, 0)]
    yield _row("product_name", _text(*name), "eax,ebx,ecx,edx", 0, "0x80000002")
    hypervisor = cpuid(0x40000000, 0)
    # osquery's test is `eax && 0xFF000000 != 0`: any non-zero eax; it prints eax, ebx, ecx.
    if hypervisor[0]:
        yield _row("hypervisor_id", _hex(*hypervisor[:3]), "ebx,ecx,edx", 0, "0x40000000")
    signature = cpuid(1, 0)[0]
    serial = cpuid(3, 0)
    yield _row("serial", _hex(signature, serial[0], serial[3]), "eax,eax,ecx", 0, "1,3")
    yield _row("family", f"{signature & 0xF00:04x}", "eax", 0, "1")
    for leaf, features in FEATURES.items():
        registers = cpuid(leaf, 0)
        for feature, register, bit in features:
            value = "1" if registers[_REGISTER_INDEX[register]] >> bit & 1 else "0"
            yield _row(feature, value, register, bit, str(leaf))
    yield _row("sgx0", _hex(*cpuid(0x12, 0)), "eax,ebx,ecx,edx", 0, "18")
    yield _row("sgx1", _hex(*cpuid(0x12, 1)), "eax,ebx,ecx,edx", 0, "18,1")


@table(
    "cpuid",
    "Useful CPU features from the cpuid ASM call.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=("select * from cpuid", "select feature, value from cpuid where feature = 'avx2'"),
    notes="Runs CPUID on CPU 0 through the cpuid driver (/dev/cpu/0/cpuid): needs root and "
    "the cpuid module (modprobe cpuid); without them the table is empty and says why. "
    "x86 only.",
    columns=[
        Column("feature", TEXT, "Present feature flags"),
        Column("value", TEXT, "Bit value or string"),
        Column("output_register", TEXT, "Register used to for feature value"),
        Column("output_bit", INTEGER, "Bit in register value for feature value"),
        Column("input_eax", TEXT, "Value of EAX used"),
    ],
)
def cpuid(ctx: QueryContext) -> Iterator[Row]:
    """osquery's vendor, name, hypervisor, serial, family, feature bit and SGX rows."""
    reader = ctx.host.cpu
    try:
        rows = list(cpuid_rows(reader.cpuid))
    except FileNotFoundError:
        ctx.warn("cpuid: /dev/cpu/0/cpuid is missing: load the cpuid module (modprobe cpuid)")
        return
    except PermissionError:
        ctx.warn("cpuid: cannot open /dev/cpu/0/cpuid: run as root")
        return
    except OSError as exc:
        ctx.warn(f"cpuid: the cpuid device failed: {exc}")
        return
    yield from rows
