"""hostqli's side of extensions, kept light: nothing heavy is imported unless it is used."""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hostql.extensions.queries import Describe
    from hostql.extensions.remote import RemoteEngine
    from hostql.extensions.service import ExtensionsService
    from hostql.flags import FlagValues
    from hostql.sql.engine import Engine


def wants_extensions(values: FlagValues) -> bool:
    """osqueryi serves extensions unless disabled; hostqli only when asked, to start fast."""
    if values["disable_extensions"]:
        return False
    return bool(
        values.get("extension")
        or str(values["extensions_require"]).strip()
        or values.is_set("disable_extensions")
        or os.path.isfile(str(values["extensions_autoload"]))
    )


def start(
    values: FlagValues, engine: Engine, describe: Describe | None = None
) -> ExtensionsService | None:
    """The shell's extension manager when wanted (PluginError if it cannot start)."""
    if not wants_extensions(values):
        return None
    from hostql.extensions.service import start_shell

    return start_shell(values, engine, describe)


def connect(path: str, local: Engine) -> RemoteEngine:
    """An engine running SQL in the core listening on path."""
    from hostql.extensions.remote import RemoteEngine

    return RemoteEngine(path, local)
