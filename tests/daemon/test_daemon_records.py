"""Result and status lines match osquery's byte for byte (reference §7, §8.1, §8.2)."""

from __future__ import annotations

import json

import pytest

from hostql.daemon.records import (
    ResultMeta,
    StatusEntry,
    calendar_time,
    cast_double,
    escape_cell,
    escape_row,
    json_cell,
    json_double,
    json_string,
    result_batch_line,
    result_event_lines,
    snapshot_lines,
    status_glog,
    status_json,
    status_plain,
)

# The reference's examples pair unixTime 1412123850 with "Tue Sep 30 17:37:30 2014 UTC",
# which is that instant in US Pacific time; osquery's calendarTime is gmtime(), so the
# examples below use the UTC rendering of the same unixTime.
SEP30 = 1412123850
SEP30_UTC = "Wed Oct  1 00:37:30 2014 UTC"
UUID = "4740d59c-2f71-4bc5-a7e2-0c0c5c0b7a49"


def meta(**changes: object) -> ResultMeta:
    fields: dict[str, object] = {
        "name": "processes",
        "host_identifier": "web01",
        "unix_time": SEP30,
        "epoch": 0,
        "counter": 1,
    }
    fields.update(changes)
    return ResultMeta(**fields)  # type: ignore[arg-type]


def test_calendar_time_pads_the_day_with_a_space() -> None:
    assert calendar_time(1462228052) == "Mon May  2 22:27:32 2016 UTC"
    assert calendar_time(SEP30) == SEP30_UTC
    assert calendar_time(0) == "Thu Jan  1 00:00:00 1970 UTC"
    assert meta(unix_time=1462228052).calendar_time == "Mon May  2 22:27:32 2016 UTC"


def test_event_line_matches_the_reference_example() -> None:
    line = result_event_lines(
        meta(name="pack_it-compliance_mounts", decorations={"host_uuid": UUID}),
        added=[{"path": "/", "type": "ext4", "device": "/dev/sda1"}],
        removed=[],
    )
    assert line == [
        '{"name":"pack_it-compliance_mounts","hostIdentifier":"web01",'
        f'"calendarTime":"{SEP30_UTC}","unixTime":1412123850,"epoch":0,"counter":1,'
        f'"numerics":false,"decorations":{{"host_uuid":"{UUID}"}},'
        '"columns":{"device":"/dev/sda1","path":"/","type":"ext4"},"action":"added"}'
    ]


def test_event_lines_put_removed_rows_before_added_rows() -> None:
    lines = result_event_lines(
        meta(), added=[{"pid": "2"}, {"pid": "3"}], removed=[{"pid": "1"}, {"pid": "0"}]
    )
    assert [json.loads(line)["columns"]["pid"] for line in lines] == ["1", "0", "2", "3"]
    assert [json.loads(line)["action"] for line in lines] == [
        "removed",
        "removed",
        "added",
        "added",
    ]


def test_event_lines_are_empty_without_rows() -> None:
    assert result_event_lines(meta(counter=0), added=[], removed=[]) == []


def test_batch_line_matches_the_reference_example() -> None:
    line = result_batch_line(
        meta(),
        added=[{"name": "osqueryd", "path": "/opt/osquery/bin/osqueryd", "pid": "97830"}],
        removed=[{"pid": "97650", "name": "osqueryd", "path": "/opt/osquery/bin/osqueryd"}],
    )
    assert line == (
        '{"diffResults":{"removed":[{"name":"osqueryd","path":"/opt/osquery/bin/osqueryd",'
        '"pid":"97650"}],"added":[{"name":"osqueryd","path":"/opt/osquery/bin/osqueryd",'
        '"pid":"97830"}]},"name":"processes","hostIdentifier":"web01",'
        f'"calendarTime":"{SEP30_UTC}","unixTime":1412123850,"epoch":0,"counter":1,'
        '"numerics":false}'
    )


def test_empty_batch_line_keeps_both_lists() -> None:
    line = result_batch_line(meta(counter=0, epoch=7), added=[], removed=[])
    assert line.startswith('{"diffResults":{"removed":[],"added":[]},"name":"processes",')
    assert '"epoch":7,"counter":0,"numerics":false}' in line


