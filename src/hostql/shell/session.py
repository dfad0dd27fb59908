"""One shell session: its settings (mode, separator, NULL text...), output stream and engine."""

from __future__ import annotations

import itertools
import sys
import time

from hostql.errors import SqlError
from hostql.shell.render import RenderSettings, render

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO

    from hostql.flags import FlagValues
    from hostql.sql.engine import Engine

# osqueryi keeps the separator and NULL text in char[20] buffers.
SETTING_BYTES = 19
MAX_WIDTHS = 100


class ShellExit(Exception):
    """`.exit N` with N != 0: leave the process at once with status N."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def clip(text: str, size: int = SETTING_BYTES) -> str:
    """text cut to size UTF-8 bytes without splitting a character."""
    return text.encode("utf-8", "surrogatepass")[:size].decode("utf-8", "ignore")


def initial_mode(values: FlagValues) -> str:
    """The output mode the flags select: --list > --line > --csv > pretty."""
    if values["list"]:
        return "list"
    if values["line"]:
        return "line"
    if values["csv"]:
        return "csv"
    return "pretty"


def initial_separator(values: FlagValues) -> str:
    """--separator, or ',' in --csv mode when no separator was given."""
    # osqueryi overwrites --csv's ',' with the default '|'; hostql keeps the ','.
    if initial_mode(values) == "csv" and not values.is_set("separator"):
        return ","
    return clip(str(values["separator"]))


class Session:
    """The state osqueryi keeps in its callback_data, plus the engine it queries."""

    def __init__(
        self,
        values: FlagValues,
        out: TextIO | None = None,
        *,
        output_path: str = "",
        interactive: bool = False,
        engine: Engine | None = None,
    ) -> None:
        self.values = values
        self.out = out if out is not None else sys.stdout
        self.output_path = output_path
        self.interactive = interactive
        self.mode = initial_mode(values)
        self.header = bool(values["header"])
        self.separator = initial_separator(values)
        self.nullvalue = clip(str(values["nullvalue"]))
        self.widths: list[int] = []
        self.echo = False
        self.bail = False
        self.timer = False
        self._engine = engine

    @property
    def engine(self) -> Engine:
        """The engine, created on first use so that meta-commands like .help stay instant."""
        if self._engine is None:
            from hostql.sql.engine import Engine

            self._engine = Engine(flags=self.values)
            if not self.values["disable_events"]:
                from hostql.events.service import start_for_engine

                start_for_engine(self._engine, self.values)  # stops itself at exit
        return self._engine

    @property
    def render_mode(self) -> str:
        """The renderer to use: --json/--json_pretty change how pretty mode prints."""
        if self.mode == "pretty":
            if self.values["json_pretty"]:
                return "json_pretty"
            if self.values["json"]:
                return "json"
        return self.mode

    @property
    def settings(self) -> RenderSettings:
        """The render settings in effect."""
        return RenderSettings(self.nullvalue, self.separator, self.header, tuple(self.widths))

    def write(self, text: str) -> None:
        """Write to the output stream."""
        if text:
            self.out.write(text)

    def error(self, message: str) -> None:
        """Print one line on stderr, after flushing results so the order stays readable."""
        self.out.flush()
        sys.stderr.write(message + "\n")
        sys.stderr.flush()

    def bold(self, text: str) -> str:
        """text in bold when a person is typing (osqueryi's print_bold)."""
        return f"\033[1m{text}\033[0m" if self.interactive else text

    def show(self, columns: list[str], rows: list[tuple[object, ...]]) -> None:
        """Render one result in the current mode."""
        self.write(render(self.render_mode, columns, rows, self.settings))

    def run_sql(self, sql: str) -> str | None:
        """Run every statement of sql, printing each result; the error message, or None."""
        from hostql.sql.engine import split_statements

        engine = self.engine
        texts = split_statements(sql) if self.echo else []
        results = engine.statements(sql)
        error: str | None = None
        shown = False
        for index in itertools.count():
            if index < len(texts):
                self.write(texts[index] + "\n")
            try:
                result = next(results)
            except StopIteration:
                break
            except SqlError as exc:
                error = str(exc)
                break
            finally:
                self.report_warnings()
            self.show(result.columns, result.rows)
            shown = True
        if not shown:
            # osqueryi prints its (empty) JSON array even when nothing ran or the first
            # statement failed, so --json output always parses.
            self.show([], [])
        return error

    def report_warnings(self) -> None:
        """Print what tables warned about while the last statement ran."""
        if self._engine is None:
            return
        for warning in self._engine.take_warnings():
            self.error(f"Warning: {warning}")

    def timed_sql(self, sql: str) -> str | None:
        """run_sql, followed by osqueryi's `.timer on` line."""
        if not self.timer:
            return self.run_sql(sql)
        import resource

        before, started = resource.getrusage(resource.RUSAGE_SELF), time.time()
        try:
            return self.run_sql(sql)
        finally:
            after, ended = resource.getrusage(resource.RUSAGE_SELF), time.time()
            self.write(
                f"Run Time: real {ended - started:.3f} user {after.ru_utime - before.ru_utime:f}"
                f" sys {after.ru_stime - before.ru_stime:f}\n"
            )
