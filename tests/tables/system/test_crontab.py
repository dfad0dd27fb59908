"""crontab: osquery's crontab files and line split; live check against the files themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostql.host.etc_files import CRON_DIRS
from hostql.tables.system.crontab import crontab
from hostql.testing import run_table


@pytest.fixture
def root(tmp_path: Path) -> Path:
    etc = tmp_path / "etc"
    (etc / "cron.d").mkdir(parents=True)
    (etc / "crontab").write_text(
        "SHELL=/bin/sh\n# m h dom mon dow user command\n"
        "17 *\t* * *\troot    cd / && run-parts --report /etc/cron.hourly\n"
    )
    (etc / "cron.d" / "backup").write_text("@daily root /usr/bin/backup --all\n  \n")
    (etc / "cron.d" / ".placeholder").write_text("* * * * * root hidden\n")
    spool = tmp_path / "var" / "spool" / "cron" / "crontabs"
    spool.mkdir(parents=True)
    (spool / "alice").write_text("*/5 * * * 1-5 /home/alice/bin/poll\nbad line\n")
    (spool / "broken").write_bytes(b"0 0 * * * caf\xe9\n")
    return tmp_path


def test_rows(root: Path) -> None:
    assert run_table(crontab, root=root) == [
        {"event": None, "minute": "17", "hour": "*", "day_of_month": "*", "month": "*",
         "day_of_week": "*", "command": "root cd / && run-parts --report /etc/cron.hourly",
         "path": "/etc/crontab"},
        {"event": "@daily", "minute": None, "hour": None, "day_of_month": None, "month": None,
         "day_of_week": None, "command": "root /usr/bin/backup --all",
         "path": "/etc/cron.d/backup"},
        {"event": None, "minute": "*/5", "hour": "*", "day_of_month": "*", "month": "*",
         "day_of_week": "1-5", "command": "/home/alice/bin/poll",
         "path": "/var/spool/cron/crontabs/alice"},
        {"event": None, "minute": "0", "hour": "0", "day_of_month": "*", "month": "*",
         "day_of_week": "*", "command": "caf\ufffd", "path": "/var/spool/cron/crontabs/broken"},
    ]  # fmt: skip


def test_path_constraint_reads_only_that_file(root: Path) -> None:
    rows = run_table(crontab, "path = '/etc/cron.d/backup'", root=root, columns="event")
    assert rows == [{"event": "@daily"}]


def test_nothing_installed(tmp_path: Path) -> None:
    assert run_table(crontab, root=tmp_path) == []


@pytest.mark.live
def test_live_matches_the_cron_files() -> None:
    files = [Path("/etc/crontab")] + [
        p
        for d in CRON_DIRS
        if Path(d).is_dir()
        for p in sorted(Path(d).iterdir())
        if p.is_file() and not p.name.startswith(".")
    ]
    expected = []
    for path in files:
        try:
            lines = path.read_text(errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            command = words[1:] if words[0].startswith("@") else words[5:]
            if command:
                expected.append((str(path), " ".join(command)))
    rows = run_table(crontab)
    assert [(r["path"], r["command"]) for r in rows] == expected
