"""Which tables exist: name -> spec, loaded lazily from the generated catalog or added directly."""
# The catalog (hostql/catalog.py) is generated from the table modules by discover_tables().

from __future__ import annotations

import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from typing import Any

    from hostql.schema import TableSpec

LINUX = "linux"


class CatalogEntry:
    """Where a table's spec lives, and the facts needed before importing it."""

    __slots__ = ("aliases", "evented", "module", "name", "platforms")

    def __init__(
        self,
        name: str,
        module: str,
        aliases: tuple[str, ...] = (),
        platforms: tuple[str, ...] = (LINUX,),
        evented: bool = False,
    ) -> None:
        self.name = name
        self.module = module
        self.aliases = aliases
        self.platforms = platforms
        self.evented = evented

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CatalogEntry) and self.fields() == other.fields()

    def __hash__(self) -> int:
        return hash(self.fields())

    def fields(self) -> tuple[str, str, tuple[str, ...], tuple[str, ...], bool]:
        """The entry as a plain tuple."""
        return (self.name, self.module, self.aliases, self.platforms, self.evented)


class TableRegistry:
    """The tables of one engine: catalog entries (imported on first use) and direct specs."""

    def __init__(self, entries: Iterable[CatalogEntry] = (), platform: str = LINUX) -> None:
        self.platform = platform
        self._entries: dict[str, CatalogEntry] = {}
        self._specs: dict[str, TableSpec] = {}
        self.origins: dict[str, str] = {}
        for entry in entries:
            if platform in entry.platforms:
                self._entries[entry.name] = entry
                self.origins[entry.name] = "core"
        # Entry-point plugins: loaded on first full listing or unknown name (see load_plugins).
        self.plugins: list[Plugin] = []
        self.problems: list[str] = []
        self._plugin_source: Callable[[], list[Plugin]] | None = None

    def add(self, spec: TableSpec, origin: str = "core") -> None:
        """Register a table spec directly (plugins, extensions, tests)."""
        self._specs[spec.name] = spec
        self._entries[spec.name] = CatalogEntry(
            spec.name, "", spec.aliases, spec.platforms, spec.evented
        )
        self.origins[spec.name] = origin

    def remove(self, name: str) -> None:
        """Forget a table (an extension that went away)."""
        self._specs.pop(name, None)
        self._entries.pop(name, None)
        self.origins.pop(name, None)

    def names(self) -> list[str]:
        """Every table name, sorted (loading pending entry-point plugins first)."""
        self.load_plugins()
        return self.known_names()

    def known_names(self) -> list[str]:
        """The table names known so far, sorted, without loading plugins."""
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[CatalogEntry]:
        return iter(self._entries[name] for name in self.names())

    def entry(self, name: str) -> CatalogEntry:
        """The catalog entry of a table."""
        return self._entries[name]

    def aliases(self) -> dict[str, str]:
        """Table alias -> table (osquery creates each alias as a view)."""
        return {a: e.name for e in self._entries.values() for a in e.aliases}

    def spec(self, name: str) -> TableSpec:
        """The spec of a table, importing its module on first use."""
        spec = self._specs.get(name)
        if spec is None:
            from hostql.schema import TableSpec

            entry = self._entries[name]
            spec = getattr(importlib.import_module(entry.module), name)
            if not isinstance(spec, TableSpec):
                raise TypeError(f"{entry.module}.{name} is not a TableSpec")
            self._specs[name] = spec
        return spec

    def specs(self) -> Iterator[TableSpec]:
        """Every spec, importing all table modules."""
        return (self.spec(name) for name in self.names())

    # -- entry-point plugins ----------------------------------------------------------------

    def defer_plugins(self, source: Callable[[], list[Plugin]]) -> None:
        """Load plugins from source (e.g. entry_point_plugins) the first time they are needed."""
        self._plugin_source = source

    def load_plugins(self) -> list[Plugin]:
        """Load the deferred plugins once and add their tables; the plugins loaded."""
        source, self._plugin_source = self._plugin_source, None
        if source is not None:
            self.plugins = source()
            for plugin in self.plugins:
                self._add_plugin_tables(plugin)
        return self.plugins

    def take_problems(self) -> list[str]:
        """Return and clear the plugin failures recorded since the last call."""
        taken, self.problems = self.problems, []
        return taken

    def _add_plugin_tables(self, plugin: Plugin) -> None:
        if plugin.error:
            self.problems.append(f"Plugin {plugin.label} failed to load: {plugin.error}")
            return
        from hostql.schema import TableSpec
        from hostql.sql.plugin_rows import guard_plugin_table

        for hook in plugin.unknown_hooks():
            self.problems.append(f"Plugin {plugin.label}: {hook} is not a hostql hook (ignored)")
        specs, error = plugin.call(TABLES_HOOK)
        if error:
            self.problems.append(error)
        for spec in specs or ():
            if not isinstance(spec, TableSpec) or spec.generator is None:
                self.problems.append(
                    f"Plugin {plugin.label}: {TABLES_HOOK}() gave {spec!r}, not an @table spec"
                )
            elif spec.name in self._entries:
                owner = self.origins.get(spec.name, "core")
                self.problems.append(
                    f"Plugin {plugin.label}: table {spec.name} is already provided by {owner}; "
                    "the plugin's table is ignored"
                )
            elif self.platform in spec.platforms:
                self.add(guard_plugin_table(spec, plugin.label), plugin.origin)


