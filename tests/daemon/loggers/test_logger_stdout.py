"""The stdout logger: lines as they are, status as osquery's plain lines, never raising."""

from __future__ import annotations

import io

import pytest

from hostql.daemon.loggers.stdout import StdoutLogger
from hostql.daemon.records import StatusEntry
from hostql.flags import default_values

WARNING = StatusEntry(1, "config.cpp", 20, "Unknown key: foo", 1_764_170_001)
INFO = StatusEntry(0, "init.cpp", 10, "osqueryd started", 1_764_170_000)


def test_results_snapshots_and_status_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    logger = StdoutLogger()
    logger.log_results(['{"name":"a","action":"added"}', '{"name":"b"}'])
    logger.log_snapshots(['{"snapshot":[]}'])
    logger.log_status([INFO, WARNING])
    logger.log_results([])
    logger.close()
    assert capsys.readouterr().out == (
        '{"name":"a","action":"added"}\n{"name":"b"}\n{"snapshot":[]}\n'
        "severity=0 location=init.cpp:10 message=osqueryd started\n"
        "severity=1 location=config.cpp:20 message=Unknown key: foo\n"
    )
    assert logger.uses_status and logger.name == "stdout"


def test_min_status_from_flags(capsys: pytest.CaptureFixture[str]) -> None:
    values = default_values()
    values.set("logger_min_status", "1")
    logger = StdoutLogger.from_flags(values)
    logger.log_status([INFO, WARNING, INFO])
    assert capsys.readouterr().out == "severity=1 location=config.cpp:20 message=Unknown key: foo\n"


def test_closed_stdout_is_counted_and_lines_go_to_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stream = io.StringIO()
    stream.close()
    logger = StdoutLogger(stream)
    logger.log_results(['{"a":1}'])
    assert logger.errors == 1
    assert logger.last_error == "cannot write to stdout: I/O operation on closed file"
    assert capsys.readouterr().err == (
        'hostqld: stdout logger: cannot write to stdout: I/O operation on closed file\n{"a":1}\n'
    )
