"""RPM header blobs and BerkeleyDB hash pages decoded without librpm."""

from __future__ import annotations

import struct

import pytest

from hostql.host.rpmdb import (
    BASENAMES,
    DIRINDEXES,
    DIRNAMES,
    EPOCH,
    FILEDIGESTALGO,
    FILEDIGESTS,
    FILEGROUPNAME,
    FILEMODES,
    FILESIZES,
    FILEUSERNAME,
    GROUP,
    NAME,
    Header,
    HeaderError,
    RpmFile,
    bdb_records,
    package_files,
)


def blob(*entries: tuple[int, int, bytes, int]) -> bytes:
    """A header blob: (tag, type, data, count) entries with their data laid out in order."""
    index, data = b"", b""
    for tag, kind, payload, count in entries:
        if kind in (3, 4):  # integers are aligned to their size
            data += b"\0" * (-len(data) % (2 if kind == 3 else 4))
        index += struct.pack(">iIiI", tag, kind, len(data), count)
        data += payload
    return struct.pack(">II", len(entries), len(data)) + index + data


def test_strings_numbers_and_i18n() -> None:
    header = Header(
        blob(
            (63, 7, b"\0" * 16, 16),  # the immutable region trailer is not a tag
            (NAME, 6, b"bash\0", 1),
            (GROUP, 9, b"System/Shells\0Sistema\0", 2),
            (EPOCH, 4, struct.pack(">I", 3), 1),
        )
    )
    assert header.string(NAME) == "bash"
    assert header.string(GROUP) == "System/Shells"
    assert header.number(EPOCH) == 3
    assert header.number(NAME) is None and header.string(EPOCH) is None
    assert 63 not in header and header.string(1004) is None


def test_file_list() -> None:
    header = Header(
        blob(
            (FILESIZES, 4, struct.pack(">3I", 4096, 10, 20), 3),
            (FILEMODES, 3, struct.pack(">3H", 0o40755, 0o100644, 0o104755), 3),
            (FILEDIGESTS, 8, b"\0" + b"ab" * 32 + b"\0" + b"cd" * 32 + b"\0", 3),
            (FILEUSERNAME, 8, b"root\0root\0daemon\0", 3),
            (FILEGROUPNAME, 8, b"root\0root\0daemon\0", 3),
            (DIRINDEXES, 4, struct.pack(">3I", 0, 1, 1), 3),
            (BASENAMES, 8, b"bin\0sh\0su\0", 3),
            (DIRNAMES, 8, b"/usr/\0/usr/bin/\0", 2),
            (FILEDIGESTALGO, 4, struct.pack(">I", 8), 1),
        )
    )
    assert package_files(header) == [
        RpmFile("/usr/bin", "root", "root", 0o40755, 4096, "0" * 64),
        RpmFile("/usr/bin/sh", "root", "root", 0o100644, 10, "ab" * 32),
        RpmFile("/usr/bin/su", "daemon", "daemon", 0o104755, 20, "cd" * 32),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\0\0", "header shorter than its preamble"),
        (struct.pack(">II", 1, 100) + b"\0" * 16, "header sizes out of range"),
        (blob((NAME, 6, b"x\0", 1))[:-1] + b"", "header sizes out of range"),
    ],
)
def test_bad_blobs(data: bytes, message: str) -> None:
    with pytest.raises(HeaderError, match=message):
        Header(data)


def test_unterminated_string() -> None:
    header = Header(blob((NAME, 6, b"bash", 1)))
    with pytest.raises(HeaderError, match="unterminated"):
        header.string(NAME)


def test_mismatched_file_tags() -> None:
    header = Header(
        blob(
            (DIRINDEXES, 4, struct.pack(">2I", 0, 5), 2),
            (BASENAMES, 8, b"a\0b\0", 2),
            (DIRNAMES, 8, b"/\0", 1),
        )
    )
    with pytest.raises(HeaderError, match="do not agree"):
        package_files(header)


def hash_file(records: list[tuple[int, bytes]], page_size: int = 512) -> bytes:
    """A little-endian BerkeleyDB hash file: a meta page and one P_HASH page, inline items."""
    meta = bytearray(page_size)
    struct.pack_into("<III", meta, 12, 0x061561, 9, page_size)
    struct.pack_into("<I", meta, 32, 1)  # last page
    page = bytearray(page_size)
    items = []
    for number, value in records:
        items += [b"\x01" + struct.pack("<I", number), b"\x01" + value]
    end, offsets = page_size, []
    for item in items:
        end -= len(item)
        page[end : end + len(item)] = item
        offsets.append(end)
    struct.pack_into("<IIIHHBB", page, 8, 1, 0, 0, len(items), end, 0, 13)
    struct.pack_into(f"<{len(offsets)}H", page, 26, *offsets)
    return bytes(meta) + bytes(page)


def test_bdb_inline_records_skip_the_counter() -> None:
    data = hash_file([(0, struct.pack("<I", 3)), (1, b"first"), (2, b"second")])
    assert list(bdb_records(data, print)) == [(1, b"first"), (2, b"second")]


def test_bdb_damaged_page_warns() -> None:
    data = bytearray(hash_file([(1, b"first")]))
    struct.pack_into("<H", data, 512 + 26, 600)  # an item offset past the page
    warnings: list[str] = []
    assert list(bdb_records(bytes(data), warnings.append)) == []
    assert warnings == ["rpm database: skipped page 1: item 0 out of bounds"]


def test_not_a_hash_database() -> None:
    with pytest.raises(HeaderError, match="not a BerkeleyDB hash"):
        list(bdb_records(b"\0" * 4096, print))
