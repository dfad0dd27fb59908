"""jetbrains_plugins: plugin jars and plugin directories of JetBrains IDE configurations."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from hostql.tables.applications.jetbrains_plugins import jetbrains_plugins
from hostql.testing import engine_for, run_table

ME = os.getuid()


def jar(path: Path, xml: str | None, *, extra: dict[str, str] | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        if xml is not None:
            archive.writestr("META-INF/plugin.xml", xml)
        for name, text in (extra or {}).items():
            archive.writestr(name, text)


PLUGIN_XML = """<?xml version="1.0" encoding="UTF-8"?>
<idea-plugin require-restart="true">
  <id>com.example.{id}</id>
  <name>{name}</name>
  <version>{version}</version>
  <vendor url="https://example.com" email="help@example.com">
    Example &amp; Co
  </vendor>
  <depends>com.intellij.modules.platform</depends>
  <extensions defaultExtensionNs="com.intellij"><name>not the plugin name</name></extensions>
</idea-plugin>
"""


@pytest.fixture
def ide_root(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(f"me:x:{ME}:{ME}::/home/me:/bin/sh\n")
    plugins = tmp_path / "home" / "me" / ".local" / "share" / "JetBrains" / "PyCharm2024.1"
    plugins = plugins / "plugins"
    jar(plugins / "single-file.jar", PLUGIN_XML.format(id="single", name="Single", version="1.0"))
    jar(plugins / "no-descriptor.jar", None, extra={"a.class": ""})
    (plugins / "not-a-jar.jar").write_text("plain text")
    lib = plugins / "aws-toolkit" / "lib"
    jar(lib / "gson-2.8.0.jar", PLUGIN_XML.format(id="gson", name="Wrong", version="0"))
    jar(lib / "resources_en.jar", PLUGIN_XML.format(id="res", name="Wrong too", version="0"))
    jar(lib / "aws-toolkit-core.jar", None)
    jar(lib / "core.jar", PLUGIN_XML.format(id="aws", name="AWS Toolkit", version="3.1"))
    (plugins / "empty-dir").mkdir()
    idea = tmp_path / "home" / "me" / ".local" / "share" / "JetBrains" / "IdeaIC2023.3"
    # Not well-formed XML (an undeclared entity): osquery's tag scan still reads it.
    jar(idea / "plugins" / "legacy.jar",
        "<idea-plugin><name>Legacy &nbsp;</name><version>0.9</version></idea-plugin>")  # fmt: skip
    # Linux IDEs keep plugins directly in the configuration directory; PyCharm's glob must not
    # take PyCharmCE's directory.
    community = tmp_path / "home" / "me" / ".local" / "share" / "JetBrains" / "PyCharmCE2023.2"
    jar(community / "ruff-plugin" / "lib" / "ruff.jar",
        PLUGIN_XML.format(id="ruff", name="Ruff", version="0.0.30"))  # fmt: skip
    return tmp_path


def test_jetbrains_plugins(ide_root: Path) -> None:
    base = "/home/me/.local/share/JetBrains"
    assert run_table(jetbrains_plugins, root=ide_root) == [
        {"product_type": "intellij_idea_community_edition", "uid": ME, "name": "Legacy &nbsp;",
         "version": "0.9", "vendor": "", "path": f"{base}/IdeaIC2023.3/plugins/legacy.jar"},
        {"product_type": "pycharm", "uid": ME, "name": "Single", "version": "1.0",
         "vendor": "Example & Co", "path": f"{base}/PyCharm2024.1/plugins/single-file.jar"},
        {"product_type": "pycharm", "uid": ME, "name": "AWS Toolkit", "version": "3.1",
         "vendor": "Example & Co", "path": f"{base}/PyCharm2024.1/plugins/aws-toolkit"},
        {"product_type": "pycharm_community_edition", "uid": ME, "name": "Ruff",
         "version": "0.0.30", "vendor": "Example & Co",
         "path": f"{base}/PyCharmCE2023.2/ruff-plugin"},
    ]  # fmt: skip


def test_unreadable_jar_warns(ide_root: Path) -> None:
    engine = engine_for(jetbrains_plugins, root=ide_root)
    engine.execute("select * from jetbrains_plugins")
    assert engine.env.warnings == [
        "jetbrains_plugins: cannot read /home/me/.local/share/JetBrains/PyCharm2024.1/plugins/"
        "not-a-jar.jar: File is not a zip file"
    ]
    engine.close()


def test_no_ides_means_no_rows(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(f"me:x:{ME}:{ME}::/home/me:/bin/sh\n")
    assert run_table(jetbrains_plugins, root=tmp_path) == []
