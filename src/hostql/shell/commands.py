"""Dot-commands (.tables, .mode, .schema...): osqueryi's meta-commands, with its exact messages."""

from __future__ import annotations

import sys
from collections.abc import Callable

from hostql.errors import SqlError
from hostql.shell.session import MAX_WIDTHS, Session, ShellExit, clip
from hostql.shell.tokens import boolean_value, command_name, integer_value, tokenize

OK, FAILED, EXIT = 0, 1, 2

HELP = (
    "Welcome to the hostql shell. Please explore your OS!\n"
    "You are connected to a transient 'in-memory' virtual database.\n"
    "\n"
    ".all [TABLE]     Select all from a table\n"
    ".bail ON|OFF     Stop after hitting an error\n"
    ".connect PATH    Connect to an osquery extension socket\n"
    ".disconnect      Disconnect from a connected extension socket\n"
    ".echo ON|OFF     Turn command echo on or off\n"
    ".exit            Exit this program\n"
    ".features        List osquery's features and their statuses\n"
    ".headers ON|OFF  Turn display of headers on or off\n"
    ".help            Show this message\n"
    ".mode MODE       Set output mode where MODE is one of:\n"
    "                   csv      Comma-separated values\n"
    "                   column   Left-aligned columns see .width\n"
    "                   line     One value per line\n"
    "                   list     Values delimited by .separator string\n"
    "                   pretty   Pretty printed SQL results (default)\n"
    ".nullvalue STR   Use STRING in place of NULL values\n"
    ".print STR...    Print literal STRING\n"
    ".quit            Exit this program\n"
    ".schema [TABLE]  Show the CREATE statements\n"
    ".separator STR   Change separator used by output mode\n"
    ".socket          Show the local osquery extensions socket path\n"
    ".show            Show the current values for various settings\n"
    ".summary         Alias for the show meta command\n"
    ".tables [TABLE]  List names of tables\n"
    ".types [SQL]     Show result of getQueryColumns for the given query\n"
    ".version         Show the hostql and SQLite versions\n"
    '.width [NUM1]+   Set column widths for "column" mode\n'
    ".timer ON|OFF      Turn the CPU timer measurement on or off\n"
)
_MODES = {
    "line": "line",
    "lines": "line",
    "column": "column",
    "columns": "column",
    "list": "list",
    "pretty": "pretty",
    "csv": "csv",
}

Command = Callable[[Session, list[str], str], int]


def run_meta(session: Session, line: str) -> int:
    """Run one dot-command line: OK, FAILED (counts as an error) or EXIT; ShellExit for .exit N."""
    tokens = tokenize(line)
    if not tokens:
        return OK
    name = command_name(tokens)
    if name is None:
        session.error(
            f'Error: unknown command or invalid arguments:  "{tokens[0]}". Enter ".help" for help'
        )
        return FAILED
    return _COMMANDS[name](session, tokens, line)


def table_list(session: Session, prefix: str = "") -> list[str]:
    """Enabled tables and their aliases, sorted, whose name starts with prefix."""
    engine = session.engine
    names = set(engine.table_names())
    names.update(alias for alias, target in engine.tables.aliases().items() if target in names)
    return sorted(name for name in names if name.startswith(prefix))


def describe_types(session: Session, sql: str) -> None:
    """Print the name and type of each column sql returns (osqueryi's .types)."""
    from hostql.shell.columntypes import query_types

    try:
        columns = query_types(session.engine, sql)
    except SqlError as exc:
        # osqueryi prints this one on stdout and does not count it as an error.
        session.write(f"Error 1: {exc}\n")
        return
    session.show(["name", "type"], list(columns))


def _all(session: Session, args: list[str], line: str) -> int:
    if session.run_sql(f"SELECT * FROM {args[1]}") is not None:
        session.error(f"Error querying table: {args[1]}")
        return FAILED
    return OK


def _remote_path(session: Session) -> str:
    """The socket SQL goes to after .connect / --connect ('' when it runs here)."""
    return str(getattr(session._engine, "remote_path", ""))


def _socket(session: Session, args: list[str], line: str) -> int:
    remote = _remote_path(session)
    connected = f" (connected to {remote})" if remote else ""
    session.write(f"{session.values['extensions_socket']}{connected}\n")
    return OK


def _connect(session: Session, args: list[str], line: str) -> int:
    from hostql.extensions.shell import connect

    if _remote_path(session):
        session.error("Error: Please disconnect from the current socket")
        return FAILED
    session._engine = connect(args[1], session.engine)
    bold = session.bold
    session.write(bold("Connected to extension socket ") + bold(args[1]) + bold(" for debugging\n"))
    return OK


