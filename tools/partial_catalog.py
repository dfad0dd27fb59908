"""Write the catalog and reference docs for only the tables whose modules git tracks (dev tool).

Used while table modules are still being written beside committed ones:
`python tools/partial_catalog.py` after `git add` of the modules to publish.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from hostql.flags import registry
from hostql.reference_docs import flags_page, tables_page
from hostql.registry import TableRegistry, catalog_source, discover_tables


def main() -> None:
    """Regenerate src/hostql/catalog.py and docs/reference from tracked table modules."""
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "src/hostql/tables"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    modules = {p.removeprefix("src/").removesuffix(".py").replace("/", ".") for p in tracked}
    entries = [e for e in discover_tables() if e.module in modules]
    Path("src/hostql/catalog.py").write_text(catalog_source(entries))
    tables = TableRegistry(entries)
    Path("docs/reference/tables.md").write_text(tables_page(tables.specs()))
    Path("docs/reference/flags.md").write_text(flags_page(registry()))


if __name__ == "__main__":
    main()
