"""netfilter: libiptc's chain reconstruction from x_tables blobs, and the kernel snapshot."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hostql.host import Host
from hostql.host.netfilter import parse_table

FIXTURES = Path(__file__).parents[1] / "tables" / "networking" / "fixtures"


def _blobs(table: str) -> tuple[bytes, bytes]:
    return (
        (FIXTURES / f"iptables_{table}.info").read_bytes(),
        (FIXTURES / f"iptables_{table}.entries").read_bytes(),
    )


def test_builtin_policies_counters_and_rules() -> None:
    chains = {c.name: c for c in parse_table(*_blobs("filter"))}
    inp = chains["INPUT"]
    assert (inp.builtin, inp.policy, inp.packets, inp.bytes) == (True, "DROP", 5, 300)
    assert [r.target for r in inp.rules] == ["ACCEPT", "MYCHAIN", "LOG", "DROP"]
    assert [r.counters for r in inp.rules] == [(1, 60), (2, 120), (0, 0), (0, 0)]
    assert (chains["OUTPUT"].policy, chains["OUTPUT"].packets) == ("ACCEPT", 7)
    # A user chain's trailing RETURN is its foot, not a rule; no policy.
    mine = chains["MYCHAIN"]
    assert (mine.builtin, mine.policy) == (False, None)
    assert [r.target for r in mine.rules] == ["RETURN", "ZCHAIN", ""]
    assert chains["ZCHAIN"].rules == []


def test_rule_fields() -> None:
    first = parse_table(*_blobs("filter"))[0].rules[0]
    assert (first.proto, first.ports) == (6, (1000, 2000, 22, 22))
    assert first.iniface.rstrip(b"\0") == b"eth0"
    assert first.iniface_mask.rstrip(b"\0") == b"\xff" * 5


def test_table_names(tmp_path: Path) -> None:
    (tmp_path / "proc" / "net").mkdir(parents=True)
    (tmp_path / "proc" / "net" / "ip_tables_names").write_text("filter\n\n nat \n")
    reader = Host(tmp_path).netfilter
    assert reader.table_names() == ["filter", "nat"]
    assert reader.chains("filter") == []  # a fixture root has no kernel to ask


@pytest.mark.live
def test_kernel_snapshot_in_a_network_namespace() -> None:
    tools = ("unshare", "iptables-legacy-restore")
    if os.geteuid() != 0 or not all(shutil.which(t) for t in tools):
        pytest.skip("needs root, unshare and iptables-legacy-restore")
    script = (
        "import json\n"
        "from hostql.host import Host\n"
        "r = Host().netfilter\n"
        "chains = [(c.name, c.policy, len(c.rules)) for c in r.chains('filter')]\n"
        "print(json.dumps([r.table_names(), chains]))\n"
    )
    rules = FIXTURES / "iptables_rules.txt"
    done = subprocess.run(
        [
            "unshare",
            "-n",
            "sh",
            "-c",
            f'iptables-legacy-restore -c < {rules} && {sys.executable} -c "{script}"',
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 and "unshare" in done.stderr:
        pytest.skip(done.stderr.strip())
    assert done.returncode == 0, done.stderr
    names, chains = json.loads(done.stdout)
    assert sorted(names) == ["filter", "nat"]
    assert chains == [["INPUT", "DROP", 4], ["FORWARD", "ACCEPT", 0], ["OUTPUT", "ACCEPT", 0],
                      ["MYCHAIN", None, 3], ["ZCHAIN", None, 0]]  # fmt: skip
