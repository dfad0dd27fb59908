"""yara_file: on-demand YARA scans of files with configured or given signatures."""

from __future__ import annotations

import time
from collections.abc import Iterator

from hostql.host.files import text_path
from hostql.host.yara import YaraError
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext
from hostql.tables.yara.signatures import match_columns, signatures


@table(
    "yara_file",
    "Triggers one-off YARA query for files at the specified path. Additionally requires one "
    "of `sig_group`, `sigfile`, or `sigrule`.",
    platforms=(LINUX, MACOS, WINDOWS),
    aliases=("yara",),
    examples=(
        "select * from yara_file where path = '/etc/passwd' "
        "and sigrule = 'rule always_true { condition: true }'",
        "select path, matches from yara_file where path LIKE '/etc/host%' "
        "and sigrule = 'rule hosts { strings: $a = \"localhost\" condition: $a }'",
    ),
    notes="Scans each path = value and each regular file a LIKE pattern ('%' one level, "
    "'%%' recursive) names, once per signature: sig_group (the config's yara signatures, "
    "see hostql.tables.yara.set_yara_config), sigfile (relative to /etc/osquery/yara/), "
    "sigrule, or sigurl (only URLs the config's yara signature_urls allow). Compiled "
    "signature files are cached until their mtime changes. --yara_delay ms pass after each "
    "scan. pid_with_namespace = N scans paths inside that process's root (= paths only).",
    columns=[
        Column("path", TEXT, "The path scanned", required=True, index=True),
        Column("matches", TEXT, "List of YARA matches"),
        Column("count", INTEGER, "Number of YARA matches"),
        Column("sig_group", TEXT, "Signature group used", additional=True),
        Column("sigfile", TEXT, "Signature file used", additional=True),
        Column("sigrule", TEXT, "Signature strings used", hidden=True, additional=True),
        Column("strings", TEXT, "Matching strings"),
        Column("tags", TEXT, "Matching tags"),
        Column("sigurl", TEXT, "Signature url", hidden=True, additional=True),
        Column(
            "pid_with_namespace",
            INTEGER,
            "Pids that contain a namespace",
            hidden=True,
            additional=True,
            platforms=("linux",),
        ),
    ],
)
def yara_file(ctx: QueryContext) -> Iterator[Row]:
    """A row per (path, signature) whose scan completed."""
    compiled = signatures(ctx)
    if not compiled:
        return
    delay = int(ctx.flags["yara_delay"]) / 1000
    scanner = ctx.host.yara
    for namespace, path in _targets(ctx):
        scanned = f"/proc/{namespace}/root{path}" if namespace is not None else path
        for signature in compiled:
            try:
                matches = scanner.scan_file(signature.rules, scanned)
            except YaraError:
                continue  # unreadable, gone, or not a file: osquery gives no row
            finally:
                if delay:
                    time.sleep(delay)
            row = {"path": text_path(path), **match_columns(signature, matches)}
            if namespace is not None:
                row["pid_with_namespace"] = namespace
            yield row


def _targets(ctx: QueryContext) -> list[tuple[int | None, str]]:
    """(namespace pid or None, path) pairs: = paths as given, LIKE patterns' regular files."""
    namespaces = sorted(int(n) for n in ctx.equals("pid_with_namespace") or () if _is_int(n))
    paths = {str(p) for p in ctx.equals("path") or ()}
    if namespaces:
        return [(n, p) for n in namespaces for p in sorted(paths)]
    files, scanner = ctx.host.files, ctx.host.yara
    for pattern in ctx.patterns("path"):
        for found, real, entry in files.expand(pattern):
            if not found.endswith("/") and files.is_regular(real, entry) and scanner.readable(real):
                paths.add(found)
    return [(None, p) for p in sorted(paths)]


def _is_int(value: object) -> bool:
    try:
        int(str(value))
    except ValueError:
        return False
    return True
