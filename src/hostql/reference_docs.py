"""The table and flag reference pages, generated from the registries (python -m ... DIR)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from hostql.flags import FlagRegistry, registry
from hostql.schema import TableSpec


def table_markdown(spec: TableSpec) -> str:
    """The reference section of one table."""
    lines = [f"## {spec.name}", "", spec.description, ""]
    facts = []
    if spec.aliases:
        facts.append("aliases: " + ", ".join(f"`{a}`" for a in spec.aliases))
    facts.append("platforms: " + ", ".join(spec.platforms))
    if spec.evented:
        facts.append("evented")
    lines += ["*" + "; ".join(facts) + "*", ""]
    if spec.notes:
        lines += [spec.notes, ""]
    lines += ["| column | type | description | options |", "|---|---|---|---|"]
    for column in spec.all_columns():
        options = [
            name
            for name in ("required", "index", "additional", "optimized")
            if getattr(column, name)
        ]
        if column.is_hidden:
            options.append("hidden")
        if column.collate:
            options.append(f"collate {column.collate.lower()}")
        if column.hostql_only:
            options.append("hostql only")
        if column.foreign:
            options.append("not on linux (" + ", ".join(column.platforms) + ")")
        description = column.description.replace("|", "\\|")
        lines.append(
            f"| `{column.name}` | {column.type.value} | {description} | {', '.join(options)} |"
        )
    if spec.examples:
        lines += ["", "Examples:", ""]
        lines += [f"```sql\n{example}\n```" for example in spec.examples]
    return "\n".join(lines) + "\n"


def tables_page(specs: Iterable[TableSpec]) -> str:
    """docs/reference/tables.md."""
    specs = sorted(specs, key=lambda s: s.name)
    head = [
        "# Table reference",
        "",
        "Generated from the table specs by `make docs`; do not edit by hand.",
        "",
        f"{len(specs)} tables: " + ", ".join(f"[{s.name}](#{s.name})" for s in specs),
        "",
    ]
    return "\n".join(head) + "\n" + "\n".join(table_markdown(s) for s in specs)


def flags_page(flags: FlagRegistry) -> str:
    """docs/reference/flags.md."""
    lines = [
        "# Flag reference",
        "",
        "Generated from the flag registry by `make docs`; do not edit by hand.",
        "",
        "Kinds: `FLAG` is settable on the command line, in a flagfile and by a config's "
        "`options`; `CLI_FLAG` only at startup; `HIDDEN_FLAG` like `FLAG` but not in "
        "`--help`; `SHELL_FLAG` for hostqli only.",
        "",
        "| flag | type | default | kind | description |",
        "|---|---|---|---|---|",
    ]
    for flag in flags:
        default = flag.render(flag.default)
        aliases = f" (alias: {', '.join(flag.aliases)})" if flag.aliases else ""
        description = flag.description.replace("|", "\\|")
        lines.append(
            f"| `--{flag.name}`{aliases} | {flag.type.value} | `{default}` | "
            f"{flag.kind.value} | {description} |"
        )
    return "\n".join(lines) + "\n"


def write(directory: Path) -> None:
    """Write tables.md and flags.md into directory."""
    from hostql.registry import builtin_registry

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tables.md").write_text(tables_page(builtin_registry().specs()))
    (directory / "flags.md").write_text(flags_page(registry()))


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/reference"))
