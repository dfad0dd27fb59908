"""The carver's pure core: records, archive, compression, blocks, request bodies, expiry."""

from __future__ import annotations

import base64
import io
import tarfile
from pathlib import Path

import pytest
import zstandard

from hostql.remote.carver import (
    DATA_POST_FAILED,
    SCHEDULED,
    SUCCESS,
    CarveError,
    archive_name,
    block_count,
    blocks,
    compress,
    continue_body,
    copy_regular_files,
    expired,
    file_sha256,
    new_record,
    record_paths,
    session_id_of,
    start_body,
    write_archive,
)


def test_a_new_record_is_scheduled_with_its_paths_joined() -> None:
    record = new_record(["/b", "/a", "/b"], "req", "guid-1", 1000)
    assert record == {
        "carve_guid": "guid-1",
        "time": 1000,
        "status": SCHEDULED,
        "sha256": "",
        "size": -1,
        "request_id": "req",
        "path": "/a,/b",
    }
    assert record_paths(record) == ["/a", "/b"]


def test_only_old_successful_carves_expire() -> None:
    assert expired({"status": SUCCESS, "time": 100}, 300, 100)
    assert not expired({"status": SUCCESS, "time": 100}, 150, 100)
    assert not expired({"status": "DATA POST FAILED", "time": 0}, 10**9, 100)


def test_copy_then_archive_keeps_each_files_bytes(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "one.bin").write_bytes(bytes(range(256)) * 10)
    (source / "two.txt").write_text("hello\n")
    (source / "folder").mkdir()
    paths = [str(source / "one.bin"), str(source / "two.txt"), str(source / "folder")]
    copied = copy_regular_files([*paths, str(source / "missing")], tmp_path / "store")
    assert [src for src, _ in copied] == paths[:2]
    out = io.BytesIO()
    write_archive(copied, out)
    with tarfile.open(fileobj=io.BytesIO(out.getvalue())) as archive:
        names = archive.getnames()
        assert names == [archive_name(p) for p in paths[:2]]
        member = archive.getmember(archive_name(paths[0]))
        assert member.mode == 0o644 and member.isreg()
        assert archive.extractfile(member).read() == bytes(range(256)) * 10  # type: ignore[union-attr]


def test_archive_names_drop_the_root() -> None:
    assert archive_name("/etc/hosts") == "etc/hosts"


def test_compress_is_zstd() -> None:
    out = io.BytesIO()
    compress(io.BytesIO(b"abc" * 1000), out)
    assert out.getvalue()[:4] == b"\x28\xb5\x2f\xfd"
    reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(out.getvalue()))
    assert reader.read() == b"abc" * 1000


def test_blocks_split_the_upload() -> None:
    assert block_count(0, 10) == 0
    assert block_count(10, 10) == 1
    assert block_count(21, 10) == 3
    assert list(blocks(io.BytesIO(b"x" * 21), 10)) == [b"x" * 10, b"x" * 10, b"x"]


def test_sha256_is_skipped_above_read_max(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    assert file_sha256(path, 100) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert file_sha256(path, 2) == "-1"


def test_request_bodies() -> None:
    assert start_body(3, 10, 25, "g", "r") == {
        "block_count": 3,
        "block_size": 10,
        "carve_size": 25,
        "carve_id": "g",
        "request_id": "r",
    }
    body = continue_body(1, "s", "r", b"\x00\xff")
    assert body == {"block_id": 1, "session_id": "s", "request_id": "r", "data": "AP8="}
    assert base64.b64decode(body["data"]) == b"\x00\xff"


@pytest.mark.parametrize("response", [{}, {"session_id": ""}, {"session_id": 5}])
def test_a_start_response_without_a_session_fails_the_post(response: dict) -> None:
    with pytest.raises(CarveError) as caught:
        session_id_of(response)
    assert caught.value.status == DATA_POST_FAILED
    assert session_id_of({"session_id": "abc"}) == "abc"