def test_snapshot_line_matches_the_reference_example() -> None:
    lines = snapshot_lines(
        meta(name="process_snapshot", unix_time=1462228052, counter=0),
        [{"pid": "1", "parent": "0", "path": "/sbin/init"}],
        as_events=False,
    )
    assert lines == [
        '{"snapshot":[{"parent":"0","path":"/sbin/init","pid":"1"}],"action":"snapshot",'
        '"name":"process_snapshot","hostIdentifier":"web01",'
        '"calendarTime":"Mon May  2 22:27:32 2016 UTC","unixTime":1462228052,"epoch":0,'
        '"counter":0,"numerics":false}'
    ]


def test_empty_snapshot_is_one_line_with_an_empty_list() -> None:
    (line,) = snapshot_lines(meta(counter=0), [], as_events=False)
    assert line.startswith('{"snapshot":[],"action":"snapshot","name":"processes",')


def test_snapshot_as_events_is_one_event_line_per_row() -> None:
    lines = snapshot_lines(meta(counter=0), [{"pid": "1"}, {"pid": "2"}], as_events=True)
    assert lines == [
        '{"name":"processes","hostIdentifier":"web01",'
        f'"calendarTime":"{SEP30_UTC}","unixTime":1412123850,"epoch":0,"counter":0,'
        f'"numerics":false,"columns":{{"pid":"{pid}"}},"action":"snapshot"}}'
        for pid in ("1", "2")
    ]
    assert snapshot_lines(meta(), [], as_events=True) == []


def test_numerics_off_renders_every_value_as_a_string() -> None:
    row = {"i": 42, "neg": -7, "r": 0.5, "whole": 2.0, "s": "x", "b": True}
    (line,) = result_event_lines(meta(), added=[row], removed=[])
    assert '"numerics":false' in line
    assert '"columns":{"b":"1","i":"42","neg":"-7","r":"0.5","s":"x","whole":"2.0"}' in line


def test_numerics_on_renders_integers_and_reals_as_json_numbers() -> None:
    row = {"i": 42, "neg": -7, "r": 0.5, "whole": 2.0, "s": "12"}
    (line,) = result_event_lines(meta(numerics=True), added=[row], removed=[])
    assert '"numerics":true' in line
    assert '"columns":{"i":42,"neg":-7,"r":0.5,"s":"12","whole":2.0}' in line
    batch = result_batch_line(meta(numerics=True), added=[row], removed=[])
    assert '"added":[{"i":42,"neg":-7,"r":0.5,"s":"12","whole":2.0}]' in batch


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "0.10000000000000001"),
        (1.0, "1.0"),
        (0.0, "0.0"),
        (-2.5, "-2.5"),
        (123456.789, "123456.789"),
        (1e20, "1e+20.0"),
        (1.5e-7, "1.4999999999999999e-07"),
        (float("inf"), "inf.0"),
        (float("nan"), "nan.0"),
    ],
)
def test_cast_double_is_boost_lexical_cast_with_a_point(value: float, text: str) -> None:
    assert cast_double(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "0.1"),
        (1.0, "1.0"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (-2.5, "-2.5"),
        (100.0, "100.0"),
        (1e20, "100000000000000000000.0"),
        (1e21, "1e21"),
        (1.25e30, "1.25e30"),
        (0.001234, "0.001234"),
        (1e-6, "0.000001"),
        (1e-7, "1e-7"),
        (-1.5e-7, "-1.5e-7"),
        (123456.789, "123456.789"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e308"),
    ],
)
def test_json_double_is_rapidjson_writer_output(value: float, text: str) -> None:
    assert json_double(value) == text


def test_non_finite_reals_stay_strings_even_with_numerics() -> None:
    assert json_double(float("inf")) == '"inf.0"'
    assert json_cell(float("-inf"), True) == '"-inf.0"'


def test_json_cell_handles_null_and_blobs() -> None:
    assert json_cell(None, False) == '""'
    assert json_cell(None, True) == '""'
    assert json_cell(b"a\x00\xff", False) == '"a\\\\x00\\\\xFF"'


