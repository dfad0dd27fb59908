"""Every --flag hostql accepts, declared once, and the gflags-compatible ways to set them."""

from __future__ import annotations

from hostql.flags.model import Flag, FlagKind, FlagRegistry, FlagType, FlagValues
from hostql.flags.parse import parse_args, read_flagfile

__all__ = [
    "Flag",
    "FlagKind",
    "FlagRegistry",
    "FlagType",
    "FlagValues",
    "default_values",
    "parse_args",
    "read_flagfile",
    "registry",
]


_registry: FlagRegistry | None = None


def registry() -> FlagRegistry:
    """The registry of every declared flag."""
    global _registry
    if _registry is None:
        from hostql.flags.declared import DECLARED, HOSTQL_ONLY

        _registry = FlagRegistry(DECLARED + HOSTQL_ONLY)
    return _registry


def default_values() -> FlagValues:
    """A fresh set of values, every flag at its default."""
    return FlagValues(registry())
