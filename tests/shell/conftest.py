"""Run hostqli in-process (flags parsed as the CLI does) or as a real subprocess."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hostql.flags import default_values, parse_args
from hostql.schema import INTEGER, TEXT, Column, table
from hostql.shell import main
from hostql.shell.session import Session
from hostql.sql.context import QueryContext
from hostql.testing import engine_for


@dataclass
class Outcome:
    """What one hostqli run produced."""

    status: int
    out: str
    err: str


Shell = Callable[..., Outcome]


@pytest.fixture
def shell(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Shell:
    """hostqli in this process: argv after the program name, and text for a non-TTY stdin."""

    def run(*argv: str, stdin: str = "") -> Outcome:
        values = default_values()
        positional = parse_args(list(argv), values)
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        status = main(values, positional)
        captured = capsys.readouterr()
        return Outcome(status, captured.out, captured.err)

    return run


@pytest.fixture
def hostqli(tmp_path: Path) -> Shell:
    """hostqli as a subprocess (`python -m hostql shell ...`), HOME pointing at a temp dir."""

    def run(*argv: str, stdin: str = "") -> Outcome:
        env = dict(os.environ, HOME=str(tmp_path))
        done = subprocess.run(
            [sys.executable, "-m", "hostql", "shell", *argv],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=tmp_path,
        )
        return Outcome(done.returncode, done.stdout, done.stderr)

    return run


@table(
    "pets",
    "Fixture table: three rows, a NULL, an alias, and a warning.",
    aliases=("animals",),
    columns=[
        Column("name", TEXT, "Pet name"),
        Column("legs", INTEGER, "Leg count"),
        Column("owner", TEXT, "Owner", hidden=True),
    ],
)
def pets(ctx: QueryContext) -> Iterator[dict[str, object]]:
    """Three pets; warns once per scan."""
    ctx.warn("pets: the cat is hiding")
    yield {"name": "dog", "legs": 4, "owner": "ann"}
    yield {"name": "snake", "legs": 0, "owner": None}
    yield {"name": "bird", "legs": None, "owner": "bo"}


@pytest.fixture
def session() -> Iterator[Session]:
    """A session over an engine holding only the pets table, writing to a StringIO."""
    values = default_values()
    engine = engine_for(pets, flags=values)
    yield Session(values, io.StringIO(), engine=engine)
    engine.close()


@pytest.fixture
def output(session: Session) -> Callable[[], str]:
    """What the session wrote since the last call."""

    def take() -> str:
        out = session.out
        assert isinstance(out, io.StringIO)
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    return take
