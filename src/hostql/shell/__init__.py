"""hostqli, the osqueryi-compatible shell: `main(values, positional)` runs it after flag parsing."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hostql.flags import FlagValues

__all__ = ["main"]


def main(values: FlagValues, positional: list[str]) -> int:
    """Run the shell with parsed flags and positional arguments; return the exit status."""
    from hostql.shell.inputs import run

    return run(values, positional)
