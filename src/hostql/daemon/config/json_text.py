"""One config source's JSON text to an object: osquery's comment stripping and limits (pure)."""

from __future__ import annotations

import json
from bisect import bisect_right
from typing import Any

from hostql.errors import ConfigError

MAX_CONFIG_SIZE = 4 * 1024 * 1024
MAX_CONFIG_DEPTH = 32
# The C locale's isspace() characters, which osquery trims.
SPACE = " \t\n\v\f\r"


class JsonObject(dict[str, Any]):
    """A JSON object keeping the first of duplicated keys (rapidjson's lookup order)."""

    __slots__ = ("duplicates",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__()
        duplicates = []
        for key, value in pairs:
            if key in self:
                duplicates.append(key)
            else:
                self[key] = value
        self.duplicates = tuple(duplicates)


def load_json(text: str, source: str) -> JsonObject:
    """One source's JSON object, after osquery's comment stripping and limits."""
    stripped, size, positions = _strip_comments(text)
    if size > MAX_CONFIG_SIZE:
        raise ConfigError(
            f"{source}: Error parsing the config JSON: the config size exceeds "
            f"the limit of {MAX_CONFIG_SIZE} bytes"
        )
    try:
        document = json.loads(
            stripped, object_pairs_hook=JsonObject, parse_constant=_reject_constant
        )
    except json.JSONDecodeError as exc:
        line, column = _original_position(text, positions, exc.pos)
        raise ConfigError(f"{source}:{line}:{column}: {exc.msg}") from None
    except ValueError as exc:
        raise ConfigError(f"{source}: Error parsing the config JSON: {exc}") from None
    except RecursionError:
        raise _too_many_levels(source) from None
    if not isinstance(document, JsonObject):
        raise ConfigError(f"{source}: The root of the config JSON document has to be an Object")
    if _too_deep(document):
        raise _too_many_levels(source)
    return document


def _too_many_levels(source: str) -> ConfigError:
    return ConfigError(
        f"{source}: Error validating the config JSON: Configuration has too many nesting levels!"
    )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _strip_comments(text: str) -> tuple[str, int, tuple[list[int], list[int]]]:
    """osquery's stripConfigComments: (text to parse, osquery's size of it, offset map)."""
    # Comment lines are emptied rather than removed and every piece of the stripped text records
    # where it came from, so errors name the original line and column. The size is counted as
    # osquery counts it: trimmed kept lines, each with its newline.
    out: list[str] = []
    out_starts: list[int] = []
    orig_starts: list[int] = []
    out_length = size = offset = 0
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        if index:
            # The newline closing the previous logical line.
            out_starts.append(out_length)
            orig_starts.append(offset - 1)
            out.append("\n")
            out_length += 1
        pieces: list[tuple[int, str]] = []
        while True:
            line = lines[index]
            index += 1
            start, offset = offset, offset + len(line) + 1
            if line.endswith("\\") and index < len(lines):
                pieces.append((start, line[:-1]))
                continue
            pieces.append((start, line))
            break
        trimmed = "".join(piece for _, piece in pieces).strip(SPACE)
        if trimmed.startswith(("#", "//")):
            continue
        size += len(trimmed.encode("utf-8")) + 1
        for start, piece in pieces:
            out_starts.append(out_length)
            orig_starts.append(start)
            out.append(piece)
            out_length += len(piece)
    return "".join(out), size, (out_starts, orig_starts)


def _original_position(
    text: str, positions: tuple[list[int], list[int]], offset: int
) -> tuple[int, int]:
    """The 1-based line and column in the original text of an offset in the stripped text."""
    out_starts, orig_starts = positions
    index = bisect_right(out_starts, offset) - 1
    original = orig_starts[index] + offset - out_starts[index] if index >= 0 else offset
    original = min(original, len(text))
    line = text.count("\n", 0, original) + 1
    column = original - (text.rfind("\n", 0, original) + 1) + 1
    return line, column


def _too_deep(document: Any) -> bool:
    """osquery's validateConfig: no value may sit MAX_CONFIG_DEPTH levels below the root."""
    stack = [(document, 0)]
    while stack:
        node, level = stack.pop()
        if level >= MAX_CONFIG_DEPTH:
            return True
        if isinstance(node, dict):
            stack.extend((value, level + 1) for value in node.values())
        elif isinstance(node, list):
            stack.extend((value, level + 1) for value in node)
    return False
