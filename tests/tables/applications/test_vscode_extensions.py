"""vscode_extensions: extensions.json registries and per-extension package.json fallback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hostql.tables.applications.vscode_extensions import vscode_extensions
from hostql.testing import engine_for, run_table

ME = os.getuid()
EXT = "/home/me/.vscode/extensions"

REGISTRY = [
    {"identifier": {"id": "ms-python.python", "uuid": "f1f59ae4-9318-4f3c-a9b5-81b2eaa5f8a5"},
     "version": "2024.2.1",
     "location": {"$mid": 1, "fsPath": f"{EXT}/ms-python.python-2024.2.1",
                  "external": f"file://{EXT}/ms-python.python-2024.2.1",
                  "path": f"{EXT}/ms-python.python-2024.2.1", "scheme": "file"},
     "relativeLocation": "ms-python.python-2024.2.1",
     "metadata": {"id": "f1f59ae4-9318-4f3c-a9b5-81b2eaa5f8a5",
                  "publisherId": "998b010b-e2af-44a5-a6cd-0b5fd3b9b6f8",
                  "publisherDisplayName": "Microsoft", "targetPlatform": "undefined",
                  "isApplicationScoped": False, "updated": True, "isPreReleaseVersion": False,
                  "installedTimestamp": 1708012345678, "preRelease": False}},
    {"identifier": {"id": "local.dev-ext"}, "version": "0.0.1",
     "relativeLocation": "local.dev-ext-0.0.1", "metadata": {"source": "vsix", "preRelease": True}},
    {"identifier": {}, "version": "9"},
    "not an object",
]  # fmt: skip


def write(path: Path, content: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content if isinstance(content, str) else json.dumps(content))


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(
        f"me:x:{ME}:{ME}::/home/me:/bin/sh\nbob:x:5001:5001::/home/bob:/bin/sh\n"
    )
    home = tmp_path / "home" / "me"
    write(home / ".vscode" / "extensions" / "extensions.json", REGISTRY)
    write(home / ".cursor" / "extensions" / "extensions.json", "[{broken")
    # An editor from before extensions.json: each extension's package.json.
    oss = home / ".vscode-oss" / "extensions"
    write(oss / "redhat.vscode-yaml-1.14.0" / "package.json", {
        "name": "vscode-yaml", "publisher": "RedHat", "version": "1.14.0",
        "__metadata": {"id": "2061917f-f76a-458a-8da9-f162de22b97e", "publisherId": "eed56242",
                       "publisherDisplayName": "Red Hat", "installedTimestamp": 1700000000000},
    })  # fmt: skip
    write(oss / "old.removed-1.0.0" / "package.json", {"name": "removed", "publisher": "old"})
    write(oss / ".obsolete", {"old.removed-1.0.0": True})
    bob = tmp_path / "home" / "bob" / ".windsurf" / "extensions" / "extensions.json"
    write(bob, [{"identifier": {"id": "codeium.windsurf"}, "version": "1.0.0"}])
    return tmp_path


def test_vscode_extensions(root: Path) -> None:
    assert run_table(vscode_extensions, root=root) == [
        {"name": "ms-python.python", "uuid": "f1f59ae4-9318-4f3c-a9b5-81b2eaa5f8a5",
         "version": "2024.2.1", "path": f"{EXT}/ms-python.python-2024.2.1",
         "publisher": "Microsoft", "publisher_id": "998b010b-e2af-44a5-a6cd-0b5fd3b9b6f8",
         "installed_at": 1708012345678, "prerelease": 0, "uid": ME, "vscode_edition": "vscode"},
        {"name": "local.dev-ext", "uuid": None, "version": "0.0.1",
         "path": f"{EXT}/local.dev-ext-0.0.1", "publisher": None, "publisher_id": None,
         "installed_at": None, "prerelease": 1, "uid": ME, "vscode_edition": "vscode"},
        {"name": "redhat.vscode-yaml", "uuid": "2061917f-f76a-458a-8da9-f162de22b97e",
         "version": "1.14.0", "path": "/home/me/.vscode-oss/extensions/redhat.vscode-yaml-1.14.0",
         "publisher": "Red Hat", "publisher_id": "eed56242", "installed_at": 1700000000000,
         "prerelease": None, "uid": ME, "vscode_edition": "vscodium"},
    ]  # fmt: skip


def test_vscode_corrupt_registry_warns_and_uid_pushdown(root: Path) -> None:
    engine = engine_for(vscode_extensions, root=root)
    assert len(engine.execute("select * from vscode_extensions").rows) == 3
    assert len(engine.env.warnings) == 1
    assert engine.env.warnings[0].startswith(
        "vscode_extensions: skipped /home/me/.cursor/extensions/extensions.json: "
    )
    rows = engine.execute("select name, vscode_edition from vscode_extensions where uid = 5001")
    assert rows.rows == [("codeium.windsurf", "windsurf")]
    engine.close()


def test_no_editors_means_no_rows(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(f"me:x:{ME}:{ME}::/home/me:/bin/sh\n")
    assert run_table(vscode_extensions, root=tmp_path) == []
