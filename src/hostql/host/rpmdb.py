"""The RPM database read directly: SQLite rpmdb or BerkeleyDB Packages, and header blobs."""

from __future__ import annotations

import struct
import urllib.parse
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, NamedTuple

import apsw

if TYPE_CHECKING:
    from hostql.host import Host

Warn = Callable[[str], None]

# Fedora 36+ and openSUSE keep the database in /usr/lib/sysimage/rpm (/var/lib/rpm links there).
DB_DIRS = ("/var/lib/rpm", "/usr/lib/sysimage/rpm")
# osquery skips packages with more files than this (MAX_RPM_FILES).
MAX_FILES = 64 * 1024

# Header tags (rpmtag.h).
NAME, VERSION, RELEASE, EPOCH, INSTALLTIME, SIZE = 1000, 1001, 1002, 1003, 1008, 1009
VENDOR, GROUP, ARCH, SOURCERPM, SHA1HEADER = 1011, 1016, 1022, 1044, 269
FILESIZES, FILEMODES, FILEDIGESTS, FILEUSERNAME, FILEGROUPNAME = 1028, 1030, 1035, 1039, 1040
OLDFILENAMES, DIRINDEXES, BASENAMES, DIRNAMES = 1027, 1116, 1117, 1118
LONGFILESIZES, LONGSIZE, FILEDIGESTALGO = 5008, 5009, 5011
SHA256 = 8  # PGPHASHALGO_SHA256
_DIGEST_LENGTHS = {1: 16, 2: 20, 8: 32, 9: 48, 10: 64, 11: 28}

# Header entry types.
_CHAR, _INT8, _INT16, _INT32, _INT64 = 1, 2, 3, 4, 5
_STRING, _BIN, _STRING_ARRAY, _I18NSTRING = 6, 7, 8, 9
_INTS = {_CHAR: "B", _INT8: "B", _INT16: "H", _INT32: "I", _INT64: "Q"}
_REGION_TAGS = frozenset({61, 62, 63})

# BerkeleyDB hash file layout (db_page.h).
_HASH_MAGIC = 0x061561
_P_HASH_UNSORTED, _P_HASH, _P_OVERFLOW = 2, 13, 7
_H_KEYDATA, _H_OFFPAGE = 1, 3
_PAGE_HEADER = 26


class HeaderError(ValueError):
    """A header blob that is not in rpm's format."""


class Header:
    """One package header: its index entries, decoded on demand."""

    __slots__ = ("_data", "_entries")

    def __init__(self, blob: bytes) -> None:
        if len(blob) < 8:
            raise HeaderError("header shorter than its preamble")
        il, dl = struct.unpack_from(">II", blob)
        start = 8 + 16 * il
        if il > 0xFFFF or dl > 0x0FFFFFFF or start + dl > len(blob):
            raise HeaderError(f"header sizes out of range (il={il}, dl={dl}, {len(blob)} bytes)")
        self._data = blob[start : start + dl]
        self._entries: dict[int, tuple[int, int, int]] = {}
        for tag, kind, offset, count in struct.iter_unpack(">iIiI", blob[8:start]):
            if tag in _REGION_TAGS:
                continue
            if offset < 0 or (offset >= dl and count):
                raise HeaderError(f"tag {tag} points outside the data ({offset} of {dl})")
            self._entries[tag] = (kind, offset, count)

    def __contains__(self, tag: int) -> bool:
        return tag in self._entries

    def strings(self, tag: int) -> list[str]:
        """A string, string array or i18n string tag as a list (empty when absent)."""
        entry = self._entries.get(tag)
        if entry is None or entry[0] not in (_STRING, _STRING_ARRAY, _I18NSTRING):
            return []
        _, offset, count = entry
        data = self._data
        found = []
        for _ in range(count if entry[0] != _STRING else 1):
            end = data.find(b"\0", offset)
            if end < 0:
                raise HeaderError(f"tag {tag}: unterminated string")
            found.append(data[offset:end].decode("utf-8", "replace"))
            offset = end + 1
        return found

    def string(self, tag: int) -> str | None:
        """rpmtdGetString: the first (for i18n strings, the C locale's) value, else None."""
        values = self.strings(tag)
        return values[0] if values else None

    def numbers(self, tag: int) -> list[int]:
        """An integer tag's values (empty when absent or not an integer type)."""
        entry = self._entries.get(tag)
        if entry is None or entry[0] not in _INTS:
            return []
        kind, offset, count = entry
        code = _INTS[kind]
        size = struct.calcsize(code)
        if offset + size * count > len(self._data):
            raise HeaderError(f"tag {tag}: {count} values run past the data")
        return list(struct.unpack_from(f">{count}{code}", self._data, offset))

    def number(self, tag: int) -> int | None:
        """rpmtdGetNumber: the first value of an integer tag, else None."""
        values = self.numbers(tag)
        return values[0] if values else None


