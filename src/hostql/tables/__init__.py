"""Built-in tables: one module per table, grouped by domain as osquery does."""

from __future__ import annotations

import sys
import types

from hostql.schema import TableSpec


class _TablesPackage(types.ModuleType):
    """Importing a table module binds this package to `hostql.tables`, shadowing the API
    function of that name; calling the package keeps `hostql.tables()` working."""

    def __call__(self) -> list[TableSpec]:
        from hostql.registry import builtin_registry

        return list(builtin_registry().specs())


sys.modules[__name__].__class__ = _TablesPackage
