"""`select count(*) from file where path like '/usr/%%'` vs `find /usr | wc -l` (<= 3x)."""

from __future__ import annotations

from harness import best_of, report, run_command

from hostql.sql.engine import Engine


def main() -> None:
    """Walk /usr recursively both ways (directory cache warm for both)."""
    engine = Engine()
    sql = "select count(*) from file where path like '/usr/%%'"
    count = engine.execute(sql).rows[0][0]
    ours = best_of(lambda: engine.execute(sql), repeat=3)
    reference = best_of(run_command(["sh", "-c", "find /usr | wc -l"]), repeat=3)
    report(
        f"file: count under /usr/%% ({count} paths)",
        ours,
        reference,
        "<= 3.0",
        "find /usr | wc -l",
        "os.scandir walk; stat only for columns the query reads",
    )


if __name__ == "__main__":
    main()