def builtin_registry(platform: str = LINUX) -> TableRegistry:
    """The built-in tables, from the generated catalog (no table module is imported)."""
    from hostql.catalog import CATALOG

    return TableRegistry(
        (CatalogEntry(name, *fields) for name, fields in CATALOG.items()), platform
    )


def default_registry(platform: str = LINUX, *, plugins: bool = True) -> TableRegistry:
    """The built-in tables, then (when first needed) those of the "hostql" entry points."""
    registry = builtin_registry(platform)
    if plugins:
        registry.defer_plugins(entry_point_plugins)
    return registry


def discover_tables(package: str = "hostql.tables") -> list[CatalogEntry]:
    """Import every table module under package and describe its specs (builds the catalog)."""
    import pkgutil

    from hostql.schema import TableSpec

    found: list[CatalogEntry] = []
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        if info.ispkg:
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, TableSpec)
                and value.generator is not None
                and (value.generator.__module__ == info.name)
            ):
                found.append(
                    CatalogEntry(
                        value.name, info.name, value.aliases, value.platforms, value.evented
                    )
                )
    return sorted(found, key=lambda e: e.name)


def catalog_source(entries: Iterable[CatalogEntry]) -> str:
    """The text of hostql/catalog.py for entries."""
    lines = [
        '"""Generated by `make catalog` from the table modules: do not edit by hand."""',
        "",
        "# fmt: off",
        "CATALOG: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], bool]] = {",
    ]
    for e in entries:
        lines.append(
            f"    {e.name!r}: ({e.module!r}, {e.aliases!r}, {e.platforms!r}, {e.evented!r}),"
        )
    lines.append("}")
    lines.append("# fmt: on")
    return "\n".join(lines).replace("'", '"') + "\n"


# -- plugins from the "hostql" entry-point group ------------------------------------------
# A plugin is whatever one entry point names (usually a module); it contributes through the
# hooks below, each a zero-argument callable attribute. hostql.plugins.hookspecs documents
# what each returns; the registry itself calls only the tables hook.

ENTRY_POINT_GROUP = "hostql"
TABLES_HOOK = "hostql_tables"
SQL_FUNCTIONS_HOOK = "hostql_sql_functions"
# hook -> the osquery registry its items are listed under in osquery_registry.
HOOK_REGISTRIES: dict[str, str] = {
    TABLES_HOOK: "table",
    "hostql_loggers": "logger",
    "hostql_config_plugins": "config",
    "hostql_distributed_plugins": "distributed",
    "hostql_event_publishers": "event_publisher",
    SQL_FUNCTIONS_HOOK: "sql_function",
}
_LOADED: dict[str, list[Plugin]] = {}


