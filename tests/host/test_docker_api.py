"""docker_api: osquery's id rules, filter encoding and timestamp arithmetic."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hostql.host import Host
from hostql.host.docker_api import (
    diff_nanos,
    display_id,
    filters_query,
    local_unix_time,
    utc_unix_time,
    valid_ids,
)


def test_valid_ids_keep_hex_of_at_most_64_characters() -> None:
    assert valid_ids(None) is None
    assert valid_ids(set()) == []
    assert valid_ids({"abc", "ABC123", "xyz", "a" * 65, "b" * 64, "../info", 1234}) == [
        "1234",
        "ABC123",
        "abc",
        "b" * 64,
    ]


def test_display_id_strips_sha256_and_echoes_a_matching_prefix() -> None:
    full = "sha256:fed7e452f8e58ec579d2bd62e946a345e892bf0e634b7bd381a7331bcdd82190"
    assert display_id(full, None) == full[7:]
    assert display_id(full, ["fed7e4"]) == "fed7e4"
    assert display_id(full, ["0000"]) == full[7:]
    assert display_id(None, ["a"]) == ""


def test_filters_query_is_url_encoded_json() -> None:
    assert filters_query("id", ["ab", "cd"]) == (
        "filters=%7B%22id%22%3A%7B%22ab%22%3Atrue%2C%22cd%22%3Atrue%7D%7D"
    )
    assert filters_query("name", ["a b&c"]) == (
        "filters=%7B%22name%22%3A%7B%22a%20b%26c%22%3Atrue%7D%7D"
    )


def test_utc_unix_time() -> None:
    assert utc_unix_time("2024-03-02T17:57:43.161631023Z") == 1709402263
    assert utc_unix_time("0001-01-01T00:00:00Z") == -62135596800
    assert utc_unix_time("") == 0
    assert utc_unix_time("yesterday") == 0


@pytest.fixture
def tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "JST-9")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_local_unix_time_reads_the_clock_fields_as_local_time(tokyo: None) -> None:
    assert local_unix_time("2024-03-01T08:12:09.480613211Z") == 1709280729 - 9 * 3600
    assert local_unix_time("garbage") == 0


def test_diff_nanos_subtracts_the_fraction_digits_as_numbers() -> None:
    assert diff_nanos("2024-03-02T17:57:43.161631023Z", "2024-03-02T17:57:42.157024371Z") == (
        161631023 - 157024371
    )
    # osquery does not scale fractions of different lengths.
    assert diff_nanos("T00:00:01.5Z", "T00:00:00.25Z") == 5 - 25
    assert diff_nanos("2024-03-02T17:57:44.000000500Z", "0001-01-01T00:00:00Z") == 0
    assert diff_nanos("", "") == 0


def test_the_socket_flag_is_a_host_path(tmp_path: Path) -> None:
    client = Host(tmp_path).docker_api.client("/var/run/docker.sock", print)
    assert client.socket_path == str(tmp_path / "var/run/docker.sock")
    assert Host().docker_api.client("/run/d.sock", print).socket_path == "/run/d.sock"


def test_a_missing_socket_is_silent_and_asked_once(tmp_path: Path) -> None:
    warnings: list[str] = []
    client = Host(tmp_path).docker_api.client("/var/run/docker.sock", warnings.append)
    assert client.containers(None) is None
    assert client.inspect("abc") is None
    assert client.missing
    assert warnings == []
