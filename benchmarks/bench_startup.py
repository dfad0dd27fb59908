"""Startup: `hostqli --json "select 1"` vs `python3 -c pass` (target <= 3x)."""

from __future__ import annotations

import compileall
import os
import sys
from pathlib import Path

from harness import best_of, report, run_command

HOSTQLI = str(Path(sys.executable).with_name("hostqli"))


def main() -> None:
    """Time both commands (best of 15) and report the ratio."""
    # A wheel install compiles bytecode; an editable checkout may not have it yet.
    compileall.compile_dir(str(Path(__file__).parents[1] / "src" / "hostql"), quiet=1)
    env = dict(os.environ)
    run_command([HOSTQLI, "--json", "select 1"], env=env)()  # warm the page cache
    ours = best_of(run_command([HOSTQLI, "--json", "select 1"], env=env), repeat=15)
    reference = best_of(run_command([sys.executable, "-c", "pass"], env=env), repeat=15)
    report(
        "startup: hostqli --json 'select 1'",
        ours,
        reference,
        "<= 3.0",
        "python3 -c pass",
        "apsw import and engine setup dominate",
    )


if __name__ == "__main__":
    main()
