"""`select * from python_packages` vs `pip list --format=json` for this interpreter (<= 1.0x)."""

from __future__ import annotations

import sys

from harness import best_of, report, run_command

from hostql.sql.engine import Engine
from hostql.tables.packages.python_packages import python_packages

QUERY = "select * from python_packages"
PIP_LIST = [sys.executable, "-m", "pip", "list", "--format=json"]


def main() -> None:
    """Time the in-process query and pip list (best of 5) and print the JSON result line."""
    engine = Engine()
    if "python_packages" not in engine.tables:
        engine.add_table(python_packages)  # catalog not regenerated yet
    rows = len(engine.execute(QUERY).rows)
    ours = best_of(lambda: engine.execute(QUERY), repeat=5)
    reference = best_of(run_command(PIP_LIST), repeat=5)
    engine.close()
    report(
        "python_packages: select *",
        ours,
        reference,
        "<= 1.0",
        "pip list --format=json (this interpreter)",
        f"{rows} distributions in the system and current user's sites; metadata headers only",
    )


if __name__ == "__main__":
    main()
