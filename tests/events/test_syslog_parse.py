"""rsyslog CSV lines: osquery's tokenizer rules, the six fields, and pipe line framing."""

from __future__ import annotations

import pytest

from hostql.events.publishers.syslog import LineBuffer, SyslogLineError, parse_line, split_csv

CRON = (
    '"2016-03-22T21:17:01.701882+00:00","vagrant-ubuntu-trusty-64","6","cron",'
    '"CRON[16538]:"," (root) CMD (   cd / && run-parts --report /etc/cron.hourly)"'
)


@pytest.mark.parametrize(
    ("line", "fields"),
    [
        (",,,,", ["", "", "", "", ""]),
        (" , , , , ", [" ", " ", " ", " ", " "]),
        ("foo,bar,baz", ["foo", "bar", "baz"]),
        ('"foo","bar","baz"', ["foo", "bar", "baz"]),
        ('",foo,",",bar","baz,"', [",foo,", ",bar", "baz,"]),
        ('",f\\oo,",",ba\\\'r","baz\\,"', [",f\\oo,", ",ba\\'r", "baz\\,"]),
        ('""",f\\o""o,",""",ba\\\'r","baz\\,"""', ['",f\\o"o,', "\",ba\\'r", 'baz\\,"']),
        ('""",f\\ø""o,",""",bá\\\'r","baz\\,"""', ['",f\\ø"o,', "\",bá\\'r", 'baz\\,"']),
        ("foo,", ["foo", ""]),
        ("", []),
    ],
)
def test_split_csv_follows_rsyslog_quoting(line: str, fields: list[str]) -> None:
    assert split_csv(line) == fields


def test_parse_line_trims_fields_and_the_tag_colon() -> None:
    assert parse_line(CRON) == {
        "datetime": "2016-03-22T21:17:01.701882+00:00",
        "host": "vagrant-ubuntu-trusty-64",
        "severity": "6",
        "facility": "cron",
        "tag": "CRON[16538]",
        "message": "(root) CMD (   cd / && run-parts --report /etc/cron.hourly)",
    }


def test_parse_line_keeps_a_tag_without_colon() -> None:
    line = '"2024-01-01T00:00:00+00:00","h","3","daemon","tag","a, ""quoted"" message"'
    fields = parse_line(line)
    assert fields["tag"] == "tag"
    assert fields["message"] == 'a, "quoted" message'


def test_parse_line_rejects_too_few_fields() -> None:
    with pytest.raises(SyslogLineError, match="fewer"):
        parse_line('"2016-03-22T21:17:01.701882+00:00","vagrant-ubuntu-trusty-64","6","cron",')


def test_parse_line_rejects_too_many_fields() -> None:
    with pytest.raises(SyslogLineError, match="more"):
        parse_line('"2016-03-22T21:17:01.701882+00:00","","6","","","",""')


def test_line_buffer_joins_partial_reads() -> None:
    buffer = LineBuffer()
    buffer.feed(b"first li")
    assert buffer.take(10) == []
    buffer.feed(b"ne\nsecond\nthi")
    assert buffer.take(1) == [b"first line"]
    assert buffer.take(10) == [b"second"]
    buffer.feed(b"rd\n")
    assert buffer.take(10) == [b"third"]


def test_line_buffer_drops_an_overlong_line_whole() -> None:
    buffer = LineBuffer(max_line=8)
    buffer.feed(b"short\n" + b"x" * 20)
    buffer.feed(b"y" * 20 + b"\nnext\n")
    assert buffer.take(10) == [b"short", b"next"]
    assert buffer.overlong == 1
    buffer.feed(b"123456789\nok\n")
    assert buffer.take(10) == [b"ok"]
    assert buffer.overlong == 2
