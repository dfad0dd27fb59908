"""The interactive shell on a terminal: banner, prompts, readline history and tab completion."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from types import ModuleType

from hostql.shell.completion import WORD_DELIMITERS, candidates
from hostql.shell.inputs import InputCancelled, process_input
from hostql.shell.session import Session

HISTORY_LENGTH = 100
PROMPT, CONTINUATION = "osquery> ", "    ...> "
_COLOUR = "\033[38;5;147m"
_RESET = "\033[0m"


def prompts(term: str | None) -> tuple[str, str]:
    """The main and continuation prompts; coloured on 256-colour xterms, as osqueryi does."""
    if term and "xterm-256color" in term:
        # \001 and \002 tell readline the escapes take no room on the line.
        return _coloured(PROMPT), _coloured(CONTINUATION)
    return PROMPT, CONTINUATION


def _coloured(prompt: str) -> str:
    return f"\001{_COLOUR}\002{prompt}\001{_RESET}\002"


def history_path() -> Path | None:
    """~/.hostql/.history, creating ~/.hostql; None when there is no writable home."""
    try:
        home = Path.home() / ".hostql"
        home.mkdir(mode=0o700, exist_ok=True)
    except (OSError, RuntimeError):
        return None
    return home / ".history"


class Completer:
    """readline's completer: asks the session for tables and columns on demand."""

    def __init__(self, session: Session, readline: ModuleType) -> None:
        self.session = session
        self.readline = readline
        self.statement: list[str] = []
        self._matches: list[str] = []
        self._columns: dict[str, list[str]] = {}

    def complete(self, text: str, state: int) -> str | None:
        """The state-th completion of text."""
        if state == 0:
            line = self.readline.get_line_buffer()
            start = self.readline.get_begidx()
            typed = "\n".join(self.statement)
            if typed:
                line, start = f"{typed}\n{line}", start + len(typed) + 1
            try:
                self._matches = candidates(text, line, start, self._tables(), self._columns_of)
            except Exception:  # readline would swallow it anyway: never break the prompt
                self._matches = []
        return self._matches[state] if state < len(self._matches) else None

    def _tables(self) -> list[str]:
        from hostql.shell.commands import table_list

        return table_list(self.session)

    def _columns_of(self, table: str) -> list[str]:
        if table not in self._columns:
            engine = self.session.engine
            target = engine.tables.aliases().get(table, table)
            spec = engine.spec(target)
            self._columns[table] = [column.name for column in spec.all_columns()]
        return self._columns[table]


def run_interactive(session: Session) -> int:
    """Read statements from the terminal until Ctrl-D or .exit; 1 if any of them failed."""
    import readline

    history = history_path()
    if history is not None:
        with contextlib.suppress(OSError):
            readline.read_history_file(history)
    readline.set_history_length(HISTORY_LENGTH)
    completer = Completer(session, readline)
    readline.set_completer(completer.complete)
    readline.set_completer_delims(WORD_DELIMITERS)
    if "libedit" in (readline.__doc__ or ""):
        readline.parse_and_bind("bind ^I rl_complete")
    else:
        readline.parse_and_bind("tab: complete")
    main_prompt, continuation_prompt = prompts(os.environ.get("TERM"))
    sys.stdout.write(f"Using a {session.bold('virtual database')}. Need help, type '.help'\n")

    def read(continuation: bool) -> str | None:
        if not continuation:
            completer.statement.clear()
        session.out.flush()
        try:
            line = input(continuation_prompt if continuation else main_prompt)
        except EOFError:
            return None
        except KeyboardInterrupt:
            sys.stdout.write("\n")
            raise InputCancelled from None
        completer.statement.append(line)
        return line

    try:
        return process_input(session, read)
    finally:
        if history is not None:
            _save_history(readline, history)


def _save_history(readline: ModuleType, history: Path) -> None:
    with contextlib.suppress(OSError):
        readline.write_history_file(history)
