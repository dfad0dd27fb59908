"""`select * from processes` with ~500 extra sleeping processes vs `ps -eo ...` (<= 2x)."""

from __future__ import annotations

import subprocess

from harness import best_of, report, run_command

from hostql.sql.engine import Engine

SLEEPERS = 500
PS = ["ps", "-eo", "pid,ppid,uid,gid,rss,vsz,stat,etimes,args"]


def main() -> None:
    """Start the sleepers, time both sides, and always end the sleepers we started."""
    sleepers = [subprocess.Popen(["sleep", "600"]) for _ in range(SLEEPERS)]
    try:
        engine = Engine()
        count = engine.execute("select count(*) from processes").rows[0][0]
        ours = best_of(lambda: engine.execute("select * from processes"), repeat=5)
        reference = best_of(run_command(PS), repeat=5)
        report(
            f"processes: select * ({count} processes)",
            ours,
            reference,
            "<= 2.0",
            " ".join(PS),
            "bounded by reading stat, status, cmdline and more per process in Python",
        )
    finally:
        for sleeper in sleepers:
            sleeper.kill()
        for sleeper in sleepers:
            sleeper.wait()


if __name__ == "__main__":
    main()
