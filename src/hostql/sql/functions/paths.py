"""osquery's path SQL functions: parent_directory, find_file_path_in_cmd, is_path_deterministic."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

from hostql.errors import SqlError
from hostql.sql.functions.coercion import SqlValue, as_int32, c_bytes, c_text

# The C locale's isspace(), which osquery uses to cut a command line into candidates.
_C_WHITESPACE = " \t\n\v\f\r"
_ESCAPE = "\\"

FileCheck = Callable[[str], bool]


def is_existing_non_directory(path: str) -> bool:
    """Whether path (symlinks followed) exists and is not a directory."""
    try:
        return not stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def find_program_path(
    command: str,
    escape: str = _ESCAPE,
    allow_quotes: bool = False,
    shortest: bool = True,
    exists: FileCheck = is_existing_non_directory,
) -> str:
    """The shortest (or longest) prefix of a command line naming an existing file, or ""."""
    position = len(command) - len(command.lstrip(_C_WHITESPACE))
    found = ""
    candidate: list[str] = []
    quoted = escaped = False
    for character in command[position:]:
        if escaped:
            candidate.append(character)
            escaped = False
            continue
        if allow_quotes and character == '"':
            quoted = not quoted
            continue
        if character == escape:
            escaped = True
            continue
        if not quoted and character in _C_WHITESPACE and exists("".join(candidate)):
            found = "".join(candidate)
            if shortest:
                break
        candidate.append(character)
    if not found or not shortest:
        whole = "".join(candidate)
        if exists(whole):
            found = whole
    return found


def _search_arguments(values: tuple[SqlValue, ...], function: str) -> tuple[str, str, bool]:
    if not values or any(value is None for value in values):
        raise SqlError(f"Invalid inputs to {function}")
    allow_quotes = len(values) > 1 and as_int32(values[1]) != 0
    escape = _ESCAPE
    if len(values) > 2:
        symbol = c_bytes(values[2])
        if len(symbol) != 1:
            raise SqlError(f"Invalid inputs to {function}")
        escape = symbol.decode("latin-1")
    return c_text(values[0]), escape, allow_quotes


def find_file_path_in_cmd(*values: SqlValue) -> str:
    """The shortest prefix of a command line (cmd[, allow_quotes[, escape]]) that is a file."""
    # osquery reports failures under the function's earlier name.
    command, escape, allow_quotes = _search_arguments(values, "find_binary_path_from_cmd")
    return find_program_path(command, escape, allow_quotes, shortest=True)


def is_path_deterministic(*values: SqlValue) -> int:
    """1 if only one prefix of the command line names a file (or none does), else 0."""
    command, escape, allow_quotes = _search_arguments(values, "is_path_deterministic")
    shortest = find_program_path(command, escape, allow_quotes, shortest=True)
    # osquery compares the unescaped prefix against the raw command's byte length.
    if not shortest or len(shortest.encode()) == len(c_bytes(values[0])):
        return 1
    longest = find_program_path(command, escape, allow_quotes, shortest=False)
    return int(len(shortest) == len(longest))


def parent_directory(value: SqlValue) -> str | None:
    """The text before the last "/"; NULL when there is none; non-TEXT input is an error."""
    if not isinstance(value, str):
        raise SqlError("Invalid inputs to parent_directory, TEXT was expected")
    path = c_text(value)
    slash = path.rfind("/")
    if slash < 0:
        return None
    return path[:slash]
