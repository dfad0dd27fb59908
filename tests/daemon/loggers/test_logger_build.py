"""build_loggers: --logger_plugin's comma list to logger instances."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from hostql.daemon.loggers import UnknownLoggerError, build_loggers
from hostql.daemon.loggers.base import Logger
from hostql.daemon.loggers.filesystem import FilesystemLogger
from hostql.daemon.loggers.stdout import StdoutLogger
from hostql.daemon.loggers.syslog import SyslogLogger
from hostql.errors import FlagError, PluginError
from hostql.flags import FlagValues, default_values


@pytest.fixture
def values(tmp_path: Path) -> FlagValues:
    flags = default_values()
    flags.set("logger_path", str(tmp_path))
    flags.set("logger_syslog_facility", "3")
    flags.set("logger_syslog_prepend_cee", True)
    return flags


def test_several_loggers_in_order_each_once(values: FlagValues) -> None:
    loggers = build_loggers(" filesystem, syslog,stdout,filesystem,", values)
    assert [type(logger) for logger in loggers] == [FilesystemLogger, SyslogLogger, StdoutLogger]
    assert [logger.name for logger in loggers] == ["filesystem", "syslog", "stdout"]
    syslog = loggers[1]
    assert isinstance(syslog, SyslogLogger)
    assert (syslog.facility, syslog.prepend_cee, syslog.socket_path) == (3, True, "/dev/log")
    for logger in loggers:
        logger.close()


def test_no_logger(values: FlagValues) -> None:
    assert build_loggers("", values) == []


def test_unknown_logger_is_named_and_exits_78(values: FlagValues) -> None:
    with pytest.raises(UnknownLoggerError) as raised:
        build_loggers("filesystem,kafka_producer", values)
    assert str(raised.value) == (
        "Cannot activate kafka_producer logger plugin: unknown logger "
        "(known: filesystem, stdout, syslog)"
    )
    assert raised.value.exit_code == 78
    assert isinstance(raised.value, PluginError)


class MemoryLogger(Logger):
    name = "memory"

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def log_results(self, lines: Sequence[str]) -> None:
        self.lines.extend(lines)


def test_extra_loggers_plug_in(values: FlagValues) -> None:
    [logger] = build_loggers("memory", values, extra={"memory": lambda _: MemoryLogger()})
    logger.log_snapshots(["a"])
    assert isinstance(logger, MemoryLogger) and logger.lines == ["a"]


def test_bad_logger_mode_stops_the_build(values: FlagValues) -> None:
    values.set("logger_mode", "0999")
    with pytest.raises(FlagError, match="logger_mode must be an octal file mode, not '0999'"):
        build_loggers("stdout,filesystem", values)
