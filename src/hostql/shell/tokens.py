"""Dot-command parsing as the SQLite shell does it: tokens, C escapes, numbers, booleans, names."""

from __future__ import annotations

from collections.abc import Sequence

MAX_TOKENS = 50
_SPACE = " \t\n\v\f\r"
_OCTAL = "01234567"
_HEX = "0123456789abcdefABCDEF"
_SUFFIXES = (
    ("kib", 1024),
    ("mib", 1024**2),
    ("gib", 1024**3),
    ("kb", 1000),
    ("mb", 1000**2),
    ("gb", 1000**3),
    ("k", 1000),
    ("m", 1000**2),
    ("g", 1000**3),
)
# osquery's tryTo<bool> words (osquery/utils/conversions/tryto.cpp).
_BOOLEAN_WORDS = {
    "1": True,
    "0": False,
    "y": True,
    "yes": True,
    "n": False,
    "no": False,
    "t": True,
    "true": True,
    "f": False,
    "false": False,
    "ok": True,
    "disable": False,
    "enable": True,
    "on": True,
    "off": False,
}


def tokenize(line: str) -> list[str]:
    """Split a dot-command line (leading '.' included) into its command word and arguments."""
    tokens: list[str] = []
    index, end = 1, len(line)
    while index < end and len(tokens) < MAX_TOKENS:
        while index < end and line[index] in _SPACE:
            index += 1
        if index >= end:
            break
        if line[index] in "'\"":
            delimiter = line[index]
            index += 1
            start = index
            while index < end and line[index] != delimiter:
                if line[index] == "\\" and delimiter == '"' and index + 1 < end:
                    index += 1
                index += 1
            token = line[start:index]
            index += 1
            tokens.append(resolve_backslashes(token) if delimiter == '"' else token)
        else:
            start = index
            while index < end and line[index] not in _SPACE:
                index += 1
            tokens.append(resolve_backslashes(line[start:index]))
            index += 1
    return tokens


def resolve_backslashes(text: str) -> str:
    """C-style dequoting: \\n \\t \\r \\\\ and \\NNN octal; other escapes keep their char."""
    out: list[str] = []
    index, end = 0, len(text)
    while index < end:
        char = text[index]
        if char == "\\":
            index += 1
            if index >= end:
                break
            char = text[index]
            if char == "n":
                char = "\n"
            elif char == "t":
                char = "\t"
            elif char == "r":
                char = "\r"
            elif char in _OCTAL:
                value = int(char)
                for _ in range(2):
                    if index + 1 < end and text[index + 1] in _OCTAL:
                        index += 1
                        value = value * 8 + int(text[index])
                    else:
                        break
                # The shell builds the byte in a C char: values past 0xFF wrap.
                char = chr(value & 0xFF)
        out.append(char)
        index += 1
    return "".join(out)


def integer_value(text: str) -> int:
    """The SQLite shell's integerValue: optional sign, decimal or 0x hex, KiB/MB/K-style suffix."""
    negative = text.startswith("-")
    if text[:1] in ("+", "-"):
        text = text[1:]
    value = 0
    index = 0
    if text.startswith("0x"):
        index = 2
        while index < len(text) and text[index] in _HEX:
            value = value * 16 + int(text[index], 16)
            index += 1
    else:
        while index < len(text) and text[index].isascii() and text[index].isdigit():
            value = value * 10 + int(text[index])
            index += 1
    rest = text[index:].lower()
    for suffix, multiplier in _SUFFIXES:
        if rest == suffix:
            value *= multiplier
            break
    return -value if negative else value


def boolean_value(text: str) -> tuple[bool, str | None]:
    """A boolean argument and, when it is not one, the warning osqueryi prints (value: no)."""
    digits = _HEX if text.startswith("0x") else "0123456789"
    start = 2 if text.startswith("0x") else 0
    index = start
    while index < len(text) and text[index] in digits:
        index += 1
    if index > 0 and index == len(text):
        return integer_value(text) & 0xFFFFFFFF != 0, None
    word = _BOOLEAN_WORDS.get(text.lower())
    if word is None:
        return False, f'ERROR: Not a boolean value: "{text}". Assuming "no".'
    return word, None


def command_name(tokens: Sequence[str]) -> str | None:
    """The dot-command tokens name (abbreviations and argument counts as osqueryi checks them)."""
    word = tokens[0]
    size, count, first = len(word), len(tokens), word[:1]

    def abbreviates(name: str) -> bool:
        return name.startswith(word)

    # The order matters: osqueryi tests the commands in this sequence, first match wins.
    checks = (
        ("all", first == "a" and abbreviates("all") and count == 2),
        ("socket", first == "s" and abbreviates("socket") and count == 1),
        ("connect", first == "c" and abbreviates("connect") and count == 2),
        ("disconnect", first == "d" and abbreviates("disconnect") and count == 1),
        ("bail", first == "b" and size >= 3 and abbreviates("bail") and count == 2),
        ("echo", first == "e" and abbreviates("echo") and count == 2),
        ("exit", first == "e" and abbreviates("exit")),
        ("features", first == "f" and abbreviates("features") and count == 1),
        (
            "headers",
            first == "h" and (abbreviates("header") or abbreviates("headers")) and count == 2,
        ),
        ("help", first == "h" and abbreviates("help")),
        ("mode", first == "m" and abbreviates("mode") and count == 2),
        ("nullvalue", first == "n" and abbreviates("nullvalue") and count == 2),
        ("print", first == "p" and size >= 3 and abbreviates("print")),
        ("quit", first == "q" and abbreviates("quit") and count == 1),
        ("schema", first == "s" and abbreviates("schema") and count < 3),
        ("separator", first == "s" and abbreviates("separator") and count == 2),
        ("show", first == "s" and (abbreviates("show") or abbreviates("summary")) and count == 1),
        ("tables", first == "t" and size > 1 and abbreviates("tables") and count < 3),
        ("tables", first == "l" and size > 1 and abbreviates("list") and count < 3),
        ("timeout", first == "t" and size > 4 and abbreviates("timeout") and count == 2),
        ("timer", first == "t" and size >= 5 and abbreviates("timer") and count == 2),
        ("version", first == "v" and abbreviates("version")),
        ("width", first == "w" and abbreviates("width") and count > 1),
        # hostql addition: osqueryi only accepts ".types " as the first word of an input line.
        ("types", first == "t" and size > 1 and abbreviates("types") and count > 1),
    )
    return next((name for name, matches in checks if matches), None)