def test_row_keys_are_sorted_in_byte_order() -> None:
    (line,) = result_event_lines(
        meta(), added=[{"b": "1", "B": "2", "a": "3", "é": "4"}], removed=[]
    )
    assert '"columns":{"B":"2","a":"3","b":"1","é":"4"}' in line


def test_decorations_are_omitted_when_empty_and_sorted_when_present() -> None:
    (plain,) = result_event_lines(meta(), added=[{"a": "1"}], removed=[])
    assert "decorations" not in plain
    (decorated,) = result_event_lines(
        meta(decorations={"zone": "eu", "host_uuid": "u"}), added=[{"a": "1"}], removed=[]
    )
    assert '"numerics":false,"decorations":{"host_uuid":"u","zone":"eu"},"columns"' in decorated


def test_top_level_decorations_follow_numerics() -> None:
    (line,) = result_event_lines(
        meta(decorations={"zone": "eu", "host_uuid": "u"}, decorations_top_level=True),
        added=[{"a": "1"}],
        removed=[],
    )
    assert line == (
        '{"name":"processes","hostIdentifier":"web01",'
        f'"calendarTime":"{SEP30_UTC}","unixTime":1412123850,"epoch":0,"counter":1,'
        '"numerics":false,"host_uuid":"u","zone":"eu","columns":{"a":"1"},"action":"added"}'
    )


def test_top_level_decoration_named_like_a_field_replaces_it_as_rapidjson_does() -> None:
    # RemoveMember moves the last member ("numerics") into the freed slot; the decoration
    # is then appended at the end.
    (line,) = result_event_lines(
        meta(decorations={"hostIdentifier": "from-decorator"}, decorations_top_level=True),
        added=[{"a": "1"}],
        removed=[],
    )
    assert line == (
        '{"name":"processes","numerics":false,'
        f'"calendarTime":"{SEP30_UTC}","unixTime":1412123850,"epoch":0,"counter":1,'
        '"hostIdentifier":"from-decorator","columns":{"a":"1"},"action":"added"}'
    )


def test_top_level_decoration_named_action_is_replaced_by_the_action() -> None:
    (line,) = result_event_lines(
        meta(decorations={"action": "x", "columns": "y"}, decorations_top_level=True),
        added=[{"a": "1"}],
        removed=[],
    )
    assert line == (
        '{"name":"processes","hostIdentifier":"web01",'
        f'"calendarTime":"{SEP30_UTC}","unixTime":1412123850,"epoch":0,"counter":1,'
        '"numerics":false,"columns":{"a":"1"},"action":"added"}'
    )


def test_top_level_decorations_in_batch_lines() -> None:
    line = result_batch_line(
        meta(decorations={"name": "dec"}, decorations_top_level=True), added=[], removed=[]
    )
    assert line == (
        '{"diffResults":{"removed":[],"added":[]},"numerics":false,"hostIdentifier":"web01",'
        f'"calendarTime":"{SEP30_UTC}","unixTime":1412123850,"epoch":0,"counter":1,'
        '"name":"dec"}'
    )


def test_json_strings_keep_utf8_and_slashes_and_escape_controls_in_upper_case() -> None:
    assert json_string("/é€😀") == '"/é€😀"'
    assert json_string('q"b\\') == '"q\\"b\\\\"'
    assert json_string("\n\t\r\b\f") == '"\\n\\t\\r\\b\\f"'
    assert json_string("\x01\x0b\x1f\x7f") == '"\\u0001\\u000B\\u001F\x7f"'
    # A literal backslash followed by "u001f" is not an escape to upper-case.
    assert json_string("\\u001f\x1a") == '"\\\\u001f\\u001A"'


def test_escape_cell_escapes_control_bytes_in_upper_case_hex() -> None:
    assert escape_cell("a\tb\nc\x00d\x1f") == "a\\x09b\\x0Ac\\x00d\\x1F"
    assert escape_cell("plain text") == "plain text"
    assert escape_cell("\x7f~") == "\x7f~"


