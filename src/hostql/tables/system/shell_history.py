"""shell_history: the commands in users' shell history files."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import BIGINT, INTEGER, LINUX, MACOS, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "shell_history",
    "A line-delimited (command) table of per-user .*_history data.",
    platforms=(LINUX, MACOS),
    user_data=True,
    no_pkey=True,
    examples=("select * from users join shell_history using (uid)",),
    notes="As in osquery, without a uid constraint only the current user's history is read; "
    "join users (or give uid = / IN) for other users. Files: ~/.bash_history, .zsh_history, "
    ".zhistory, .history, .sh_history and ~/.bash_sessions/*.history. A bash '#<epoch>' line "
    "gives the next command its time; zsh ': <epoch>:<elapsed>;<command>' lines are split; "
    "other lines have time 0. Lines are split exactly as osquery's 4 KiB block reader does.",
    columns=[
        Column("uid", BIGINT, "Shell history owner", additional=True, optimized=True),
        Column("time", INTEGER, "Entry timestamp. It could be absent, default value is 0."),
        Column("command", TEXT, "Unparsed date/line/command history line"),
        Column("history_file", TEXT, "Path to the .*_history for this user"),
    ],
)
def shell_history(ctx: QueryContext) -> Iterator[Row]:
    """One row per command of each history file of each selected user."""
    reader = ctx.host.user_files
    read_max = int(ctx.flags["read_max"])
    for home in reader.homes(ctx.equals("uid")):
        for path in reader.history_files(home):
            yield from reader.history(home, path, read_max)
