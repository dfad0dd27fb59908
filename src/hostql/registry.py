"""Which tables exist: name -> spec, loaded lazily from the generated catalog or added directly."""
# The catalog (hostql/catalog.py) is generated from the table modules by discover_tables().

from __future__ import annotations

import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

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
        """Every table name, sorted."""
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


def builtin_registry(platform: str = LINUX) -> TableRegistry:
    """The built-in tables, from the generated catalog (no table module is imported)."""
    from hostql.catalog import CATALOG

    return TableRegistry(
        (CatalogEntry(name, *fields) for name, fields in CATALOG.items()), platform
    )


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
