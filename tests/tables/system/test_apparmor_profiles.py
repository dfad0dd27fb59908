"""apparmor_profiles: loaded profiles from a fixture securityfs tree."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hostql.tables.system.apparmor_profiles import apparmor_profiles
from hostql.testing import run_table

PROFILES = "sys/kernel/security/apparmor/policy/profiles"


def profile(root: Path, directory: str, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / PROFILES / directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_profiles_and_subprofiles(tmp_path: Path) -> None:
    profile(
        tmp_path,
        "usr.sbin.cups-browsed.1",
        {"attach": "/usr/sbin/cups-browsed\n", "mode": "enforce\n",
         "name": "/usr/sbin/cups-browsed\n", "sha1": "8ab3c97f0e0a\n"},
    )  # fmt: skip
    profile(
        tmp_path,
        "snap.foo.2",
        {"attach": "<unconfined>\n", "mode": "complain\n", "name": "snap.foo\n",
         "sha256": "ABCDEF\n"},
    )  # fmt: skip
    profile(
        tmp_path,
        "snap.foo.2/profiles/child.3",
        {"attach": "<unconfined>\n", "mode": "complain\n", "name": "child\n"},
    )
    profile(tmp_path, "half.4", {"mode": "enforce\n"})  # incomplete: skipped
    assert run_table(apparmor_profiles, root=tmp_path) == [
        {"path": "/usr/sbin/cups-browsed", "name": "/usr/sbin/cups-browsed",
         "attach": "/usr/sbin/cups-browsed", "mode": "enforce", "sha1": "8ab3c97f0e0a",
         "sha256": None},
        {"path": "snap.foo", "name": "snap.foo", "attach": "<unconfined>", "mode": "complain",
         "sha1": None, "sha256": "ABCDEF"},
        {"path": "snap.foo//child", "name": "child", "attach": "<unconfined>",
         "mode": "complain", "sha1": None, "sha256": None},
    ]  # fmt: skip
    # The hash columns compare case-insensitively (COLLATE NOCASE), as in osquery.
    assert run_table(apparmor_profiles, "sha256 = 'abcdef'", root=tmp_path, columns="path") == [
        {"path": "snap.foo"}
    ]
    assert run_table(apparmor_profiles, "mode = 'complain'", root=tmp_path, columns="path") == [
        {"path": "snap.foo"},
        {"path": "snap.foo//child"},
    ]


def test_no_apparmor_no_rows(tmp_path: Path) -> None:
    assert run_table(apparmor_profiles, root=tmp_path) == []


@pytest.mark.live
def test_live_profiles_match_securityfs() -> None:
    rows = run_table(apparmor_profiles)
    root = Path("/sys/kernel/security/apparmor/policy/profiles")
    if not root.exists():
        assert rows == []
        pytest.skip("AppArmor is not in use on this machine")
    names = {p.joinpath("name").read_text().strip() for p in root.iterdir() if p.is_dir()}
    assert names <= {r["name"] for r in rows}
    try:
        status = subprocess.run(["aa-status", "--json"], capture_output=True, text=True)
    except FileNotFoundError:
        return
    if status.returncode == 0:
        import json

        assert set(json.loads(status.stdout)["profiles"]) <= {r["path"] for r in rows}
