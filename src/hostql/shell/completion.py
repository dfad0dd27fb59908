"""Tab completion candidates for the interactive shell: dot-commands, tables and their columns."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence

_COMMAND_NAMES = (
    "all bail connect disconnect echo exit features headers help mode nullvalue print quit"
    " schema separator show socket summary tables timeout timer types version width"
)
DOT_COMMANDS = tuple(f".{name}" for name in _COMMAND_NAMES.split())
# Characters that end a word for completion; '.' is kept inside words for table.column.
WORD_DELIMITERS = " \t\n`~!@#$%^&*()=+[{]}\\|;:'\",<>/?"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def candidates(
    text: str,
    line: str,
    start: int,
    tables: Collection[str],
    columns_of: Callable[[str], Sequence[str]],
) -> list[str]:
    """Completions of text, the word at start in line (the whole statement typed so far)."""
    before = line[:start]
    if not before.strip() and text.startswith("."):
        return [command for command in DOT_COMMANDS if command.startswith(text)]
    if before.lstrip().startswith("."):
        # Arguments of .all/.schema/.tables/.types are table names (or SQL).
        return sorted(name for name in tables if name.startswith(text))
    if "." in text:
        table, _, prefix = text.rpartition(".")
        if table not in tables:
            return []
        return [f"{table}.{column}" for column in columns_of(table) if column.startswith(prefix)]
    found = {name for name in tables if name.startswith(text)}
    mentioned = set(_IDENTIFIER.findall(line)) & set(tables)
    for table in sorted(mentioned):
        found.update(column for column in columns_of(table) if column.startswith(text))
    return sorted(found)