def _disconnect(session: Session, args: list[str], line: str) -> int:
    remote = _remote_path(session)
    if not remote:
        session.error("Error: Not connected to a socket")
        return FAILED
    engine = session._engine
    engine.close()  # type: ignore[union-attr]
    session._engine = engine.local  # type: ignore[union-attr]
    bold = session.bold
    session.write(bold("Disconnected from extension socket ") + bold(remote) + bold("\n"))
    return OK


def _switch(attribute: str) -> Command:
    def command(session: Session, args: list[str], line: str) -> int:
        value, warning = boolean_value(args[1])
        if warning:
            session.error(warning)
        setattr(session, attribute, value)
        return OK

    return command


def _exit(session: Session, args: list[str], line: str) -> int:
    code = integer_value(args[1]) if len(args) > 1 else 0
    if code != 0:
        raise ShellExit(code)
    return EXIT


def _quit(session: Session, args: list[str], line: str) -> int:
    return EXIT


def _features(session: Session, args: list[str], line: str) -> int:
    for flag in session.values.registry:
        # osquery selects `name like 'disable_%' or name like 'enable_%'`: '_' is any one char.
        if flag.type.value == "bool" and (
            (flag.name.startswith("disable") and len(flag.name) > 7)
            or (flag.name.startswith("enable") and len(flag.name) > 6)
        ):
            session.write(f"{flag.name}: {flag.render(session.values[flag.name])}\n")
    return OK


def _help(session: Session, args: list[str], line: str) -> int:
    session.out.flush()
    sys.stderr.write(HELP)
    return OK


def _mode(session: Session, args: list[str], line: str) -> int:
    mode = _MODES.get(args[1])
    if mode is None:
        session.error("Error: mode should be one of: column csv line list pretty")
        return FAILED
    session.mode = mode
    if mode == "csv":
        session.separator = ","
    return OK


def _nullvalue(session: Session, args: list[str], line: str) -> int:
    session.nullvalue = clip(args[1])
    return OK


def _print(session: Session, args: list[str], line: str) -> int:
    session.write(" ".join(args[1:]) + "\n")
    return OK


def _schema(session: Session, args: list[str], line: str) -> int:
    prefix = args[1] if len(args) > 1 else ""
    engine = session.engine
    for name in engine.table_names():
        if not name.startswith(prefix):
            continue
        try:
            spec = engine.spec(name)
        except (ImportError, AttributeError, TypeError) as exc:
            # osqueryi skips a table whose columns cannot be read; say why instead.
            session.error(f"Error: cannot load table {name}: {exc}")
            continue
        session.write(spec.create_table_sql() + "\n")
    return OK


def _separator(session: Session, args: list[str], line: str) -> int:
    session.separator = clip(args[1])
    return OK


def _show(session: Session, args: list[str], line: str) -> int:
    from hostql.shell.settings import show_text

    session.write(show_text(session))
    return OK


def _tables(session: Session, args: list[str], line: str) -> int:
    for name in table_list(session, args[1] if len(args) > 1 else ""):
        session.write(f"  => {name}\n")
    return OK


def _timeout(session: Session, args: list[str], line: str) -> int:
    milliseconds = max(-(2**31), min(2**31 - 1, integer_value(args[1])))
    session.engine.connection.set_busy_timeout(milliseconds)
    return OK


def _version(session: Session, args: list[str], line: str) -> int:
    from hostql.shell.settings import version_text

    session.write(version_text())
    return OK


def _width(session: Session, args: list[str], line: str) -> int:
    for index, text in enumerate(args[1 : MAX_WIDTHS + 1]):
        if index >= len(session.widths):
            session.widths.extend([0] * (index + 1 - len(session.widths)))
        session.widths[index] = integer_value(text)
    return OK


def _types(session: Session, args: list[str], line: str) -> int:
    parts = line[1:].strip().split(None, 1)
    describe_types(session, parts[1] if len(parts) > 1 else "")
    return OK


_COMMANDS: dict[str, Command] = {
    "all": _all,
    "socket": _socket,
    "connect": _connect,
    "disconnect": _disconnect,
    "bail": _switch("bail"),
    "echo": _switch("echo"),
    "exit": _exit,
    "features": _features,
    "headers": _switch("header"),
    "help": _help,
    "mode": _mode,
    "nullvalue": _nullvalue,
    "print": _print,
    "quit": _quit,
    "schema": _schema,
    "separator": _separator,
    "show": _show,
    "tables": _tables,
    "timeout": _timeout,
    "timer": _switch("timer"),
    "version": _version,
    "width": _width,
    "types": _types,
}
