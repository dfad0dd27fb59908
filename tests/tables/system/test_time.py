"""time: osquery's exact formats for a fixed moment, the date_time alias, live clock."""

from __future__ import annotations

import os
import time as clock
from collections.abc import Iterator

import pytest

from hostql.host.sysinfo import Sysinfo
from hostql.tables.system.time import time, time_row
from hostql.testing import run_table


@pytest.fixture
def berlin() -> Iterator[None]:
    previous = os.environ.get("TZ")
    # A POSIX rule, so no tz database is needed.
    os.environ["TZ"] = "CET-1CEST,M3.5.0,M10.5.0/3"
    clock.tzset()
    yield
    if previous is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = previous
    clock.tzset()


def test_row_for_a_fixed_moment(monkeypatch: pytest.MonkeyPatch, berlin: None) -> None:
    monkeypatch.setattr(Sysinfo, "now", lambda self: 1_704_507_005)
    rows = run_table(time, columns="*, date_time")
    assert rows == [
        {
            "weekday": "Saturday",
            "year": 2024,
            "month": 1,
            "day": 6,
            "hour": 2,
            "minutes": 10,
            "seconds": 5,
            "timezone": "UTC",
            "local_timezone": "CET",
            "unix_time": 1_704_507_005,
            # asctime(3) pads the day of the month with a space.
            "timestamp": "Sat Jan  6 02:10:05 2024 UTC",
            "datetime": "2024-01-06T02:10:05Z",
            "iso_8601": "2024-01-06T02:10:05Z",
            "date_time": "2024-01-06T02:10:05Z",
        }
    ]


def test_empty_local_zone_is_utc() -> None:
    assert time_row(0, "")["local_timezone"] == "UTC"
    assert time_row(0, "")["timestamp"] == "Thu Jan  1 00:00:00 1970 UTC"


@pytest.mark.live
def test_live_time_is_now() -> None:
    (row,) = run_table(time)
    assert abs(row["unix_time"] - clock.time()) <= 2
    assert row["local_timezone"] == clock.strftime("%Z") or row["local_timezone"] == "UTC"
