"""Tab completion offers dot-commands, table names and the columns of tables in the statement."""

from __future__ import annotations

from hostql.shell.completion import DOT_COMMANDS, candidates

COLUMNS = {"uptime": ["days", "hours", "total_seconds"], "users": ["uid", "username"]}


def complete(text: str, line: str) -> list[str]:
    return candidates(text, line, len(line) - len(text), list(COLUMNS), COLUMNS.__getitem__)


def test_completion_of_dot_commands() -> None:
    assert complete(".ta", ".ta") == [".tables"]
    assert complete(".s", ".s") == [".schema", ".separator", ".show", ".socket", ".summary"]
    assert set(DOT_COMMANDS) >= {".all", ".mode", ".types", ".width", ".exit"}


def test_completion_of_tables_and_columns() -> None:
    assert complete("up", "select * from up") == ["uptime"]
    assert complete("u", ".schema u") == ["uptime", "users"]
    assert complete("uptime.t", "select uptime.t") == ["uptime.total_seconds"]
    assert complete("zebra.x", "select zebra.x") == []
    assert complete("user", "select user from users") == ["username", "users"]
    assert complete("d", "select d from uptime") == ["days"]
    assert complete("d", "select d") == []
