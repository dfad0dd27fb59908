"""The HostqlError tree: every expected failure becomes one of these, with a one-line message."""

from __future__ import annotations


class HostqlError(Exception):
    """Base of every error hostql raises on purpose; str() is the one-line message."""

    exit_code: int = 1


class SqlError(HostqlError):
    """A statement failed: syntax, unknown table, authorizer refusal, a table that failed."""


class ConstraintError(SqlError):
    """A table was queried without a constraint it requires."""


class ConfigError(HostqlError):
    """A config could not be read or parsed."""


class FlagError(HostqlError):
    """A command-line flag, flagfile line or option value is unknown or malformed."""


class PluginError(HostqlError):
    """A plugin failed to load or misbehaved."""
