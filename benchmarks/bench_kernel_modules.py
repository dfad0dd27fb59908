"""kernel_modules vs lsmod, both reading the same /proc/modules (and /sys/module)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from harness import best_of, report, run_command

from hostql.sql.engine import Engine
from hostql.tables.system.kernel_modules import kernel_modules

QUERY = "select * from kernel_modules"
_INSIDE = "--inside-namespace"
_FIXTURE_MODULES = 120


def write_fixture() -> None:
    """A /proc/modules and /sys/module of _FIXTURE_MODULES loaded modules (tmpfs mounted)."""
    lines = []
    for number in range(_FIXTURE_MODULES):
        name = f"mod_{number:03d}"
        users = [f"mod_{u:03d}" for u in range(number + 1, min(number + 3, _FIXTURE_MODULES))]
        used_by = "".join(f"{u}," for u in users) or "-"
        size = 16_384 + 4_096 * number
        address = f"0xffffffffc{number:04x}000"
        lines.append(f"{name} {size} {len(users)} {used_by} Live {address}\n")
        directory = f"/sys/module/{name}"
        os.makedirs(f"{directory}/holders")
        for user in users:
            os.makedirs(f"{directory}/holders/{user}")
        for attribute, value in (("refcnt", len(users)), ("coresize", size), ("initstate", "live")):
            with open(f"{directory}/{attribute}", "w") as handle:
                handle.write(f"{value}\n")
    with open("/proc/modules", "w") as handle:
        handle.writelines(lines)


def measure(note: str) -> None:
    """Time the query and lsmod (best of 20) and print the JSON result line."""
    engine = Engine()
    if "kernel_modules" not in engine.tables:
        engine.add_table(kernel_modules)  # catalog not regenerated yet
    rows = len(engine.execute(QUERY).rows)
    ours = best_of(lambda: engine.execute(QUERY), repeat=20)
    reference = best_of(run_command(["lsmod"]), repeat=20)
    engine.close()
    report(
        "kernel_modules_all",
        ours,
        reference,
        "<= 2.0",
        "lsmod (subprocess)",
        f"{rows} rows; {note}",
    )


def main() -> None:
    """Measure on the real modules, or on a fixture where the kernel has no module support."""
    if _INSIDE in sys.argv:
        # A private mount namespace: tmpfs over /proc and /sys/module holds the fixture.
        for target in ("/proc", "/sys/module"):
            subprocess.run(["mount", "-t", "tmpfs", "tmpfs", target], check=True)
        write_fixture()
        measure(f"fixture of {_FIXTURE_MODULES} modules: this kernel has no /proc/modules")
        return
    if os.path.exists("/proc/modules"):
        measure("the live /proc/modules")
        return
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("lsmod") is None:
        sys.exit("no /proc/modules here, and no root + unshare + lsmod to build a fixture")
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", sys.executable, __file__, _INSIDE],
        capture_output=True,
        text=True,
        check=False,
    )
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    sys.exit(done.returncode)


if __name__ == "__main__":
    main()
