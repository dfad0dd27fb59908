"""selinux_settings: selinuxfs keys, scopes and classes under a fixture mount."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostql.tables.system.selinux_settings import selinux_settings
from hostql.testing import engine_for, run_table

FILES = {
    "checkreqprot": "0", "deny_unknown": "0", "enforce": "1", "mls": "1", "policyvers": "33",
    "booleans/httpd_can_network_connect": "1 1", "booleans/ftp_home_dir": "0 0",
    "booleans/pending_change": "0 1",
    "policy_capabilities/network_peer_controls": "1",
    "initial_contexts/kernel": "system_u:system_r:kernel_t:s0\0",
    "class/file/index": "7", "class/file/perms/read": "1", "class/file/perms/write": "2",
    "class/dir/perms/search": "1",
}  # fmt: skip


def selinux_root(root: Path, mount: str = "sys/fs/selinux") -> Path:
    (root / "proc").mkdir()
    (root / "proc/mounts").write_text(
        f"sysfs /sys sysfs rw 0 0\nselinuxfs /{mount.replace(' ', chr(92) + '040')} "
        "selinuxfs rw,relatime 0 0\n"
    )
    for relative, text in FILES.items():
        path = root / mount / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_settings_in_osquery_order(tmp_path: Path) -> None:
    engine = engine_for(selinux_settings, root=selinux_root(tmp_path))
    assert engine.query("select * from selinux_settings") == [
        {"scope": "", "key": "checkreqprot", "value": "0"},
        {"scope": "", "key": "deny_unknown", "value": "0"},
        {"scope": "", "key": "enforce", "value": "1"},
        {"scope": "", "key": "mls", "value": "1"},
        {"scope": "", "key": "policyvers", "value": "33"},
        # A root key that cannot be read keeps its row, value NULL.
        {"scope": "", "key": "reject_unknown", "value": None},
        {"scope": "booleans", "key": "ftp_home_dir", "value": "off"},
        {"scope": "booleans", "key": "httpd_can_network_connect", "value": "on"},
        {"scope": "policy_capabilities", "key": "network_peer_controls", "value": "1"},
        {"scope": "initial_contexts", "key": "kernel", "value": "system_u:system_r:kernel_t:s0"},
        {"scope": "class", "key": "dir/perms", "value": "search"},
        {"scope": "class", "key": "file/perms", "value": "read"},
        {"scope": "class", "key": "file/perms", "value": "write"},
    ]
    warnings = engine.take_warnings()
    assert warnings[0].startswith("selinux_settings: cannot read reject_unknown")
    assert warnings[1] == ("selinux_settings: unexpected value of boolean pending_change: '0 1'")
    assert engine.query("select value from selinux_settings where key = 'enforce'") == [
        {"value": "1"}
    ]


def test_mount_point_with_escaped_space(tmp_path: Path) -> None:
    root = selinux_root(tmp_path, "mnt/se linux")
    rows = run_table(selinux_settings, "key = 'policyvers'", root=root, columns="value")
    assert rows == [{"value": "33"}]


def test_no_selinuxfs_no_rows(tmp_path: Path) -> None:
    assert run_table(selinux_settings, root=tmp_path) == []


@pytest.mark.live
def test_live_enforce_matches_selinuxfs() -> None:
    mounts = Path("/proc/mounts").read_text().splitlines()
    mount = next((line.split()[1] for line in mounts if line.split()[2:3] == ["selinuxfs"]), None)
    rows = run_table(selinux_settings, "scope = '' and key = 'enforce'", columns="value")
    if mount is None:
        assert rows == []
        pytest.skip("SELinux is not in use on this machine")
    assert rows == [{"value": Path(mount, "enforce").read_text()}]
