"""example_shells: the login shells of /etc/shells, read through the host (fixture-friendly)."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.schema import LINUX, TEXT, Column, Row, table
from hostql.sql.context import QueryContext


@table(
    "example_shells",
    "Login shells listed in /etc/shells (an example plugin table).",
    platforms=(LINUX,),
    examples=("select u.username, s.name from users u join example_shells s on s.path = u.shell",),
    columns=[
        Column("path", TEXT, "Absolute path of the shell", index=True),
        Column("name", TEXT, "File name of the shell"),
    ],
)
def example_shells(ctx: QueryContext) -> Iterator[Row]:
    """One row per shell; `path = ...` constraints are used rather than filtered afterwards."""
    wanted = ctx.equals("path")
    try:
        text = ctx.host.path("/etc/shells").read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return  # no /etc/shells: no shells, not an error
    for line in dict.fromkeys(text.splitlines()):
        path = line.split("#", 1)[0].strip()
        if path and (wanted is None or path in wanted):
            yield {"path": path, "name": path.rsplit("/", 1)[-1]}
