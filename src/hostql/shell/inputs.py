"""hostqli's input sources in osqueryi's order, and the line reader shared by pipes and TTYs."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from hostql.errors import HostqlError, SqlError
from hostql.shell.commands import EXIT, OK, describe_types, run_meta
from hostql.shell.session import Session, ShellExit

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from hostql.extensions.service import ExtensionsService
    from hostql.flags import FlagValues

LineReader = Callable[[bool], str | None]
_SPACE = " \t\n\v\f\r"


class InputCancelled(Exception):
    """The person pressed Ctrl-C while typing: drop the statement being entered."""


def run(values: FlagValues, positional: list[str]) -> int:
    """hostqli after flag parsing: pick the input source, run it, return the exit status."""
    path = str(values["output"])
    try:
        out: TextIO = sys.stdout if path in ("", "-") else open(path, "w", encoding="utf-8")  # noqa: SIM115
    except OSError:
        sys.stderr.write(f"Error: Cannot open output file '{path}'\n")
        return 1
    session = Session(
        values, out, output_path="" if path == "-" else path, interactive=_isatty(sys.stdin)
    )
    try:
        extensions = _start_extensions(session)
    except HostqlError as exc:
        session.error(f"Error: {exc}")
        return 1
    try:
        return _dispatch(session, positional)
    except ShellExit as exc:
        return exc.code
    finally:
        if extensions is not None:
            extensions.stop()
        out.flush()
        if out is not sys.stdout:
            out.close()


def _start_extensions(session: Session) -> ExtensionsService | None:
    """--extension, --extensions_require, autoload: a manager serving this shell's engine."""
    from hostql.extensions.shell import start, wants_extensions

    if not wants_extensions(session.values):
        return None
    from hostql.shell.columntypes import query_types

    service = start(session.values, session.engine, query_types)
    if service is not None:
        session._engine = service.refreshing(session.engine)  # type: ignore[assignment]
    return service


def _dispatch(session: Session, positional: list[str]) -> int:
    values = session.values
    if values["connect"]:
        from hostql.extensions.shell import connect

        # SQL goes to the core on that socket; meta-commands stay local, as in osqueryi.
        session._engine = connect(str(values["connect"]), session.engine)
    if values["profile"] > 0:
        return profile(session, positional)
    if values["L"] or values["A"]:
        return run_meta(session, ".tables" if values["L"] else f".all {values['A']}")
    if values["pack"]:
        session.error("Error: --pack needs config packs, which hostql does not load yet")
        return 1
    if values["query"]:
        return run_argument(session, str(values["query"]))
    if values["query_file"]:
        try:
            with open(values["query_file"], encoding="utf-8") as handle:
                sql = handle.read()
        except OSError:
            session.error(f"Error: Cannot open query file '{values['query_file']}'")
            return 1
        return run_query(session, sql)
    if positional:
        return run_argument(session, positional[0])
    if session.interactive:
        from hostql.shell.interactive import run_interactive

        return run_interactive(session)
    return process_input(session, stream_reader(sys.stdin))


def run_argument(session: Session, text: str) -> int:
    """A query given on the command line: a dot-command if it starts with '.', else SQL."""
    if text.startswith("."):
        status = run_meta(session, text)
        return OK if status == EXIT else status
    return run_query(session, text)


def run_query(session: Session, sql: str) -> int:
    """Run SQL from the command line; `Error: <message>` and status 1 if it fails."""
    error = session.run_sql(sql)
    if error is None:
        return 0
    session.error(f"Error: {error}")
    return 1


def stream_reader(stream: TextIO) -> LineReader:
    """A line reader over a file or pipe: lines without their line ending, None at EOF."""

    def read(continuation: bool) -> str | None:
        line = stream.readline()
        if not line:
            return None
        line = line.removesuffix("\n")
        return line.removesuffix("\r")

    return read


def process_input(session: Session, read_line: LineReader) -> int:
    """osqueryi's process_input: gather lines into complete statements and run them; 1 on error."""
    import apsw

    interactive = session.interactive
    errors = 0
    line_number = start_line = 0
    buffer = ""
    types_query = False
    while errors == 0 or not session.bail or interactive:
        session.out.flush()
        try:
            line = read_line(bool(buffer))
        except InputCancelled:
            buffer, types_query = "", False
            continue
        if line is None:
            if interactive:
                sys.stdout.write("\n")
            break
        line_number += 1
        if not buffer and all_whitespace(line):
            if session.echo:
                session.write(line + "\n")
            continue
        if not buffer and line.startswith("."):
            if session.echo:
                session.write(line + "\n")
            if line.startswith(".types "):
                types_query = True
            else:
                status = run_meta(session, line)
                if status == EXIT:
                    break
                if status != OK:
                    errors += 1
                continue
        if buffer:
            added = "\n" + line
            buffer += added
        else:
            added = buffer = (line[7:] if types_query else line).lstrip(_SPACE)
            start_line = line_number
        if ";" in added and apsw.complete(buffer):
            if not _run_chunk(session, buffer, types_query, start_line):
                errors += 1
            buffer, types_query = "", False
        elif buffer and all_whitespace(buffer):
            if session.echo:
                session.write(buffer + "\n")
            buffer = ""
    # osqueryi runs what is left at the end of input even without a closing ';'.
    if (
        buffer
        and not all_whitespace(buffer)
        and not _run_chunk(session, buffer, types_query, start_line)
    ):
        errors += 1
    return 1 if errors else 0


def _run_chunk(session: Session, sql: str, types_query: bool, start_line: int) -> bool:
    """Run one complete piece of input; False if it failed."""
    if types_query:
        describe_types(session, sql)
        return True
    try:
        error = session.timed_sql(sql)
    except KeyboardInterrupt:
        if not session.interactive:
            raise
        error = "interrupted"
    if error is None:
        return True
    prefix = "Error:" if session.interactive else f"Error: near line {start_line}:"
    session.error(f"{prefix} {error}")
    return False


def all_whitespace(text: str) -> bool:
    """Whether text holds only white space and complete SQL comments (osqueryi's rule)."""
    index, end = 0, len(text)
    while index < end:
        char = text[index]
        if char in _SPACE:
            index += 1
        elif text.startswith("/*", index):
            close = text.find("*/", index + 2)
            if close == -1:
                return False
            index = close + 2
        elif text.startswith("--", index):
            newline = text.find("\n", index + 2)
            if newline == -1:
                return True
            index = newline + 1
        else:
            return False
    return True


def profile(session: Session, positional: list[str]) -> int:
    """--profile N: run one query N times without printing results (osquery's profile mode)."""
    values = session.values
    if not _isatty(sys.stdin):
        query = sys.stdin.readline().removesuffix("\n")
    elif positional:
        query = positional[0]
    else:
        session.error("No query provided via stdin or args to profile...")
        return 2
    delay = int(values.get("profile_delay", 0) or 0)
    if delay > 0:
        time.sleep(delay)
    engine = session.engine
    for _ in range(int(values["profile"])):
        try:
            for _result in engine.statements(query):
                pass
        except SqlError as exc:
            session.error(f"Query failed (1): {exc}")
            return 1
        engine.take_warnings()
    if delay > 0:
        time.sleep(delay)
    return 0


def _isatty(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except ValueError:  # a closed stream
        return False
