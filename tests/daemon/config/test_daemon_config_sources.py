"""The filesystem config plugin against real directory trees."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from hostql.daemon.config.model import ConfigSource
from hostql.daemon.config.sources import (
    FilesystemPacks,
    load_filesystem_config,
    read_filesystem_sources,
)
from hostql.errors import ConfigError

FIXTURES = Path(__file__).parent / "fixtures"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_main_file_then_conf_d_files_in_path_order(tmp_path: Path) -> None:
    main = write(tmp_path / "osquery.conf", '{"options": {"a": 1}}')
    write(tmp_path / "osquery.conf.d" / "20-late.conf", '{"options": {"a": 3}}')
    write(tmp_path / "osquery.conf.d" / "10-early.conf", '{"options": {"a": 2}}')
    write(tmp_path / "osquery.conf.d" / "notes.txt", "not a config")
    write(tmp_path / "osquery.conf.d" / "nested" / "deep.conf", "{}")
    (tmp_path / "osquery.conf.d" / "dir.conf").mkdir()
    sources = read_filesystem_sources(str(main))
    assert sources == [
        ConfigSource(str(main), '{"options": {"a": 1}}'),
        ConfigSource(f"{main}.d/10-early.conf", '{"options": {"a": 2}}'),
        ConfigSource(f"{main}.d/20-late.conf", '{"options": {"a": 3}}'),
    ]


def test_config_without_a_d_directory_is_one_source(tmp_path: Path) -> None:
    main = write(tmp_path / "hostql.conf", "{}")
    assert read_filesystem_sources(str(main)) == [ConfigSource(str(main), "{}")]


def test_glob_characters_in_the_config_path_are_literal(tmp_path: Path) -> None:
    main = write(tmp_path / "conf[1]" / "x.conf", "{}")
    write(tmp_path / "conf[1]" / "x.conf.d" / "a.conf", '{"a": 1}')
    assert [s.name for s in read_filesystem_sources(str(main))] == [
        str(main),
        f"{main}.d/a.conf",
    ]


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "none.conf"
    with pytest.raises(ConfigError) as caught:
        read_filesystem_sources(str(missing))
    assert str(caught.value) == f"config file does not exist: {missing}"


def test_a_directory_is_not_a_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^config file does not exist: "):
        read_filesystem_sources(str(tmp_path))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_conf_d_file_is_an_error(tmp_path: Path) -> None:
    main = write(tmp_path / "osquery.conf", "{}")
    locked = write(tmp_path / "osquery.conf.d" / "a.conf", "{}")
    locked.chmod(0)
    with pytest.raises(ConfigError, match=f"^cannot read {locked}: Permission denied$"):
        read_filesystem_sources(str(main))


def test_invalid_utf8_is_replaced_not_fatal(tmp_path: Path) -> None:
    main = tmp_path / "osquery.conf"
    main.write_bytes(b'{"options": {"custom_x": "\xff"}}')
    (source,) = read_filesystem_sources(str(main))
    assert source.text == '{"options": {"custom_x": "\ufffd"}}'


def test_pack_files_are_read_relative_to_the_base_dir(tmp_path: Path) -> None:
    write(tmp_path / "packs" / "a.conf", '{"queries": {}}')
    packs = FilesystemPacks(str(tmp_path))
    assert packs.read("packs/a.conf") == '{"queries": {}}'
    assert packs.read(str(tmp_path / "packs" / "a.conf")) == '{"queries": {}}'
    with pytest.raises(ConfigError) as caught:
        packs.read("packs/missing.conf")
    assert str(caught.value) == "packs/missing.conf is not a valid path"
    with pytest.raises(ConfigError, match=r"^packs is not a valid path$"):
        packs.read("packs")


def test_relative_pack_paths_default_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "p.conf", "{}")
    monkeypatch.chdir(tmp_path)
    assert FilesystemPacks().read("p.conf") == "{}"


def test_pack_globs_accept_osquery_wildcards(tmp_path: Path) -> None:
    for name in ("b.conf", "a.conf", "readme.md", "sub/c.conf", "sub/deeper/d.conf"):
        write(tmp_path / name, "{}")
    (tmp_path / "dir.conf").mkdir()
    packs = FilesystemPacks(str(tmp_path))
    top = [str(tmp_path / "a.conf"), str(tmp_path / "b.conf")]
    assert packs.glob("*.conf") == top
    assert packs.glob("%.conf") == top
    assert packs.glob(str(tmp_path / "%%" / "%.conf")) == sorted(
        [*top, str(tmp_path / "sub/c.conf"), str(tmp_path / "sub/deeper/d.conf")]
    )
    assert packs.glob("none/*.conf") == []


def test_load_filesystem_config_reads_sources_and_packs(tmp_path: Path) -> None:
    main = tmp_path / "osquery.conf"
    text = (FIXTURES / "osquery.conf").read_text()
    text = text.replace(
        "/usr/share/osquery/packs/osquery-monitoring.conf", "packs/osquery-monitoring.conf"
    )
    write(main, text)
    (tmp_path / "packs").mkdir()
    shutil.copy(FIXTURES / "osquery-monitoring.conf", tmp_path / "packs")
    write(tmp_path / "multi" / "extra.conf", '{"queries": {"q": {"query": "select 1"}}}')
    write(
        tmp_path / "osquery.conf.d" / "50-extra.conf",
        '// more packs\n{"packs": {"*": "multi/%.conf"}, "options": {"verbose": true}}',
    )
    config = load_filesystem_config(
        str(main), schedule_default_interval=900, base_dir=str(tmp_path)
    )
    assert config.warnings == ()
    assert [(p.name, p.source) for p in config.packs] == [
        ("main", str(main)),
        ("osquery-monitoring", str(main)),
        ("incident-response", str(main)),
        ("extra", f"{main}.d/50-extra.conf"),
    ]
    assert config.packs[-1].queries[0].interval == 900
    assert config.options["verbose"] is True
    assert len(config.packs[1].queries) == 3


def test_load_filesystem_config_reports_the_bad_file(tmp_path: Path) -> None:
    main = write(tmp_path / "osquery.conf", "{}")
    bad = write(tmp_path / "osquery.conf.d" / "a.conf", '{\n  "options": {\n    "x": 1,\n  }\n}')
    with pytest.raises(ConfigError) as caught:
        load_filesystem_config(str(main))
    assert str(caught.value) == (f"{bad}:4:3: Expecting property name enclosed in double quotes")
