"""gflags command-line syntax: --name=value, --name value, -name, --noname, --flagfile."""

from __future__ import annotations

from hostql.errors import FlagError
from hostql.flags.model import BOOL

TYPE_CHECKING = False
if TYPE_CHECKING:
    from os import PathLike

    from hostql.flags.model import FlagValues

_MAX_FLAGFILE_DEPTH = 8


def parse_args(argv: list[str], values: FlagValues) -> list[str]:
    """Apply the flags in argv to values; return the positional arguments, in order."""
    positional: list[str] = []
    index = 0
    while index < len(argv):
        arg = argv[index]
        index += 1
        if arg == "--":
            positional.extend(argv[index:])
            break
        body = _flag_body(arg)
        if body is None:
            positional.append(arg)
            continue
        name, sep, text = body.partition("=")
        flag = values.registry.lookup(name)
        if flag is None and name.startswith("no") and not sep:
            negated = values.registry.lookup(name[2:])
            if negated is not None and negated.type is BOOL:
                values.set(negated.name, False, "command line")
                continue
        if flag is None:
            raise FlagError(f"unknown command line flag '{name}'")
        if not sep:
            if flag.type is BOOL:
                text = "true"
            elif index < len(argv):
                text = argv[index]
                index += 1
            else:
                raise FlagError(f"flag '{name}' is missing its argument")
        if flag.name == "flagfile":
            read_flagfile(text, values)
        values.set(flag.name, text, "command line")
    return positional


def read_flagfile(path: str | PathLike[str], values: FlagValues, depth: int = 0) -> None:
    """Apply a flagfile: one --name=value a line, '#' comments and blank lines ignored."""
    if depth > _MAX_FLAGFILE_DEPTH:
        raise FlagError(f"{path}: flagfiles nest deeper than {_MAX_FLAGFILE_DEPTH}")
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError as exc:
        raise FlagError(f"cannot read flagfile {path}: {exc.strerror or exc}") from None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        body = _flag_body(line)
        if body is None:
            raise FlagError(f"{path}:{number}: expected --name=value, got {line!r}")
        name, sep, value = body.partition("=")
        flag = values.registry.lookup(name)
        if flag is None and name.startswith("no") and not sep:
            negated = values.registry.lookup(name[2:])
            if negated is not None and negated.type is BOOL:
                values.set(negated.name, False, f"flagfile {path}")
                continue
        if flag is None:
            raise FlagError(f"{path}:{number}: unknown flag '{name}'")
        if not sep and flag.type is not BOOL:
            raise FlagError(f"{path}:{number}: flag '{name}' is missing its value")
        try:
            if flag.name == "flagfile":
                read_flagfile(value, values, depth + 1)
            values.set(flag.name, value if sep else "true", f"flagfile {path}")
        except FlagError as exc:
            if str(exc).startswith(str(path)):
                raise
            raise FlagError(f"{path}:{number}: {exc}") from None


def _flag_body(arg: str) -> str | None:
    """The name[=value] part of a flag argument, or None if arg is not a flag."""
    if not arg.startswith("-") or arg == "-":
        return None
    body = arg[2:] if arg.startswith("--") else arg[1:]
    name = body.partition("=")[0]
    # A positional query may start with an SQL comment ("-- ...") or a negative number.
    if not name or not (name[0].isalpha() or name[0] == "_"):
        return None
    if not name.replace("_", "a").isalnum() or not name.isascii():
        return None
    return body
