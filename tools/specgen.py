"""Print the @table(...) declaration of an osquery table from the reference JSON (dev tool).

Usage: python tools/specgen.py REFERENCE_JSON TABLE [TABLE ...]
The output is a starting point for a table module; the module is then the truth.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path


def column_source(col: dict, platforms: list[str] | None = None) -> str:
    """One Column(...) line for a reference column."""
    args = [repr(col["name"]), col["type"].replace(" ", "_"), repr(col.get("description", ""))]
    for flag in ("required", "index", "hidden", "additional", "optimized"):
        if col.get(flag):
            args.append(f"{flag}=True")
    if col.get("collate"):
        args.append(f"collate={col['collate']!r}")
    if col.get("aliases"):
        args.append(f"aliases={tuple(col['aliases'])!r}")
    if platforms:
        args.append(f"platforms={tuple(platforms)!r}")
    return "        Column(" + ", ".join(args) + "),"


def ordered_columns(spec: dict) -> list[tuple[dict, list[str] | None]]:
    """Columns in CREATE TABLE order, foreign (extended_schema) ones included."""
    sql = spec["create_table_sql_on_linux"]
    names = re.findall(r"`([^`]+)` [A-Z]", sql)
    key_text = re.search(r"PRIMARY KEY \(([^)]*)\)", sql)
    keys = set(re.findall(r"`([^`]+)`", key_text.group(1))) if key_text else set()
    own = {c["name"]: c for c in spec["columns"]}
    foreign = {c["name"]: c for c in spec["non_linux_extended_columns"]}
    aliases = {a for c in spec["columns"] for a in c.get("aliases", [])}
    out: list[tuple[dict, list[str] | None]] = []
    for name in names:
        if name in aliases:
            continue
        if name in own:
            c = own[name]
            out.append((c, c.get("extended_schema")))
        else:
            # The reference keeps only name and type of foreign columns; their collation
            # and key membership are read back from the CREATE TABLE text.
            c = dict(foreign[name])
            collate = re.search(rf"`{name}` [A-Z ]+? COLLATE (\w+)", sql)
            if collate:
                c["collate"] = collate.group(1)
            if name in keys and any(o.get("index") for o in spec["columns"]):
                c["additional"] = True
            out.append((c, c["extended_schema"]))
    return out


def table_source(spec: dict) -> str:
    """The decorator text for one table."""
    platform_names = {"linux": "LINUX", "macos": "MACOS", "windows": "WINDOWS"}
    plats = ", ".join(platform_names[p] for p in spec["platforms"])
    lines = ["@table(", f"    {spec['name']!r},", f"    {spec['description']!r},"]
    lines.append(f"    platforms=({plats},),")
    if spec["aliases"]:
        lines.append(f"    aliases={tuple(spec['aliases'])!r},")
    attrs = spec["attributes"]
    if spec["evented"]:
        lines.append("    evented=True,")
    for key in ("cacheable", "utility", "user_data", "no_pkey"):
        if attrs.get(key):
            lines.append(f"    {key}=True,")
    if spec["examples"]:
        lines.append(f"    examples={tuple(spec['examples'])!r},")
    lines.append("    columns=[")
    lines += [column_source(c, p) for c, p in ordered_columns(spec)]
    lines.append("    ],")
    lines.append(")")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Print the declarations of the named tables."""
    reference = json.loads(Path(argv[1]).read_text())
    by_name = {t["name"]: t for t in reference["tables"]}
    for name in argv[2:]:
        print(table_source(by_name[name]))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
