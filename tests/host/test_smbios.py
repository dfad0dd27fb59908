"""The SMBIOS parser: structure walking, string sets and entry points, over literal bytes."""

from __future__ import annotations

import struct
from pathlib import Path

from hostql.host import Host
from hostql.host.smbios import entry_point_table_length, parse_structures

# Type 1 (System Information, handle 0x0001): two strings, the second with trailing blanks.
SYSTEM = bytes.fromhex("01 08 0100 01 02 0000") + b"QEMU\0Standard PC  \t\0\0"
# Type 127 (End-of-Table, handle 0xfeff) with no strings.
END = bytes.fromhex("7f 04 ffFE") + b"\0\0"


def test_structures_split_at_the_double_nul() -> None:
    first, last = parse_structures(SYSTEM + END)
    assert (first.index, first.type, first.handle, first.length) == (0, 1, 0x0001, 8)
    assert first.raw == SYSTEM and first.size == len(SYSTEM)
    # osquery scans for the terminator only while a whole header still fits: the last
    # structure of a table loses its double NUL.
    assert (last.index, last.type, last.handle, last.size) == (1, 127, 0xFEFF, 4)


def test_strings_are_one_based_and_trimmed_on_the_right() -> None:
    system, _ = parse_structures(SYSTEM + END)
    assert system.string(system.byte(4)) == "QEMU"
    assert system.string(system.byte(5)) == "Standard PC"
    assert system.string(0) == ""
    assert system.string(3) == ""  # past the end of the set
    assert system.string(9) == ""


def test_string_set_not_ending_in_nul_is_refused() -> None:
    # Without its double NUL the set runs into the next structure, which is swallowed.
    (structure,) = parse_structures(bytes.fromhex("01 05 0200 01") + b"abc" + END)
    assert structure.string(1) == ""


def test_walk_stops_at_zero_padding_and_at_an_overlong_header() -> None:
    assert len(parse_structures(SYSTEM + bytes(32))) == 1
    overlong = bytes.fromhex("02 40 0300 00")
    assert [s.type for s in parse_structures(SYSTEM + overlong)] == [1]


def test_unterminated_last_structure_ends_three_bytes_short() -> None:
    # osquery looks for the double NUL only while a whole header still fits.
    data = bytes.fromhex("0b 05 0400 01") + b"text-without-end"
    (structure,) = parse_structures(data)
    assert structure.size == len(data) - 3


def test_words_are_little_endian_and_reads_past_the_end_are_zero() -> None:
    system, _ = parse_structures(SYSTEM + END)
    assert system.word(2) == 0x0001
    assert system.dword(0) == int.from_bytes(SYSTEM[:4], "little")
    assert system.byte(1000) == 0


def test_entry_point_lengths() -> None:
    sm3 = struct.pack("<5sBBBBBBBIQ", b"_SM3_", 0, 24, 3, 2, 0, 1, 0, 1234, 0)
    assert entry_point_table_length(sm3) == 1234
    sm2 = b"_SM_" + bytes(0x12) + struct.pack("<H", 777) + bytes(8)
    assert entry_point_table_length(sm2) == 777
    assert entry_point_table_length(b"_DMI_\0" + struct.pack("<H", 99)) == 99
    assert entry_point_table_length(b"garbage") is None


def test_reader_bounds_the_table_by_the_entry_point(tmp_path: Path) -> None:
    tables = tmp_path / "sys/firmware/dmi/tables"
    tables.mkdir(parents=True)
    (tables / "DMI").write_bytes(SYSTEM + END + SYSTEM)
    point = struct.pack("<5sBBBBBBBIQ", b"_SM3_", 0, 24, 3, 2, 0, 1, 0, len(SYSTEM + END), 0)
    (tables / "smbios_entry_point").write_bytes(point)
    reader = Host(tmp_path).smbios
    assert [s.type for s in reader.structures()] == [1, 127]
    assert [s.handle for s in reader.structures(127)] == [0xFEFF]


def test_reader_without_a_table_has_no_structures(tmp_path: Path) -> None:
    assert Host(tmp_path).smbios.structures() == []
