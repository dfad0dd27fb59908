"""Flag declarations and the values they take: typed parsing shared by argv, flagfile and config."""

from __future__ import annotations

from hostql.errors import FlagError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import Any

# Plain slotted classes rather than enums and dataclasses: flags are read on every start,
# and those modules would multiply hostqli's start-up time.


class FlagType:
    """A gflags value type, named as osquery's flags JSON names it."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"FlagType({self.value!r})"


class FlagKind:
    """Where a flag may be set (osquery's FLAG, CLI_FLAG, HIDDEN_FLAG, SHELL_FLAG)."""

    __slots__ = ("value",)
    OPTION: FlagKind
    CLI: FlagKind
    HIDDEN: FlagKind
    SHELL: FlagKind

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"FlagKind({self.value!r})"


BOOL = FlagType("bool")
STRING = FlagType("string")
INT32 = FlagType("int32")
UINT32 = FlagType("uint32")
UINT64 = FlagType("uint64")
OPTION = FlagKind.OPTION = FlagKind("FLAG")
CLI = FlagKind.CLI = FlagKind("CLI_FLAG")
HIDDEN = FlagKind.HIDDEN = FlagKind("HIDDEN_FLAG")
SHELL = FlagKind.SHELL = FlagKind("SHELL_FLAG")

_INT_RANGES = {
    INT32: (-(2**31), 2**31 - 1),
    UINT32: (0, 2**32 - 1),
    UINT64: (0, 2**64 - 1),
}
_TRUE = {"1", "t", "true", "y", "yes"}
_FALSE = {"0", "f", "false", "n", "no"}


class Flag:
    """One declared flag (immutable by convention; declared once in flags/declared.py)."""

    __slots__ = ("aliases", "cli_only", "default", "description", "kind", "name", "type")

    def __init__(
        self,
        name: str,
        type: FlagType,
        default: Any,
        kind: FlagKind,
        description: str,
        aliases: tuple[str, ...] = (),
        cli_only: bool = False,
    ) -> None:
        self.name = name
        self.type = type
        self.default = default
        self.kind = kind
        self.description = description
        self.aliases = aliases
        self.cli_only = cli_only

    def __repr__(self) -> str:
        return f"Flag({self.name!r}, {self.type.value}, {self.default!r}, {self.kind.value})"

    @property
    def startup_only(self) -> bool:
        """CLI-only flags cannot be changed by a config's options."""
        return self.kind is CLI or self.cli_only

    @property
    def shell_only(self) -> bool:
        """Whether only hostqli reads this flag."""
        return self.kind is SHELL

    def parse(self, text: str) -> Any:
        """The typed value of text for this flag; FlagError names the flag if it is malformed."""
        if self.type is BOOL:
            lowered = text.strip().lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            raise FlagError(f"illegal value '{text}' specified for bool flag '{self.name}'")
        if self.type is STRING:
            return text
        try:
            number = int(text.strip(), 10)
        except ValueError:
            raise FlagError(
                f"illegal value '{text}' specified for {self.type.value} flag '{self.name}'"
            ) from None
        low, high = _INT_RANGES[self.type]
        if not low <= number <= high:
            raise FlagError(
                f"value '{text}' is out of range for {self.type.value} flag '{self.name}'"
            )
        return number

    def render(self, value: Any) -> str:
        """The text form osquery shows for a value (osquery_flags, --help)."""
        if self.type is BOOL:
            return "true" if value else "false"
        return str(value)


class FlagRegistry:
    """The declared flags, looked up by name or alias."""

    def __init__(self, flags: Iterable[Flag]) -> None:
        self._flags: dict[str, Flag] = {}
        self._aliases: dict[str, str] = {}
        for flag in flags:
            if flag.name in self._flags:
                raise ValueError(f"flag declared twice: {flag.name}")
            self._flags[flag.name] = flag
            for alias in flag.aliases:
                self._aliases[alias] = flag.name

    def __iter__(self) -> Iterator[Flag]:
        return iter(sorted(self._flags.values(), key=lambda f: f.name))

    def __len__(self) -> int:
        return len(self._flags)

    def __contains__(self, name: object) -> bool:
        return name in self._flags or name in self._aliases

    def lookup(self, name: str) -> Flag | None:
        """The flag called name (or aliased so), or None."""
        return self._flags.get(self._aliases.get(name, name))


class FlagValues:
    """Current values of every flag: defaults overlaid by what was set, remembering the source."""

    def __init__(self, registry: FlagRegistry, overrides: dict[str, Any] | None = None) -> None:
        self.registry = registry
        self._values: dict[str, Any] = {}
        self.sources: dict[str, str] = {}
        # custom_* options from a config are stored and shown in osquery_flags.
        self.custom: dict[str, str] = {}
        for name, value in (overrides or {}).items():
            self.set(name, value, "api")

    def __getitem__(self, name: str) -> Any:
        value = self._values.get(name)
        if value is not None:
            return value
        flag = self.registry.lookup(name)
        if flag is None:
            raise KeyError(name)
        return self._values.get(flag.name, flag.default)

    def get(self, name: str, default: Any = None) -> Any:
        """The value of name, or default when no such flag is declared."""
        try:
            return self[name]
        except KeyError:
            return default

    def set(self, name: str, value: Any, source: str = "api") -> None:
        """Set a flag to a typed value or its text form; FlagError if unknown or malformed."""
        flag = self.registry.lookup(name)
        if flag is None:
            raise FlagError(f"unknown command line flag '{name}'")
        if isinstance(value, str) and flag.type is not STRING:
            value = flag.parse(value)
        elif flag.type is BOOL:
            value = bool(value)
        elif flag.type is not STRING:
            value = flag.parse(str(value))
        self._values[flag.name] = value
        self.sources[flag.name] = source

    def is_set(self, name: str) -> bool:
        """Whether name was set explicitly (not left at its default)."""
        flag = self.registry.lookup(name)
        return flag is not None and flag.name in self._values

    def copy(self) -> FlagValues:
        """An independent copy of these values."""
        other = FlagValues(self.registry)
        other._values = dict(self._values)
        other.sources = dict(self.sources)
        other.custom = dict(self.custom)
        return other
