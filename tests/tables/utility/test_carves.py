"""carves: sessions the carver records, and carve requests handed to it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from hostql.tables.utility.carves import carves, clear_carves, record_carve, set_carve_requester
from hostql.testing import run_table

DONE = {
    "time": 1700000000,
    "sha256": "ab" * 32,
    "size": 4096,
    "path": "/etc/passwd",
    "status": "SUCCESS",
    "carve_guid": "0c4d3e1a-1111-2222-3333-444455556666",
    "request_id": "scheduled_query",
}


@pytest.fixture(autouse=True)
def empty_store() -> Iterator[None]:
    clear_carves()
    yield
    clear_carves()
    set_carve_requester(None)


def test_empty_until_the_carver_records_sessions() -> None:
    assert run_table(carves) == []


def test_recorded_sessions() -> None:
    record_carve(DONE)
    record_carve({"carve_guid": "ffff", "status": "FAILED", "path": "/x", "time": 1})
    rows = run_table(carves, "status LIKE '%FAIL%'")
    assert rows == [
        {
            "time": 1,
            "sha256": None,
            "size": None,
            "path": "/x",
            "status": "FAILED",
            "carve_guid": "ffff",
            "request_id": None,
            "carve": 0,
        }
    ]
    assert run_table(carves, "carve_guid = ?", DONE["carve_guid"].upper(), columns="status") == [
        {"status": "SUCCESS"}
    ]


def test_carve_requests_reach_the_carver_when_enabled(tmp_path: Path) -> None:
    (tmp_path / "home/a/Downloads").mkdir(parents=True)
    (tmp_path / "home/a/Downloads/file.zip").write_bytes(b"z")
    requests: list[tuple[Sequence[str], str]] = []

    def start(paths: Sequence[str], request_id: str) -> str:
        requests.append((list(paths), request_id))
        record_carve({**DONE, "carve_guid": "new-guid", "status": "STARTING", "path": paths[0]})
        return "new-guid"

    record_carve(DONE)
    set_carve_requester(start)
    where = "path LIKE '/home/%/Downloads/%' AND carve = 1"
    # The carver is disabled by default, as in osquery.
    assert run_table(carves, where, root=tmp_path) == []
    assert requests == []
    rows = run_table(
        carves, where, root=tmp_path, flags={"disable_carver": False}, columns="carve_guid, carve"
    )
    assert requests == [(["/home/a/Downloads/file.zip"], "")]
    # Only the session this query started has carve = 1.
    assert rows == [{"carve_guid": "new-guid", "carve": 1}]
    assert run_table(carves, columns="carve_guid, carve") == [
        {"carve_guid": DONE["carve_guid"], "carve": 0},
        {"carve_guid": "new-guid", "carve": 0},
    ]
