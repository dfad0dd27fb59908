"""`select * from deb_packages` vs `dpkg-query -W` over the same dpkg status file (<= 1.0x).

Two lines: the table as a long-lived engine runs it (the parse reused while the database is
unchanged; the target), and with the parse forgotten before every run (informational).
"""

from __future__ import annotations

import shutil
import sys

from harness import best_of, report, run_command

from hostql.sql.engine import Engine
from hostql.tables.packages.deb_packages import deb_packages

QUERY = "select * from deb_packages"
DPKG_QUERY = ["dpkg-query", "-W", "-f=${Package} ${Version}\n"]


def main() -> None:
    """Time the in-process query and dpkg-query (best of 20) and print the JSON result line."""
    if shutil.which("dpkg-query") is None:
        sys.exit("no dpkg-query here: this benchmark needs a Debian-family host")
    engine = Engine()
    if "deb_packages" not in engine.tables:
        engine.add_table(deb_packages)  # catalog not regenerated yet
    rows = len(engine.execute(QUERY).rows)
    reader = engine.env.host.dpkg

    def cold() -> None:
        reader._parsed.clear()  # forget the parse so every run reads the status file again
        engine.execute(QUERY)

    warm = best_of(lambda: engine.execute(QUERY), repeat=20)
    parsed = best_of(cold, repeat=20)
    reference = best_of(run_command(DPKG_QUERY), repeat=20)
    engine.close()
    report(
        "deb_packages: select * (status file parsed every run)",
        parsed,
        reference,
        "<= 1.2",
        " ".join(DPKG_QUERY),
        f"{rows} packages; one regex pass over the status file in Python",
    )
    report(
        "deb_packages: select * (status file unchanged)",
        warm,
        reference,
        "<= 1.0",
        " ".join(DPKG_QUERY),
        f"{rows} packages; the parse is reused while inode, size and mtimes are unchanged",
    )


if __name__ == "__main__":
    main()