class RpmFile(NamedTuple):
    """One file of a package as rpmfi reports it."""

    path: str
    username: str
    groupname: str
    mode: int
    size: int
    sha256: str | None


def package_files(header: Header) -> list[RpmFile]:
    """The files of a header in header order (rpmfiFN, FUser, FGroup, FMode, FSize, digest)."""
    basenames = header.strings(BASENAMES)
    if basenames:
        dirnames = header.strings(DIRNAMES)
        indexes = header.numbers(DIRINDEXES)
        if len(indexes) != len(basenames) or any(i >= len(dirnames) for i in indexes):
            raise HeaderError("file name tags do not agree")
        paths = [dirnames[i] + base for i, base in zip(indexes, basenames, strict=True)]
    else:
        paths = header.strings(OLDFILENAMES)
    count = len(paths)
    users = header.strings(FILEUSERNAME) or [""] * count
    groups = header.strings(FILEGROUPNAME) or [""] * count
    modes = header.numbers(FILEMODES) or [0] * count
    sizes = header.numbers(LONGFILESIZES) or header.numbers(FILESIZES) or [0] * count
    algorithm = header.number(FILEDIGESTALGO) or 1
    if algorithm == SHA256:
        # rpm stores no digest for directories and the like; rpmfiFDigestHex shows zeros.
        zero = "0" * (2 * _DIGEST_LENGTHS[SHA256])
        digests: list[str | None] = [d or zero for d in header.strings(FILEDIGESTS)]
    else:
        digests = []
    if not digests:
        digests = [None] * count
    if not all(len(values) == count for values in (users, groups, modes, sizes, digests)):
        raise HeaderError("file tags of different lengths")
    return [
        RpmFile(*values) for values in zip(paths, users, groups, modes, sizes, digests, strict=True)
    ]


