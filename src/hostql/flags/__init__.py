"""Every --flag hostql accepts, declared once, and the gflags-compatible ways to set them."""

from __future__ import annotations

from functools import lru_cache

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


@lru_cache(maxsize=1)
def registry() -> FlagRegistry:
    """The registry of every declared flag."""
    from hostql.flags.declared import DECLARED, HOSTQL_ONLY

    return FlagRegistry(DECLARED + HOSTQL_ONLY)


def default_values() -> FlagValues:
    """A fresh set of values, every flag at its default."""
    return FlagValues(registry())
