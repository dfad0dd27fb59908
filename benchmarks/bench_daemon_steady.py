"""hostqld steady state: worker RSS and CPU over 5 minutes, against osquery's watchdog limits.

The default packs plus a 20-query schedule at 10-60 s intervals. Targets from the issue:
RSS < 60 MB and CPU < 1% of one core, i.e. <= 0.3x and <= 0.1x of osquery's own watchdog
limits (200 MB, 10%), which are the reference figures printed beside ours.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import report

from hostql.packs import pack_path

SECONDS = int(os.environ.get("HOSTQL_BENCH_STEADY_SECONDS", "300"))
TICKS = os.sysconf("SC_CLK_TCK")
QUERIES = [
    "select pid, name, resident_size from processes",
    "select * from listening_ports",
    "select * from users",
    "select * from groups",
    "select * from mounts",
    "select * from interface_addresses",
    "select * from routes",
    "select * from etc_hosts",
    "select * from uptime",
    "select * from os_version",
    "select * from kernel_info",
    "select * from system_info",
    "select * from arp_cache",
    "select * from dns_resolvers",
    "select * from process_open_sockets",
    "select * from load_average",
    "select * from memory_info",
    "select * from cpu_time",
    "select path, sha256 from hash where path in ('/etc/passwd', '/etc/group', '/etc/hosts')",
    "select * from crontab",
]


def sample(pid: int) -> tuple[int, int]:
    """(cpu ticks, rss bytes) of pid."""
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    rss_kb = next(
        int(line.split()[1])
        for line in Path(f"/proc/{pid}/status").read_text().splitlines()
        if line.startswith("VmRSS:")
    )
    return int(stat[11]) + int(stat[12]), rss_kb * 1024


def main() -> None:
    """Run hostqld, sample it every 5 s, report peak RSS and mean CPU."""
    work = Path(tempfile.mkdtemp(prefix="hostql-steady-"))
    packs = {name: str(pack_path(name)) for name in ("monitoring", "host-baseline")}
    schedule = {
        f"q{i:02d}": {"query": sql, "interval": 10 + (i * 50) // (len(QUERIES) - 1)}
        for i, sql in enumerate(QUERIES)
    }
    (work / "hostql.conf").write_text(json.dumps({"schedule": schedule, "packs": packs}))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hostql",
            "daemon",
            f"--config_path={work / 'hostql.conf'}",
            f"--database_path={work / 'db'}",
            f"--logger_path={work / 'log'}",
            f"--pidfile={work / 'pid'}",
            "--disable_watchdog",
            "--disable_extensions",
            "--logger_min_stderr=2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(5)  # start-up is not steady state
        start_ticks, _ = sample(proc.pid)
        started = time.monotonic()
        peak = 0
        while time.monotonic() - started < SECONDS:
            time.sleep(5)
            _, rss = sample(proc.pid)
            peak = max(peak, rss)
        ticks, rss = sample(proc.pid)
        elapsed = time.monotonic() - started
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    cpu_percent = (ticks - start_ticks) / TICKS / elapsed * 100
    mb = peak / 2**20
    report(
        f"daemon steady state: peak worker RSS ({SECONDS} s)",
        mb,
        200.0,
        "<= 0.3",
        "osquery's watchdog memory limit, 200 MB",
        f"{mb:.1f} MB; target < 60 MB",
        unit="MB",
    )
    report(
        f"daemon steady state: CPU of one core ({SECONDS} s)",
        cpu_percent,
        10.0,
        "<= 0.1",
        "osquery's watchdog CPU limit, 10%",
        f"{cpu_percent:.2f}%; target < 1%",
        unit="%",
    )


if __name__ == "__main__":
    main()