def test_escape_cell_keeps_valid_utf8_and_escapes_invalid_bytes() -> None:
    assert escape_cell("é€😀") == "é€😀"
    assert escape_cell("é€".encode()) == "é€"
    assert escape_cell(b"a\xffb") == "a\\xFFb"
    # Truncated sequence, overlong encoding, surrogate half, beyond U+10FFFF.
    assert escape_cell(b"\xe2\x82") == "\\xE2\\x82"
    assert escape_cell(b"\xc0\xaf") == "\\xC0\\xAF"
    assert escape_cell(b"\xed\xa0\x80") == "\\xED\\xA0\\x80"
    assert escape_cell(b"\xf4\x90\x80\x80") == "\\xF4\\x90\\x80\\x80"
    # An invalid lead byte does not swallow the valid character after it.
    assert escape_cell(b"\xe2(\xa1") == "\\xE2(\\xA1"


def test_escape_cell_reads_surrogate_escaped_text_as_its_bytes() -> None:
    assert escape_cell(b"\xff".decode("utf-8", "surrogateescape")) == "\\xFF"
    assert escape_cell("\ud800") == "\\xED\\xA0\\x80"


def test_escape_row_escapes_strings_and_blobs_and_maps_null() -> None:
    row = {"s": "a\x01", "b": b"\xff", "i": 3, "r": 1.5, "n": None}
    assert escape_row(row) == {"s": "a\\x01", "b": "\\xFF", "i": 3, "r": 1.5, "n": ""}
    assert escape_row({"n": None}, nullvalue="NULL") == {"n": "NULL"}


def test_escaped_values_appear_with_json_escaping_in_lines() -> None:
    (line,) = result_event_lines(meta(), added=[escape_row({"c": "x\ty"})], removed=[])
    assert '"columns":{"c":"x\\\\x09y"}' in line


STATUS = StatusEntry(
    severity=0,
    filename="scheduler.cpp",
    line=102,
    message="Executing scheduled query pack_x_y: SELECT 1",
    unix_time=SEP30,
    host_identifier="web01",
    version="5.23.0",
)


def test_status_json_matches_the_reference_example() -> None:
    assert status_json(STATUS, {"host_uuid": "..."}) == (
        f'{{"hostIdentifier":"web01","calendarTime":"{SEP30_UTC}","unixTime":1412123850,'
        '"severity":0,"filename":"scheduler.cpp","line":102,'
        '"message":"Executing scheduled query pack_x_y: SELECT 1","version":"5.23.0",'
        '"decorations":{"host_uuid":"..."}}'
    )


def test_status_json_without_decorations_and_with_top_level_ones() -> None:
    assert status_json(STATUS, {}).endswith(',"version":"5.23.0"}')
    top = status_json(STATUS, {"zone": "eu", "message": "m"}, top_level=True)
    assert top == (
        f'{{"hostIdentifier":"web01","calendarTime":"{SEP30_UTC}","unixTime":1412123850,'
        '"severity":0,"filename":"scheduler.cpp","line":102,"version":"5.23.0",'
        '"message":"m","zone":"eu"}'
    )


def test_status_entry_calendar_time() -> None:
    assert STATUS.calendar_time == SEP30_UTC


def test_status_glog_uses_osquerys_prefix() -> None:
    line = status_glog(STATUS, 4242, 123456, utc=True)
    assert line == (
        "I1001 00:37:30.123456  4242 scheduler.cpp:102] "
        "Executing scheduled query pack_x_y: SELECT 1"
    )


@pytest.mark.parametrize(("severity", "letter"), [(0, "I"), (1, "W"), (2, "E"), (3, "F")])
def test_status_glog_severity_letters(severity: int, letter: str) -> None:
    entry = StatusEntry(severity, "a.cpp", 7, "m", 1462228052)
    assert (
        status_glog(entry, 123456, 5, utc=True) == f"{letter}0502 22:27:32.000005 123456 a.cpp:7] m"
    )


def test_status_glog_defaults_to_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        assert status_glog(STATUS, 1, 0).startswith("I0930 17:37:30.000000     1 ")
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_status_plain_is_the_stdout_and_syslog_form() -> None:
    assert status_plain(STATUS) == (
        "severity=0 location=scheduler.cpp:102 message=Executing scheduled query pack_x_y: SELECT 1"
    )
