"""iptables: libiptc-style chains from kernel x_tables blobs; live check in a network namespace.

The fixtures/iptables_*.{info,entries} blobs are what getsockopt(IPT_SO_GET_INFO/ENTRIES)
returned after `iptables-legacy-restore -c < fixtures/iptables_rules.txt` in a fresh netns.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hostql.host.netfilter import parse_table
from hostql.tables.networking.iptables import iptables
from hostql.testing import engine_for

FIXTURES = Path(__file__).parent / "fixtures"
RULES = FIXTURES / "iptables_rules.txt"


def _blobs(table: str) -> tuple[bytes, bytes] | None:
    info = FIXTURES / f"iptables_{table}.info"
    if not info.exists():
        return None
    return info.read_bytes(), (FIXTURES / f"iptables_{table}.entries").read_bytes()


def _query(root: Path, sql: str = "SELECT * FROM iptables") -> list[dict[str, Any]]:
    (root / "proc" / "net").mkdir(parents=True, exist_ok=True)
    (root / "proc" / "net" / "ip_tables_names").write_text("nat\nfilter\n")
    engine = engine_for(iptables, root=root)
    engine.host.netfilter.fetch = _blobs
    try:
        return engine.query(sql)
    finally:
        engine.close()


def _rule(**values: Any) -> dict[str, Any]:
    row = {
        "filter_name": "filter", "chain": "INPUT", "policy": "DROP", "target": "",
        "protocol": 0, "src_port": "", "dst_port": "", "src_ip": "0.0.0.0",
        "src_mask": "0.0.0.0", "iniface": "all", "iniface_mask": "", "dst_ip": "0.0.0.0",
        "dst_mask": "0.0.0.0", "outiface": "all", "outiface_mask": "", "match": "yes",
        "packets": 5, "bytes": 300,
    }  # fmt: skip
    row.update(values)
    return row


def _chain(table: str, chain: str, policy: str, packets: int, size: int) -> dict[str, Any]:
    row = dict.fromkeys(_rule(), None)
    row.update(filter_name=table, chain=chain, policy=policy, packets=packets, bytes=size)
    return row


def test_rows(tmp_path: Path) -> None:
    mychain = {"chain": "MYCHAIN", "policy": "", "packets": 0, "bytes": 0}
    assert _query(tmp_path) == [
        _chain("nat", "PREROUTING", "ACCEPT", 0, 0),
        _chain("nat", "INPUT", "ACCEPT", 0, 0),
        _chain("nat", "OUTPUT", "ACCEPT", 0, 0),
        _rule(
            filter_name="nat",
            chain="POSTROUTING",
            policy="ACCEPT",
            target="MASQUERADE",
            outiface="eth0",
            outiface_mask="FFFFFFFFFF",
            packets=3,
            bytes=180,
        ),
        _chain("nat", "POSTROUTING", "ACCEPT", 3, 180),
        _rule(
            target="ACCEPT",
            protocol=6,
            src_port="1000:2000",
            dst_port="22:22",
            iniface="eth0",
            iniface_mask="FFFFFFFFFF",
        ),
        _rule(
            target="MYCHAIN",
            src_ip="10.0.0.0",
            src_mask="255.0.0.0",
            iniface="!lo+",
            iniface_mask="FFFF",
        ),
        # '! -p udp': osquery's "!17" is not an INTEGER, so NULL; it is still UDP, so the LOG
        # target's data (level 4, prefix "x") is read as ports.
        _rule(
            target="LOG",
            protocol=None,
            src_port="4:120",
            dst_port="0:0",
            dst_ip="192.168.1.1",
            dst_mask="255.255.255.255",
        ),
        # '-p tcp' without a tcp match: osquery reads the target's verdict (-1) as ports.
        _rule(target="DROP", protocol=6, src_port="65535:65535", dst_port="0:0"),
        _chain("filter", "INPUT", "DROP", 5, 300),
        _chain("filter", "FORWARD", "ACCEPT", 0, 0),
        _chain("filter", "OUTPUT", "ACCEPT", 7, 700),
        _rule(**mychain, target="RETURN", protocol=17, src_port="53:53", dst_port="0:65535"),
        _rule(**mychain, target="ZCHAIN", outiface="eth1", outiface_mask="FFFFFFFFFF"),
        _rule(**mychain),  # no target: falls through
        _chain("filter", "MYCHAIN", "", 0, 0),
        _chain("filter", "ZCHAIN", "", 0, 0),
    ]


def test_filter_name_constraint_reads_one_table(tmp_path: Path) -> None:
    asked: list[str] = []
    (tmp_path / "proc" / "net").mkdir(parents=True)
    (tmp_path / "proc" / "net" / "ip_tables_names").write_text("nat\nfilter\n")
    engine = engine_for(iptables, root=tmp_path)
    engine.host.netfilter.fetch = lambda table: asked.append(table) or _blobs(table)
    rows = engine.query("SELECT DISTINCT chain FROM iptables WHERE filter_name = 'nat'")
    assert [r["chain"] for r in rows] == ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"]
    assert asked == ["nat"]


def test_unreadable_or_corrupt_tables_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "proc" / "net").mkdir(parents=True)
    (tmp_path / "proc" / "net" / "ip_tables_names").write_text("mangle\nfilter\n")
    engine = engine_for(iptables, root=tmp_path)
    info, entries = _blobs("filter")  # type: ignore[misc]
    corrupt = entries[:130] + b"\0\0" + entries[132:]  # first next_offset = 0
    engine.host.netfilter.fetch = lambda table: None if table == "mangle" else (info, corrupt)
    assert engine.query("SELECT * FROM iptables") == []
    assert engine.take_warnings() == ["iptables: could not parse table filter"]


def test_no_table_names_file(tmp_path: Path) -> None:
    engine = engine_for(iptables, root=tmp_path)
    assert engine.query("SELECT * FROM iptables") == []


def test_parse_table_orders_user_chains_by_name() -> None:
    chains = parse_table(*_blobs("filter"))  # type: ignore[misc]
    assert [c.name for c in chains] == ["INPUT", "FORWARD", "OUTPUT", "MYCHAIN", "ZCHAIN"]
    assert [c.builtin for c in chains] == [True, True, True, False, False]


def _save_output(text: str) -> dict[str, Any]:
    """iptables-save -c text -> {table: {chain: (policy, packets, bytes, [rule targets])}}."""
    tables: dict[str, Any] = {}
    for line in text.splitlines():
        if line.startswith("*"):
            current = tables.setdefault(line[1:], {})
        elif line.startswith(":"):
            name, policy, counters = line[1:].split()
            packets, size = counters.strip("[]").split(":")
            current[name] = [None if policy == "-" else policy, int(packets), int(size), []]
        elif line.startswith("["):
            words = line.split()
            chain = words[words.index("-A") + 1]
            target = words[words.index("-j") + 1] if "-j" in words else ""
            current[chain][3].append(target)
    return tables


@pytest.mark.live
def test_live_matches_iptables_legacy_save() -> None:
    tools = ("unshare", "iptables-legacy-restore", "iptables-legacy-save")
    if os.geteuid() != 0 or not all(shutil.which(t) for t in tools):
        pytest.skip("needs root, unshare and the iptables package (legacy tools)")
    script = (
        "import json, sys\n"
        "from hostql.testing import run_table\n"
        "from hostql.tables.networking.iptables import iptables\n"
        "json.dump(run_table(iptables), sys.stdout)\n"
    )
    shell = (
        f"iptables-legacy-restore -c < {RULES} && iptables-legacy-save -c > /dev/stderr && "
        f"{sys.executable} -c '{script}'"
    )
    done = subprocess.run(["unshare", "-n", "sh", "-c", shell], capture_output=True, text=True)
    if done.returncode != 0 and "unshare" in done.stderr:
        pytest.skip(f"cannot create a network namespace: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    expected = _save_output(done.stderr)
    ours: dict[str, Any] = {}
    for row in rows:
        table = ours.setdefault(row["filter_name"], {})
        chain = table.setdefault(row["chain"], [row["policy"] or None, 0, 0, []])
        if row["target"] is None:  # the chain's own row
            chain[1:3] = [row["packets"], row["bytes"]]
        else:
            chain[3].append(row["target"])
    assert ours == expected
