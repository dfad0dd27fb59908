"""Editor plugin formats: VS Code registry entries and IntelliJ's plugin jar heuristics."""

from __future__ import annotations

from hostql.host.editor_plugins import (
    VscodeExtension,
    is_versioned_library,
    likely_plugin_jars_first,
    parse_plugin_xml,
    registry_extension,
)


def test_registry_entry_with_string_location() -> None:
    entry = {"identifier": {"id": "a.b"}, "version": "1", "location": "/x/a.b-1",
             "metadata": {"installedTimestamp": 5.0, "preRelease": "yes"}}  # fmt: skip
    assert registry_extension(entry, "/x") == VscodeExtension(
        "a.b", None, "1", "/x/a.b-1", None, None, 5, None
    )
    assert registry_extension({"identifier": "a.b"}, "/x") is None


def test_plugin_xml() -> None:
    xml = b"<idea-plugin><name> N </name><vendor>V</vendor></idea-plugin>"
    assert parse_plugin_xml(xml) == ("N", "V", "")
    assert parse_plugin_xml(b"<idea-plugin><name>A &x;</name>") == ("A &x;", "", "")


def test_intellij_jar_order() -> None:
    assert is_versioned_library("kotlin-stdlib-1.5.0.jar")
    assert is_versioned_library("junit-m5.jar")
    assert not is_versioned_library("kotlin-stdlib-1.5.0-sources.jar")
    assert not is_versioned_library("resources.jar")
    assert likely_plugin_jars_first(
        "banana",
        ["/l/json-2.8.0.jar", "/l/resources.jar", "/l/banana-idea.jar", "/l/database-plugin.jar",
         "/l/android-base-common.jar", "/l/banana-stdlib.jar", "/l/android.jar"],
    ) == ["/l/banana-stdlib.jar", "/l/banana-idea.jar", "/l/android.jar",
          "/l/android-base-common.jar", "/l/database-plugin.jar", "/l/json-2.8.0.jar",
          "/l/resources.jar"]  # fmt: skip
