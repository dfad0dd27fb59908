"""Plugins: third-party tables, SQL functions, loggers, config, distributed plugins, publishers.

A package declares one entry point in the ``hostql`` group naming its plugin object (a
module, usually); the plugin defines any of the hooks in hostql.plugins.hookspecs. Nothing
is discovered at start-up: engines load the entry points the first time a query names a
table or function the built-ins lack, or a listing (``.tables``, osquery_registry) needs
them; the daemon loads them when it starts. ``--disable_extensions`` turns them all off.
"""

from __future__ import annotations

from hostql.plugins.hookspecs import ENTRY_POINT_GROUP, HOOKS
from hostql.plugins.manager import PluginManager
from hostql.registry import Plugin, entry_point_plugins

__all__ = ["ENTRY_POINT_GROUP", "HOOKS", "Plugin", "PluginManager", "entry_point_plugins"]
