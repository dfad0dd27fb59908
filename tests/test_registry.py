"""The generated catalog and reference docs stay in step with the table modules and flags."""

from __future__ import annotations

from pathlib import Path

from hostql.catalog import CATALOG
from hostql.flags import registry
from hostql.reference_docs import flags_page, tables_page
from hostql.registry import CatalogEntry, builtin_registry, discover_tables

DOCS = Path(__file__).resolve().parents[1] / "docs" / "reference"


def test_catalog_is_current() -> None:
    found = {e.name: (e.module, e.aliases, e.platforms, e.evented) for e in discover_tables()}
    assert found == CATALOG, "run `make catalog`"


def test_table_modules_are_named_after_their_table() -> None:
    for entry in discover_tables():
        assert entry.module.rsplit(".", 1)[1] == entry.name


def test_docs_are_current() -> None:
    specs = list(builtin_registry().specs())
    assert (DOCS / "tables.md").read_text() == tables_page(specs), "run `make docs`"
    assert (DOCS / "flags.md").read_text() == flags_page(registry()), "run `make docs`"


def test_alias_views(tmp_path: Path) -> None:
    registry_ = builtin_registry()
    aliases = registry_.aliases()
    for alias, target in aliases.items():
        assert alias not in registry_
        assert target in registry_


def test_entries_filter_by_platform() -> None:
    from hostql.registry import TableRegistry

    entries = [CatalogEntry("a", "m.a", (), ("linux",)), CatalogEntry("b", "m.b", (), ("macos",))]
    assert TableRegistry(entries).names() == ["a"]
    assert TableRegistry(entries, platform="macos").names() == ["b"]
