"""yara_process: on-demand YARA scans of process memory with configured or given signatures."""

from __future__ import annotations

from collections.abc import Iterator

from hostql.host.yara import YaraError
from hostql.schema import INTEGER, LINUX, MACOS, TEXT, WINDOWS, Column, Row, table
from hostql.sql.context import QueryContext
from hostql.tables.yara.signatures import match_columns, signatures


@table(
    "yara_process",
    "Triggers one-off YARA query for process memory of the specified pid. Additionally "
    "requires one of `sig_group`, `sigfile`, or `sigrule`.",
    platforms=(LINUX, MACOS, WINDOWS),
    examples=(
        "select * from yara_process where pid in (select pid from osquery_info) "
        "and sigrule = 'rule always_true { condition: true }'",
        "select pid, matches, count from yara_process where pid in (select pid from osquery_info) "
        "and sigrule = 'rule named { strings: $a = \"hostql\" condition: $a }'",
    ),
    notes="Scans the memory of each pid = / IN value (live host only; needs root or "
    "ptrace rights over the process) once per signature: sig_group, sigfile, sigrule or "
    "sigurl as in yara_file. A process that is gone or unreadable gives no row.",
    columns=[
        Column("pid", INTEGER, "The pid scanned (process memory)", required=True, index=True),
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
def yara_process(ctx: QueryContext) -> Iterator[Row]:
    """A row per (pid, signature) whose memory scan completed."""
    pids = set()
    for value in ctx.equals("pid") or ():
        try:
            pids.add(int(str(value)))
        except ValueError:
            continue
    if not pids:
        return
    compiled = signatures(ctx)
    scanner = ctx.host.yara
    for pid in sorted(pids):
        for signature in compiled:
            try:
                matches = scanner.scan_process(signature.rules, pid)
            except YaraError:
                continue  # exited, or its memory is not readable
            yield {"pid": pid, **match_columns(signature, matches)}