class Plugin:
    """One entry point of the hostql group: the object it names, or why it did not load."""

    def __init__(
        self,
        name: str,
        value: str,
        target: Any = None,
        *,
        dist: str = "",
        version: str = "",
        error: str = "",
    ) -> None:
        self.name = name
        self.value = value
        self.target = target
        self.dist = dist
        self.version = version
        self.error = error
        self._results: dict[str, tuple[Any, str]] = {}

    def __repr__(self) -> str:
        return f"Plugin({self.name!r}, {self.value!r})"

    @property
    def label(self) -> str:
        """How messages name the plugin: entry point, distribution and version."""
        owner = " ".join(part for part in (self.dist, self.version) if part)
        return f"{self.name} [{owner}]" if owner else self.name

    @property
    def origin(self) -> str:
        """The origin recorded for its tables (TableRegistry.origins)."""
        return f"entry_point:{self.name}"

    @property
    def uuid(self) -> int:
        """A stable id for osquery_extensions.uuid (above the 1-65535 of Thrift extensions)."""
        import zlib

        return zlib.crc32(f"{self.dist}:{self.name}".encode()) & 0x7FFFFFFF | 0x10000

    @property
    def path(self) -> str:
        """The file that defines the plugin (osquery's library path of a module)."""
        import sys

        module = self.target
        if not hasattr(module, "__file__"):
            module = sys.modules.get(getattr(module, "__module__", ""), None)
        return str(getattr(module, "__file__", "") or self.value)

    def unknown_hooks(self) -> list[str]:
        """Attributes that look like hooks but are none (usually a typo)."""
        return sorted(
            n for n in dir(self.target) if n.startswith("hostql_") and n not in HOOK_REGISTRIES
        )

    def call(self, hook: str) -> tuple[Any, str]:
        """The hook's result (a dict or list; None if absent) and "" or a one-line failure."""
        cached = self._results.get(hook)
        if cached is not None:
            return cached
        function = getattr(self.target, hook, None) if not self.error else None
        outcome: tuple[Any, str] = (None, "")
        if function is not None:
            try:
                result = function()
                outcome = (dict(result) if hasattr(result, "keys") else list(result), "")
            except Exception as exc:  # a plugin's bug is reported, never raised into hostql
                outcome = (None, f"Plugin {self.label}: {hook}() failed: {one_line(exc)}")
        self._results[hook] = outcome
        return outcome

    def provided(self) -> list[tuple[str, str]]:
        """(osquery registry, item name) of every hook called so far."""
        found = []
        for hook, (result, _error) in self._results.items():
            registry = HOOK_REGISTRIES.get(hook)
            for item in result or ():
                name = item if isinstance(item, str) else getattr(item, "name", "")
                if registry and name:
                    found.append((registry, name))
        return found


def entry_point_plugins(group: str = ENTRY_POINT_GROUP) -> list[Plugin]:
    """Every entry point of group, loaded once per process; a failure is kept, not raised."""
    cached = _LOADED.get(group)
    if cached is not None:
        return cached
    # importlib.metadata costs ~40 ms to import: paid only when plugins are needed.
    from importlib.metadata import entry_points

    found: dict[str, Plugin] = {}
    for point in entry_points(group=group):
        if point.name in found:
            continue  # the first on sys.path wins, as for any other entry point
        dist = point.dist
        plugin = Plugin(
            point.name,
            point.value,
            dist=dist.name if dist is not None else "",
            version=dist.version if dist is not None else "",
        )
        try:
            plugin.target = point.load()
        except Exception as exc:  # a broken plugin must not stop hostql (SyntaxError included)
            plugin.error = one_line(exc)
        found[point.name] = plugin
    cached = _LOADED[group] = [found[name] for name in sorted(found)]
    return cached


def forget_entry_point_plugins() -> None:
    """Discover entry points afresh on the next call (after installing a plugin in-process)."""
    _LOADED.clear()


def one_line(exc: BaseException) -> str:
    """exc as one line: its type, then its message with whitespace collapsed."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