def bdb_records(data: bytes, warn: Warn) -> Iterator[tuple[int, bytes]]:
    """The (record number, value) pairs of a BerkeleyDB hash database, in page order."""
    if len(data) < 512:
        raise HeaderError("BerkeleyDB file shorter than its meta page")
    for order in ("<", ">"):
        if struct.unpack_from(f"{order}I", data, 12)[0] == _HASH_MAGIC:
            break
    else:
        raise HeaderError("not a BerkeleyDB hash database")
    page_size, last_page = struct.unpack_from(f"{order}I", data, 20)[0], 0
    if page_size < 512 or page_size > 65536:
        raise HeaderError(f"bad page size {page_size}")
    last_page = min(struct.unpack_from(f"{order}I", data, 32)[0], len(data) // page_size - 1)
    page_header = struct.Struct(f"{order}8xIIIHHBB")
    offpage = struct.Struct(f"{order}4xII")
    record_number = struct.Struct(f"{order}I")
    for number in range(1, last_page + 1):
        base = number * page_size
        page = data[base : base + page_size]
        _, _, _, entries, _, _, kind = page_header.unpack_from(page)
        if kind not in (_P_HASH, _P_HASH_UNSORTED):
            continue
        try:
            items = _page_items(page, entries, order)
        except HeaderError as exc:
            warn(f"rpm database: skipped page {number}: {exc}")
            continue
        for key, value in zip(items[::2], items[1::2], strict=False):
            # Record 0 holds rpm's next-instance counter, not a header.
            if key[0] != _H_KEYDATA or len(key) != 5 or key[1:] == b"\0\0\0\0":
                continue
            instance = record_number.unpack_from(key, 1)[0]
            if value[0] == _H_KEYDATA:
                yield instance, value[1:]
            elif value[0] == _H_OFFPAGE and len(value) >= 12:
                first, length = offpage.unpack_from(value)
                try:
                    yield instance, _overflow(data, first, length, page_size, page_header)
                except HeaderError as exc:
                    warn(f"rpm database: skipped header {instance}: {exc}")


def _page_items(page: bytes, entries: int, order: str) -> list[bytes]:
    page_size = len(page)
    if _PAGE_HEADER + 2 * entries > page_size:
        raise HeaderError(f"{entries} entries do not fit the page")
    offsets = struct.unpack_from(f"{order}{entries}H", page, _PAGE_HEADER)
    items = []
    for index, offset in enumerate(offsets):
        end = page_size if index == 0 else offsets[index - 1]
        if not _PAGE_HEADER + 2 * entries <= offset < end <= page_size:
            raise HeaderError(f"item {index} out of bounds")
        items.append(page[offset:end])
    return items


def _overflow(
    data: bytes, first: int, length: int, page_size: int, page_header: struct.Struct
) -> bytes:
    chunks = []
    number, seen = first, set()
    while number and sum(map(len, chunks)) < length:
        if number in seen or (number + 1) * page_size > len(data):
            raise HeaderError(f"broken overflow chain at page {number}")
        seen.add(number)
        page = data[number * page_size : (number + 1) * page_size]
        _, _, following, _, used, _, kind = page_header.unpack_from(page)
        if kind != _P_OVERFLOW:
            raise HeaderError(f"page {number} is not an overflow page")
        chunks.append(page[_PAGE_HEADER : _PAGE_HEADER + used])
        number = following
    return b"".join(chunks)[:length]


class RpmDb:
    """Reader of the host's RPM database (rpmdb.sqlite, or a BerkeleyDB Packages file)."""

    def __init__(self, host: Host) -> None:
        self.host = host

    def location(self) -> tuple[str, str] | None:
        """(backend, host path) of the first database found: ("sqlite" | "bdb", path)."""
        for directory in DB_DIRS:
            for backend, name in (("sqlite", "rpmdb.sqlite"), ("bdb", "Packages")):
                path = f"{directory}/{name}"
                if self.host.path(path).is_file():
                    return backend, path
        return None

    def headers(self, names: Iterable[str] | None, warn: Warn) -> Iterator[Header]:
        """Package headers ordered by name (then install order); only names, if given."""
        found = self.location()
        if found is None:
            return
        backend, path = found
        wanted = None if names is None else set(names)
        blobs = self._sqlite(path, wanted, warn) if backend == "sqlite" else self._bdb(path, warn)
        parsed = []
        for number, blob in blobs:
            try:
                header = Header(blob)
                name = header.string(NAME)
            except HeaderError as exc:
                warn(f"rpm database: skipped header {number}: {exc}")
                continue
            if name is None or (wanted is not None and name not in wanted):
                continue
            parsed.append((name, number, header))
        parsed.sort(key=lambda entry: entry[:2])
        for _, _, header in parsed:
            yield header

    def _sqlite(
        self, path: str, wanted: set[str] | None, warn: Warn
    ) -> Iterator[tuple[int, bytes]]:
        location = urllib.parse.quote(str(self.host.path(path)))
        flags = apsw.SQLITE_OPEN_READONLY | apsw.SQLITE_OPEN_URI
        query = "SELECT hnum, blob FROM Packages"
        if wanted is not None:
            marks = ",".join("?" * len(wanted))
            query += f" WHERE hnum IN (SELECT hnum FROM Name WHERE key IN ({marks}))"
        # rpm keeps the database in WAL mode; without write access to its directory only an
        # immutable open works, which reads the last checkpoint.
        for options in ("mode=ro", "immutable=1"):
            try:
                connection = apsw.Connection(f"file:{location}?{options}", flags=flags)
                rows = connection.execute(query, tuple(wanted or ())).fetchall()
            except apsw.CantOpenError:
                continue
            except apsw.Error as exc:
                warn(f"rpm database: cannot read {path}: {exc}")
                return
            connection.close()
            yield from rows
            return
        warn(f"rpm database: cannot open {path}")

    def _bdb(self, path: str, warn: Warn) -> Iterator[tuple[int, bytes]]:
        try:
            yield from bdb_records(self.host.path(path).read_bytes(), warn)
        except HeaderError as exc:
            warn(f"rpm database: cannot read {path}: {exc}")


def attach(host: Host) -> RpmDb:
    """The RPM database reader of host."""
    return RpmDb(host)
