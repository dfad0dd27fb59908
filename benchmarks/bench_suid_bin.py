"""suid_bin vs find(1) over the same fixed directories osquery scans."""

from __future__ import annotations

from harness import best_of, report, run_command

from hostql.host.setid import SEARCH_PATHS
from hostql.sql.engine import Engine
from hostql.tables.system.suid_bin import suid_bin

QUERY = "select * from suid_bin"


def main() -> None:
    """Time SELECT * FROM suid_bin in-process against `find -H <dirs> -perm -4000`."""
    engine = Engine()
    if "suid_bin" not in engine.tables:
        engine.add_table(suid_bin)
    engine.query(QUERY)
    ours = best_of(lambda: engine.query(QUERY), repeat=7)
    # -H walks through a root that is a symlink (/bin -> usr/bin on merged-/usr), as osquery.
    reference = best_of(run_command(["find", "-H", *SEARCH_PATHS, "-perm", "-4000"]), repeat=7)
    report(
        "suid_bin: select *",
        ours,
        reference,
        "<= 2.0",
        "find -H " + " ".join(SEARCH_PATHS) + " -perm -4000",
        note="both walk osquery's fixed kBinarySearchPaths (suid_bin.cpp) recursively and stat "
        "every entry; ours also follows file symlinks, reads set-gid files and resolves owner "
        "names; find runs as a subprocess (fork/exec included)",
    )


if __name__ == "__main__":
    main()
